"""Issue 15 §5 in the browser: a participant downloads their certificate from the cabinet, then
opens its public verification page from the URL printed on it; both pages pass axe."""

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from assessments.models import AwardKind, Certificate, CertificateKind
from assessments.services.awards import award_change, certificates_issue
from assessments.tests.test_interviews import _admit, _role
from lms import roles
from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory, UserFactory
from tests.plugin import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_participant_downloads_the_certificate_and_its_check_page_confirms_it(page):
    season = SeasonFactory(name="ProКадры — прошлый сезон")
    participant = ParticipantFactory(
        season=season,
        application__last_name="Жукова",
        application__first_name="Жанна",
        application__patronymic="Петровна",
        application__user__username="zhanna",
    )
    _role(participant.user, roles.PARTICIPANT)
    _admit(participant)
    staff = _role(UserFactory(username="curator", is_staff=True), roles.STAFF)
    award_change(participant_id=participant.id, kind=AwardKind.FINALIST, grant=True, actor=staff)
    certificates_issue(season=season, actor=staff)
    finalist = Certificate.objects.get(participant=participant, kind=CertificateKind.FINALIST)

    login(page, "zhanna", TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/")
    panel = page.locator("[data-testid=my-certificates]")
    assert panel.is_visible() and "Финалист программы" in panel.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "cabinet-certificates")
    with page.expect_download() as download_info:
        page.locator(f"[data-testid=download-{finalist.id}]").click()
    download = download_info.value
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Жукова Жанна Петровна" in text and finalist.code in text
    verify_url = f"{page.base_url}/certificates/{finalist.code}/"
    assert verify_url in text.replace(" ", "")  # the URL the QR code carries, printed beside it

    # The page the QR code leads to, opened by whoever holds the paper: no login.
    page.context.clear_cookies()
    page.goto(verify_url)
    valid = page.locator("[data-testid=certificate-valid]")
    assert valid.is_visible()
    assert page.locator("[data-testid=holder]").inner_text() == "Жукова Жанна Петровна"
    assert "zhanna" not in page.content() and participant.application.email not in page.content()
    assert axe_violations(page) == []
    screenshot(page, "certificate-verify")
    page.goto(f"{page.base_url}/certificates/not-a-real-code/")
    assert page.locator("[data-testid=certificate-unknown]").is_visible()
    assert axe_violations(page) == []
