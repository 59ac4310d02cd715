"""One way to hand a table to a spreadsheet: CSV (UTF-8 with a BOM, so Excel reads Cyrillic) and
XLSX, for every export of the project.

People's own text ends up in these files (names, reasons, comments), and a spreadsheet runs a cell
that starts like a formula. Following OWASP's rule, a CSV text cell starting with `=`, `+`, `-`,
`@`, a tab or a carriage return gets a leading apostrophe; an XLSX text cell is always written as
text, never as a formula. Numbers and dates stay what they are."""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import Http404, HttpResponse
from django.utils.functional import Promise

EXPORT_FORMATS = ("csv", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_cell(value):
    """A value as a spreadsheet cell: a lazy translation in the active language, a list as
    "a, b", nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(item) for item in value)
    return value


def _csv_safe(value):
    value = export_cell(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_csv(*, header: Sequence, rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([_csv_safe(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode()


def export_xlsx(*, header: Sequence, rows: Iterable[Sequence], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    # Excel refuses sheet titles over 31 characters or with []:*?/\ in them.
    sheet = book.create_sheet("".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:31] or "Sheet")

    def line(cells: Sequence) -> list:
        out = []
        for value in cells:
            cell = WriteOnlyCell(sheet, value=export_cell(value))
            if isinstance(cell.value, str):
                # openpyxl turns a string starting with "=" into a formula: keep it text.
                cell.data_type = "s"
            out.append(cell)
        return out

    sheet.append(line(header))
    for row in rows:
        sheet.append(line(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_response(*, fmt: str, header: Sequence, rows: Iterable[Sequence], title: str, filename: str) -> HttpResponse:
    """The table as a download named `filename.fmt`; an unknown format is a 404 (formats are URL parts)."""
    if fmt == "csv":
        content = export_csv(header=header, rows=rows)
    elif fmt == "xlsx":
        content = export_xlsx(header=header, rows=rows, title=title)
    else:
        raise Http404
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
