"""In the browser (axe-checked, no CSP violation): a participant ranks two offers of their region
and writes a CV with a photo, then downloads it as PDF."""

import io
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from lms.candidacy.models import OfferPreference
from tests.factories import TEST_PASSWORD, HostBodyFactory, InternshipOfferFactory, ParticipantFactory, SeasonFactory
from tests.plugin import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_participant_ranks_two_offers_and_downloads_the_cv(page, tmp_path):
    season = SeasonFactory()
    participant = ParticipantFactory(
        season=season,
        application__last_name="Соколова",
        application__first_name="Дарья",
        application__user__username="darya",
    )
    moscow = HostBodyFactory(kind="roiv", region_code="77", name="Правительство Москвы")
    first = InternshipOfferFactory(season=season, host=moscow, title="Комитет молодёжи", takes_beginner=True)
    second = InternshipOfferFactory(season=season, host=moscow, title="Департамент культуры", takes_beginner=True)

    login(page, "darya", TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/offers/")
    assert axe_violations(page) == []
    page.select_option(f"#rank-{second.pk}", "1")
    page.fill(f"#motivation-{second.pk}", "Люблю театр и хочу работать с культурными проектами.")
    page.select_option(f"#rank-{first.pk}", "2")
    page.fill(f"#motivation-{first.pk}", "Опыт волонтёрства в молодёжном центре.")
    page.click("form[data-testid=preferences-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=ranking] li").all_inner_texts() == [
        "Правительство Москвы: Департамент культуры",
        "Правительство Москвы: Комитет молодёжи",
    ]
    assert axe_violations(page) == []
    screenshot(page, "candidacy-preferences")
    assert list(OfferPreference.objects.order_by("rank").values_list("offer_id", flat=True)) == [second.pk, first.pk]

    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (120, 160), (90, 120, 160)).save(photo, format="JPEG")
    page.goto(f"{page.base_url}/cabinet/cv/")
    page.fill("#id_place_of_birth", "г. Москва")
    page.fill("#id_education", "Бакалавр, РАНХиГС, 2025")
    page.fill("#id_languages", "английский (C1)")
    page.set_input_files("#id_photo", str(photo))
    page.click("form[data-testid=cv-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    screenshot(page, "candidacy-cv")
    with page.expect_download() as download_info:
        page.click("[data-testid=cv-pdf]")
    content = Path(download_info.value.path()).read_bytes()
    reader = PdfReader(io.BytesIO(content))
    assert "Соколова Дарья" in reader.pages[0].extract_text() and len(reader.pages[0].images) == 1
    assert participant.cv_versions.count() == 1
