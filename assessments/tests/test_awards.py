"""Issue 15 §5: awards (audited, staff only), the certificates due per stage, issued once, their PDF,
the public verification page, the participant's download, erasure and the data export."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.test import APIClient

from assessments.models import Award, AwardChange, AwardKind, Certificate, CertificateBatch, CertificateKind
from assessments.selectors.awards import certificates_due
from assessments.services.awards import award_change, certificate_revoke, certificates_issue
from assessments.tests.test_candidates import interviewed
from assessments.tests.test_interviews import _admit, _role
from lms import roles
from lms.privacy.services import person_erase
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return _role(UserFactory(username="curator", is_staff=True), roles.STAFF)


def _person(season, last_name, first_name="Анна"):
    participant = ParticipantFactory(
        season=season, application__last_name=last_name, application__first_name=first_name, application__patronymic=""
    )
    _role(participant.user, roles.PARTICIPANT)
    return participant


@pytest.fixture
def season_world(staff):
    """Admitted (education), interviewed (interview), awarded, refused and a leaver."""
    season = SeasonFactory(name="Сезон 2025")
    admitted = _person(season, "Алексеева")
    interviewed_person = _person(season, "Борисова")
    refused = _person(season, "Васильева")
    left = _person(season, "Григорьева")
    _admit(admitted, interviewed_person, left, refused=[refused])
    experts = [_role(UserFactory(), roles.EXPERT)]
    interviewed(season, experts, interviewed_person, [(4, "")])
    interviewed(season, experts, refused, [])  # booked, never scored: no interview took place
    award_change(participant_id=interviewed_person.id, kind=AwardKind.FINALIST, grant=True, note="", actor=staff)
    left.left_at = left.created_at
    left.save(update_fields=["left_at"])
    return season, {"admitted": admitted, "interviewed": interviewed_person, "refused": refused, "left": left}


def _due(season):
    return {(row.participant_id, row.kind) for row in certificates_due(season=season)}


def test_certificates_due_per_stage(season_world):
    season, people = season_world
    assert _due(season) == {
        (people["admitted"].id, CertificateKind.EDUCATION),
        (people["interviewed"].id, CertificateKind.EDUCATION),
        (people["interviewed"].id, CertificateKind.INTERVIEW),
        (people["interviewed"].id, CertificateKind.FINALIST),
    }
    rows = certificates_due(season=season)
    assert [row.holder_name for row in rows][0].startswith("Алексеева")
    assert all(row.certificate_id is None for row in rows)


def test_issuing_is_idempotent_and_keeps_the_name_at_issue(season_world, staff):
    season, people = season_world
    issued, batch = certificates_issue(season=season, actor=staff)
    assert (issued, batch) == (4, None)
    assert certificates_issue(season=season, actor=staff) == (0, None)
    assert Certificate.objects.filter(season=season).count() == 4
    # A new award afterwards: only it is issued.
    award_change(participant_id=people["admitted"].id, kind=AwardKind.BEST_PROJECT, grant=True, actor=staff)
    assert certificates_issue(season=season, actor=staff) == (1, None)
    # The name as at issue: a later change of the application leaves the certificate as it was.
    application = people["admitted"].application
    application.last_name = "Новая"
    application.save(update_fields=["last_name"])
    assert Certificate.objects.filter(participant=people["admitted"]).first().holder_name.startswith("Алексеева")
    codes = list(Certificate.objects.values_list("code", flat=True))
    assert len(set(codes)) == 5 and all(len(code) == 16 for code in codes)


def test_a_revoked_certificate_is_not_issued_again(season_world, staff):
    season, people = season_world
    certificates_issue(season=season, actor=staff)
    certificate = Certificate.objects.get(participant=people["admitted"])
    certificate_revoke(certificate=certificate, reason="Ошибка в списке", actor=staff)
    assert certificates_issue(season=season, actor=staff) == (0, None)
    assert Certificate.objects.get(pk=certificate.pk).revoked


def test_a_big_issue_goes_to_the_worker_once(season_world, staff, settings, django_capture_on_commit_callbacks):
    season, _people = season_world
    settings.ASSESSMENTS_CERTIFICATES_INLINE_LIMIT = 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        issued, batch = certificates_issue(season=season, actor=staff)
    assert issued == 0 and len(callbacks) == 1
    batch = CertificateBatch.objects.get(pk=batch.pk)
    assert batch.finished_at is not None and batch.issued == 4
    from assessments.services.awards import certificate_batch_run

    assert certificate_batch_run(batch_id=batch.id) is None  # a redelivered message: claimed already
    assert Certificate.objects.filter(season=season).count() == 4


def test_awards_are_audited_and_withdrawing_revokes_the_certificate(season_world, staff):
    season, people = season_world
    person = people["interviewed"]
    assert award_change(participant_id=person.id, kind=AwardKind.FINALIST, grant=True, actor=staff) is None
    certificates_issue(season=season, actor=staff)
    with pytest.raises(ValidationError):
        award_change(participant_id=person.id, kind=AwardKind.FINALIST, grant=False, note=" ", actor=staff)
    change = award_change(participant_id=person.id, kind=AwardKind.FINALIST, grant=False, note="Ошибка", actor=staff)
    assert change.changed_by == staff and change.action == AwardChange.Action.WITHDRAW
    assert list(AwardChange.objects.filter(participant=person).values_list("action", flat=True)) == [
        "withdraw",
        "grant",
    ]
    assert not Award.objects.filter(participant=person).exists()
    certificate = Certificate.objects.get(participant=person, kind=CertificateKind.FINALIST)
    assert certificate.revoked and certificate.revoke_reason == "Ошибка"
    with pytest.raises(ValidationError):
        award_change(participant_id=person.id, kind="nobel", grant=True, actor=staff)
    with pytest.raises(ValidationError):
        award_change(participant_id=person.id, kind=AwardKind.FINALIST, grant=True, note="a\x00b", actor=staff)


def test_only_staff_change_awards_and_certificates(season_world, client):
    season, people = season_world
    participant = people["admitted"]
    with pytest.raises(PermissionDenied):
        award_change(participant_id=participant.id, kind=AwardKind.FINALIST, grant=True, actor=participant.user)
    with pytest.raises(PermissionDenied):
        certificates_issue(season=season, actor=participant.user)
    client.force_login(participant.user)
    data = {"season": season.id, "participant": participant.id, "kind": "finalist"}
    assert client.post(reverse("assessments:awards"), data).status_code == 403
    assert client.post(reverse("assessments:certificates"), {"season": season.id}).status_code == 403
    api = APIClient()
    api.force_authenticate(participant.user)
    change = {"participant_id": participant.id, "kind": "finalist", "grant": True}
    assert api.post(f"/api/v1/seasons/{season.id}/awards/change/", change, format="json").status_code == 403
    assert api.post(f"/api/v1/seasons/{season.id}/certificates/issue/").status_code == 403
    assert api.get(f"/api/v1/seasons/{season.id}/certificates/").status_code == 403
    assert not Award.objects.filter(participant=participant).exists()


def test_staff_pages_give_an_award_and_issue(season_world, staff, client):
    season, people = season_world
    client.force_login(staff)
    page = client.get(reverse("assessments:awards"), {"season": season.id, "q": "Алексеева"})
    assert page.status_code == 200 and "Алексеева" in page.content.decode()
    data = {"season": season.id, "participant": people["admitted"].id, "kind": "education_module", "note": "РАНХиГС"}
    assert client.post(reverse("assessments:awards"), data).status_code == 302
    assert Award.objects.get(participant=people["admitted"]).note == "РАНХиГС"
    bad = client.post(reverse("assessments:awards"), {**data, "participant": "²"})
    assert bad.status_code == 400
    assert client.post(reverse("assessments:certificates"), {"season": season.id}).status_code == 302
    assert Certificate.objects.filter(season=season).count() == 5
    page = client.get(reverse("assessments:certificates"), {"season": season.id})
    assert page.status_code == 200 and Certificate.objects.first().code in page.content.decode()
    certificate = Certificate.objects.first()
    url = reverse("assessments:certificate-revoke", args=[certificate.id])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Дубликат"}).status_code == 302
    assert Certificate.objects.get(pk=certificate.pk).revoked


def test_the_pdf_names_the_holder_the_award_and_the_code_with_a_qr_image(season_world, staff, client):
    season, people = season_world
    certificates_issue(season=season, actor=staff)
    certificate = Certificate.objects.get(participant=people["interviewed"], kind=CertificateKind.FINALIST)
    client.force_login(people["interviewed"].user)
    response = client.get(reverse("assessments:certificate-download", args=[certificate.id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Борисова Анна" in text
    assert "Финалист программы" in text
    assert certificate.code in text
    assert len(reader.pages[0].images) == 1


def test_a_participant_downloads_only_their_own(season_world, staff, client):
    season, people = season_world
    certificates_issue(season=season, actor=staff)
    other = Certificate.objects.get(participant=people["interviewed"], kind=CertificateKind.INTERVIEW)
    url = reverse("assessments:certificate-download", args=[other.id])
    client.force_login(people["admitted"].user)
    assert client.get(url).status_code == 404
    client.force_login(staff)  # staff too: the download is the holder's
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(people["interviewed"].user)
    certificate_revoke(certificate=other, reason="Ошибка", actor=staff)
    assert client.get(url).status_code == 404


def test_the_verification_page_shows_only_the_allowed_fields(season_world, staff, client):
    season, people = season_world
    certificates_issue(season=season, actor=staff)
    person = people["admitted"]
    certificate = Certificate.objects.get(participant=person)
    response = client.get(f"/certificates/{certificate.code}/")
    body = response.content.decode()
    assert response.status_code == 200 and response["X-Robots-Tag"].startswith("noindex")
    assert certificate.holder_name in body and "Завершил(а) образовательный блок" in body
    assert "Сезон 2025" in body and certificate.code in body
    for private in (
        person.application.email,
        person.user.username,
        person.application.date_of_birth.strftime("%d.%m.%Y"),
    ):
        assert private not in body
    assert f"/{person.id}/" not in body and person.application.institution not in body


@pytest.mark.parametrize(
    "code",
    ["x" * 16, "A" * 5000, "сертификат12345678", "%00" * 16, "abc%00defghijklmn", "..", "A" * 15, "A" * 17],
)
def test_forged_and_odd_codes_are_a_clear_404(season_world, staff, client, code):
    season, _people = season_world
    certificates_issue(season=season, actor=staff)
    response = client.get(f"/certificates/{code}/")
    assert response.status_code == 404
    assert "Сертификат не найден" in response.content.decode()


def test_a_revoked_certificate_says_so_and_shows_no_name(season_world, staff, client):
    season, people = season_world
    certificates_issue(season=season, actor=staff)
    certificate = Certificate.objects.get(participant=people["admitted"])
    certificate_revoke(certificate=certificate, reason="Списывал на тесте", actor=staff)
    body = client.get(f"/certificates/{certificate.code}/").content.decode()
    assert "Сертификат отозван" in body
    assert "Алексеева" not in body and "Списывал" not in body


def test_erasure_revokes_and_blanks_the_certificates_and_the_export_lists_them(season_world, staff, client):
    season, people = season_world
    certificates_issue(season=season, actor=staff)
    person = people["interviewed"]
    client.force_login(person.user)
    exported = client.get(reverse("personal-data-json")).json()
    text = str(exported)
    assert "Финалист программы" in text and Certificate.objects.filter(participant=person).first().code in text
    person_erase(user=person.user, erased_by=staff)
    for certificate in Certificate.objects.filter(participant=person):
        assert certificate.revoked and certificate.holder_name == ""
        body = client.get(f"/certificates/{certificate.code}/").content.decode()
        assert "Сертификат отозван" in body and "Борисова" not in body
    assert person.id not in {row.participant_id for row in certificates_due(season=season)}


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as queries:
        callable_()
    return len(queries)


def test_list_queries_do_not_grow_with_the_rows(staff):
    """certificates_due: the runs, two per track (decisions, names), the interviews, the awards, the
    names, the certificates and who is still in the season; the APIs: the session/user and roles,
    the season, then a count and a page (certificates) or the awards and their names."""
    season = SeasonFactory()
    api = APIClient()
    api.force_authenticate(staff)

    def grow(count):
        people = [_person(season, f"Участник{index}") for index in range(count)]
        _admit(*people)
        for person in people:
            award_change(participant_id=person.id, kind=AwardKind.FINALIST, grant=True, actor=staff)
        certificates_issue(season=season, actor=staff)

    grow(2)
    measured = lambda: (  # noqa: E731
        _queries(lambda: certificates_due(season=season)),
        _queries(lambda: api.get(f"/api/v1/seasons/{season.id}/certificates/")),
        _queries(lambda: api.get(f"/api/v1/seasons/{season.id}/awards/")),
    )
    at_n = measured()
    grow(1)
    assert measured() == at_n
    owner = Certificate.objects.first().participant.user
    api.force_authenticate(owner)
    mine = _queries(lambda: api.get("/api/v1/me/certificates/"))
    award_change(
        participant_id=Certificate.objects.first().participant_id, kind="best_project", grant=True, actor=staff
    )
    certificates_issue(season=season, actor=staff)
    assert _queries(lambda: api.get("/api/v1/me/certificates/")) == mine
    assert len(api.get("/api/v1/me/certificates/").json()) == 3
