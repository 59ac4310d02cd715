"""In the browser (every page axe-checked, no CSP violation): staff import a season's hosts and
offers through the preview, and a ministry's representative edits its own offer."""

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook

from lms import roles
from lms.hosts import sheets
from lms.hosts.models import HostBody, InternshipOffer
from tests.factories import (
    TEST_PASSWORD,
    HostBodyFactory,
    InternshipOfferFactory,
    SeasonFactory,
    host_person,
    user_with_role,
)
from tests.plugin import axe_violations, login, screenshot


def _xlsx(path, rows: list[list]) -> str:
    book = Workbook()
    sheet = book.active
    sheet.append(sheets.header())
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return str(path)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_import_a_seasons_hosts_and_offers_through_the_preview(page, tmp_path):
    season = SeasonFactory(name="Сезон импорта")
    staff = user_with_role(roles.STAFF, username="import-boss")
    starts = season.internships_starts_on
    good = [
        "Правительство Калужской области",
        "РОИВ",
        "Калужская область",
        "Калуга",
        "",
        "",
        "",
        "Министерство экономики",
        3,
        starts,
        starts + timedelta(days=20),
        "Начинающие, PRO",
        "да",
        "",
        "Анализ региональной экономики.",
    ]
    short = [*good[:7], "Неделя", 1, starts, starts + timedelta(days=6), "Молодые", "нет", "", "Коротко."]

    login(page, staff.username, TEST_PASSWORD)
    page.get_by_role("link", name="Принимающие органы и стажировки").click()
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Импорт органов и стажировок (CSV, XLSX)").click()
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []

    # A file with a bad row: the row is named with its reason, and nothing can be imported.
    page.set_input_files("#id_file", _xlsx(tmp_path / "bad.xlsx", [good, short]))
    page.get_by_role("button", name="Посмотреть, что будет импортировано").click()
    page.wait_for_load_state("networkidle")
    errors = page.locator("[data-testid=import-errors]")
    assert "Строка 3: " in errors.inner_text() and "от двух недель до месяца" in errors.inner_text()
    assert page.get_by_role("button", name="Импортировать").count() == 0
    assert axe_violations(page) == []
    screenshot(page, "hosts-import-refused")
    assert not HostBody.objects.exists()

    page.get_by_role("link", name="Исправьте файл и загрузите его снова").click()
    page.wait_for_load_state("networkidle")
    page.set_input_files("#id_file", _xlsx(tmp_path / "good.xlsx", [good]))
    page.get_by_role("button", name="Посмотреть, что будет импортировано").click()
    page.wait_for_load_state("networkidle")
    assert "добавит органов — 1" in page.locator("[data-testid=import-summary]").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "hosts-import-preview")
    assert not HostBody.objects.exists()  # a preview stores nothing

    page.get_by_role("button", name="Импортировать").click()
    page.wait_for_load_state("networkidle")
    assert "Импортировано" in page.locator(".messages").inner_text()
    assert "Министерство экономики" in page.locator("[data-testid=offers]").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "hosts-offers")
    assert InternshipOffer.objects.get().seats == 3

    # The body's page and its forms (the body's, a new representative's, an offer's).
    page.locator("[data-testid=offers]").get_by_role("link", name="Правительство Калужской области", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "Калужская область" in page.locator("[data-testid=host-body]").inner_text()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Добавить", exact=True).click()  # nothing filled in: refused on the page
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_login_errors").count() == 1
    assert axe_violations(page) == []
    page.get_by_role("link", name="Изменить орган").click()
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_ministrys_representative_edits_its_own_offer(page):
    season = SeasonFactory(name="Сезон министерства")
    ministry = HostBodyFactory(name="Минцифры России", phone="+7 495 000-00-00")
    offer = InternshipOfferFactory(season=season, host=ministry, title="Департамент данных", seats=2)
    InternshipOfferFactory(season=season, host=HostBodyFactory(name="Чужое министерство"), title="Чужая")
    person = host_person(ministry, username="ministry-hr", first_name="Галина", last_name="Кадрова")

    login(page, person.username, TEST_PASSWORD)
    page.get_by_role("link", name="Ваш принимающий орган").click()
    page.wait_for_load_state("networkidle")
    page.select_option("#host-season", str(season.pk))
    page.get_by_role("button", name="Показать").click()
    page.wait_for_load_state("networkidle")
    main = page.locator("main").inner_text()
    assert "Минцифры России" in main and "Департамент данных" in main and "Чужая" not in main
    assert axe_violations(page) == []
    screenshot(page, "hosts-own-body")

    page.get_by_role("link", name="Изменить Департамент данных").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_length_override_reason").count() == 0  # staff's field only
    assert axe_violations(page) == []
    page.fill("#id_seats", "5")
    # A week only: refused, with the reason on the page.
    page.fill("#id_ends_on", (offer.starts_on + timedelta(days=6)).isoformat())
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_load_state("networkidle")
    assert "от двух недель до месяца" in page.locator("#error-summary").inner_text()
    assert axe_violations(page) == []
    page.fill("#id_ends_on", (offer.starts_on + timedelta(days=27)).isoformat())
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_load_state("networkidle")
    assert "Стажировка сохранена" in page.locator(".messages").inner_text()
    assert "28 дней" in page.locator(f"[data-testid=offer-{offer.pk}]").inner_text()
    assert axe_violations(page) == []
    offer.refresh_from_db()
    assert (offer.seats, offer.days) == (5, 28)
