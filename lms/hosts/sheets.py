"""The spreadsheet of host bodies and offers: one table, one row per offer with its body's columns
(a row without the offer's columns names a body only). The same columns make the template, the
export and the import, so an exported season imports back unchanged.

Reading takes CSV (UTF-8, or Windows-1251 as Excel saves it in Russian; comma, semicolon or tab) and
XLSX (the first sheet). Cells are read as text, never run: a cell such as `=HYPERLINK(…)` is a
name like any other. The apostrophe our exports put before such text (lms.exports) is taken off
again, so what was exported comes back as it was."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.choices import Level
from lms.exports import FORMULA_STARTS
from lms.hosts.models import HostKind
from lms.numbers import whole_number
from lms.regions import REGIONS, region_get

# An upload this size holds thousands of rows; anything bigger is not a season's hosts.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 3000
XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    help: Promise


COLUMNS: tuple[Column, ...] = (
    Column("host_name", gettext_lazy("Host body"), gettext_lazy("Required. The body is found by its name.")),
    Column(
        "host_kind",
        gettext_lazy("Kind"),
        gettext_lazy("ROIV, FOIV or State corporation; required for a new body."),
    ),
    Column("region", gettext_lazy("Region"), gettext_lazy("A ROIV's region: its name or code (77). Empty: federal.")),
    Column("address", gettext_lazy("Address"), gettext_lazy("The body's contacts; empty keeps what is stored.")),
    Column("phone", gettext_lazy("Phone"), gettext_lazy("The body's contacts; empty keeps what is stored.")),
    Column("email", gettext_lazy("E-mail"), gettext_lazy("The body's contacts; empty keeps what is stored.")),
    Column("website", gettext_lazy("Website"), gettext_lazy("The body's contacts; empty keeps what is stored.")),
    Column(
        "offer_title",
        gettext_lazy("Internship"),
        gettext_lazy("The unit or subject of the offer; empty: the row names the body only."),
    ),
    Column("seats", gettext_lazy("Seats"), gettext_lazy("A whole number, at least 1.")),
    Column("starts_on", gettext_lazy("Starts on"), gettext_lazy("A date: 01.10.2026 or 2026-10-01.")),
    Column(
        "ends_on", gettext_lazy("Ends on"), gettext_lazy("Two weeks to a month after the start, both days counted.")
    ),
    Column("levels", gettext_lazy("Levels"), gettext_lazy("Beginner, Young, PRO, separated by commas.")),
    Column(
        "pro_other_regions",
        gettext_lazy("PRO from other regions"),
        gettext_lazy("Yes or no (empty: no); a ROIV's offer only."),
    ),
    Column(
        "other_regions_cap",
        gettext_lazy("Most seats for PRO from other regions"),
        gettext_lazy("A whole number up to the seats, or empty: no limit. Only with PRO from other regions."),
    ),
    Column("description", gettext_lazy("The work"), gettext_lazy("A short description of the work; required.")),
    Column(
        "length_override_reason",
        gettext_lazy("Why another length"),
        gettext_lazy("Only for another length than two weeks to a month: staff's reason."),
    ),
)
HOST_COLUMNS = ("host_name", "host_kind", "region", "address", "phone", "email", "website")
OFFER_COLUMNS = tuple(column.key for column in COLUMNS if column.key not in HOST_COLUMNS)
# The model's field a service names in a refusal → the column the row's message names.
FIELD_COLUMNS = {
    "name": "host_name",
    "kind": "host_kind",
    "region_code": "region",
    "title": "offer_title",
    "takes_beginner": "levels",
    "takes_young": "levels",
    "takes_pro": "levels",
    "levels": "levels",
}
LANGUAGES = ("ru", "en")
YES = {"да", "yes", "true", "1", "y", "д", "+"}
NO = {"нет", "no", "false", "0", "n", "н", ""}


def _norm(text) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().rstrip("*").strip().lower()


def _in_languages(label) -> set[str]:
    names = set()
    for language in LANGUAGES:
        with translation.override(language):
            names.add(_norm(label))
    return names


def column_label(key: str) -> str:
    return str(next(column.label for column in COLUMNS if column.key == key))


def _header_keys(header: list) -> list[str | None]:
    names = {column.key: {column.key, *_in_languages(column.label)} for column in COLUMNS}
    keys: list[str | None] = []
    unknown = []
    for cell in header:
        name = _norm(cell if cell is not None else "")
        key = next((key for key, aliases in names.items() if name in aliases), None)
        if key is None and name:
            unknown.append(str(cell).strip())
        if key is not None and key in keys:
            raise ValidationError(
                {"file": [_("The column “%(column)s” appears twice.") % {"column": str(cell).strip()}]}
            )
        keys.append(key)
    if unknown:
        raise ValidationError(
            {
                "file": [
                    _("Unknown columns: %(unknown)s. The template's columns are: %(known)s.")
                    % {
                        "unknown": ", ".join(unknown),
                        "known": ", ".join(str(column.label) for column in COLUMNS),
                    }
                ]
            }
        )
    if "host_name" not in keys:
        raise ValidationError(
            {
                "file": [
                    _("The first row must name the columns, “%(column)s” among them.")
                    % {"column": column_label("host_name")}
                ]
            }
        )
    return keys


def _csv_rows(content: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1251 decodes every byte but 0x98
        raise ValidationError({"file": [_("The file is neither UTF-8 nor Windows-1251 text.")]})
    if "\x00" in text:
        raise ValidationError({"file": [_("This is not a CSV or XLSX file.")]})
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ValidationError({"file": [_("The CSV file cannot be read: %(error)s.") % {"error": error}]}) from error


def _xlsx_rows(content: bytes) -> list[list]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only=False: a formula is read as its text, never as a value some program computed.
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        try:
            sheet = book.worksheets[0]
            rows = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(list(row))
                if len(rows) > MAX_ROWS + 1:
                    break
            return rows
        finally:
            book.close()
    except (BadZipFile, InvalidFileException, KeyError, IndexError, ValueError, TypeError, OSError) as error:
        raise ValidationError({"file": [_("The XLSX file cannot be read.")]}) from error


def _is_blank(row: list) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def table_read(*, content: bytes) -> list[tuple[int, dict]]:
    """The upload's data rows as (line, {column key: raw cell}), the header being line 1 and blank
    rows skipped. Raises ValidationError on `file` when the file as a whole cannot be taken."""
    if not content:
        raise ValidationError({"file": [_("The file is empty.")]})
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"file": [_("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}]}
        )
    rows = _xlsx_rows(content) if content.startswith(XLSX_MAGIC) else _csv_rows(content)
    numbered = [(line, row) for line, row in enumerate(rows, start=1) if not _is_blank(row)]
    if not numbered:
        raise ValidationError({"file": [_("The file holds no rows.")]})
    (_header_line, header), data = numbered[0], numbered[1:]
    keys = _header_keys(header)
    if not data:
        raise ValidationError({"file": [_("The file holds the column names but no rows.")]})
    if len(data) > MAX_ROWS:
        raise ValidationError({"file": [_("The file holds more than %(max)s rows.") % {"max": MAX_ROWS}]})
    return [
        (line, {key: cell for key, cell in zip(keys, row) if key is not None and cell is not None})
        for line, row in data
    ]


# ---------------------------------------------------------------- cells → values


def cell_text(value) -> str:
    """A cell as text: numbers as written, our exports' protective apostrophe taken off."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.strftime("%d.%m.%Y")
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        text = text[1:]
    return text


def cell_kind(value) -> str:
    written = cell_text(value)
    text = _norm(written)
    if not text:
        return ""
    synonyms = {"государственная корпорация": HostKind.STATE_CORPORATION, "госкорпорация": HostKind.STATE_CORPORATION}
    for kind in HostKind:
        if text == kind.value or text in _in_languages(kind.label):
            return kind.value
    if text in synonyms:
        return synonyms[text]
    raise ValueError(
        _("“%(value)s” is not a kind of body: write ROIV, FOIV or State corporation.") % {"value": written}
    )


def cell_region(value) -> str:
    text = cell_text(value)
    if not text:
        return ""
    if text.isdigit() and len(text) <= 2 and region_get(text.zfill(2)):
        return text.zfill(2)
    name = _norm(text)
    for region in REGIONS:
        if name in (_norm(region.name_ru), _norm(region.name_en)):
            return region.code
    raise ValueError(_("“%(value)s” is not a region of the Russian Federation.") % {"value": text})


def cell_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        return None
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("“%(value)s” is not a date: write 01.10.2026 or 2026-10-01.") % {"value": text})


def cell_whole(value) -> int | None:
    text = cell_text(value)
    if not text:
        return None
    number = whole_number(text, digits=9)
    if number is None:
        raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text})
    return number


def cell_levels(value) -> list[str]:
    levels = []
    for word in re.split(r"[,;/]+", cell_text(value)):
        name = _norm(word)
        if not name:
            continue
        level = next(
            (level.value for level in Level if name == level.value or name in _in_languages(level.label)), None
        )
        if level is None:
            raise ValueError(_("“%(value)s” is not a level: write Beginner, Young or PRO.") % {"value": word.strip()})
        if level not in levels:
            levels.append(level)
    return levels


def cell_yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    written = cell_text(value)
    if _norm(written) in YES:
        return True
    if _norm(written) in NO:
        return False
    raise ValueError(_("“%(value)s” is neither yes nor no.") % {"value": written})


# ---------------------------------------------------------------- values → cells (template, export)


def header() -> list[str]:
    return [str(column.label) for column in COLUMNS]


def host_cells(host) -> list:
    region = region_get(host.region_code)
    return [
        host.name,
        host.get_kind_display(),
        region.name if region else "",
        host.address,
        host.phone,
        host.email,
        host.website,
    ]


def offer_cells(offer) -> list:
    return [
        offer.title,
        offer.seats,
        offer.starts_on,
        offer.ends_on,
        ", ".join(str(Level(level).label) for level in offer.levels),
        _("yes") if offer.pro_other_regions else _("no"),
        offer.other_regions_cap,
        offer.description,
        offer.length_override_reason,
    ]
