"""The regional dossiers (issue 15 §5): the outbox prepared per region from the applied finalist
decisions (and the closing's finalist award), only those with a talent-pool consent in force; a
region without an address blocked; each dossier e-mailed once even when the mail server fails once;
the log of sendings; the sweep; erasure and export; the address book; permissions; query counts."""

import io
import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from assessments.models import (
    Award,
    Dossier,
    DossierSending,
    Internship,
    MinistryDecision,
    MinistryWave,
    PlacementRun,
)
from assessments.privacy import dossiers_part_erase, dossiers_part_export
from assessments.selectors.dossiers import dossier_contents, dossier_hash, dossier_outbox
from assessments.selectors.internships import week_of
from assessments.services.admission import admission_runs_sweep
from assessments.services.dossiers import dossier_deliver, dossiers_prepare, dossiers_send
from assessments.tasks import dossier_send_task
from lms import roles
from lms.candidacy.models import CvVersion
from lms.errors import ConflictError
from lms.models import Consent, ConsentPurpose, Level
from lms.youthbodies.models import YouthBody
from tests.factories import (
    HostBodyFactory,
    InternshipOfferFactory,
    ParticipantFactory,
    SeasonFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def finalist(w, last_name, region="77", *, consent=True, applied=True, level=Level.YOUNG):
    participant = ParticipantFactory(
        season=w["season"], level=level, application__last_name=last_name, application__region_code=region
    )
    if consent:
        Consent.objects.create(
            application=participant.application,
            purpose=ConsentPurpose.TALENT_POOL,
            text_version="v1",
            given_at=timezone.now(),
        )
    MinistryDecision.objects.create(
        host=w["ministry"],
        participant=participant,
        verdict="finalist",
        decided_by=w["staff"],
        decided_at=timezone.now(),
        wave=w["wave"] if applied else None,
    )
    return participant


@pytest.fixture
def world():
    """Moscow (77, a body with two addresses): Иванов (with a CV) and Петров finalists with a
    consent, Сидоров a finalist without one, Кузнецов's decision still pending; Орлова a Beginner
    with the closing's finalist award. St Petersburg (78, no body): Смирнов."""
    season = SeasonFactory()
    staff = user_with_role(roles.STAFF)
    w = {"season": season, "staff": staff, "ministry": HostBodyFactory(name="Минцифры")}
    w["wave"] = MinistryWave.objects.create(season=season, applied_by=staff, applied_at=timezone.now())
    for name in ("Иванов", "Петров"):
        w[name] = finalist(w, name)
    w["Сидоров"] = finalist(w, "Сидоров", consent=False)
    w["Кузнецов"] = finalist(w, "Кузнецов", applied=False)
    w["Смирнов"] = finalist(w, "Смирнов", region="78")
    w["Орлова"] = ParticipantFactory(season=season, application__last_name="Орлова", level=Level.BEGINNER)
    Consent.objects.create(
        application=w["Орлова"].application,
        purpose=ConsentPurpose.TALENT_POOL,
        text_version="v1",
        given_at=timezone.now(),
    )
    Award.objects.create(participant=w["Орлова"], season=season, kind="finalist", awarded_by=staff)
    CvVersion.objects.create(
        participant=w["Иванов"],
        number=1,
        full_name="Иванов Иван",
        place_of_birth="Москва",
        education="МГУ, 2020",
        created_by=w["Иванов"].user,
    )
    YouthBody.objects.create(
        region_code="77",
        name="Комитет общественных связей и молодёжной политики",
        emails=["a@mos.test", "b@mos.test"],
        updated_by=staff,
    )
    return w


def names(dossier, key="finalists"):
    return [entry["name"].split()[0] for entry in dossier.snapshot[key]]


def test_prepare_freezes_a_dossier_per_region_with_only_consenting_applied_finalists(world):
    w = world
    dossiers_prepare(season=w["season"], actor=w["staff"])
    moscow, spb = Dossier.objects.get(region_code="77"), Dossier.objects.get(region_code="78")
    # Sorted by name; the pending decision does not count; the award makes the Beginner a finalist.
    assert names(moscow) == ["Иванов", "Орлова", "Петров"] and names(moscow, "left_out") == ["Сидоров"]
    assert (moscow.finalists_count, moscow.left_out_count, moscow.status) == (3, 1, "draft")
    assert moscow.content_hash == dossier_hash(finalists=moscow.snapshot["finalists"])
    ivanov = moscow.snapshot["finalists"][0]
    assert ivanov["cv_number"] == 1 and ivanov["ministry_decisions"] == [
        {"ministry": "Минцифры", "verdict": "finalist"}
    ]
    assert ivanov["internships"] == []  # filled when the internships land
    rows = {row.dossier.region_code: row for row in dossier_outbox(season_id=w["season"].pk)}
    assert rows["77"].sendable and rows["77"].recipients == ["a@mos.test", "b@mos.test"]
    assert rows["78"].blocked and not rows["78"].sendable and names(spb) == ["Смирнов"]


def test_the_outbox_sends_each_dossier_once_even_when_the_mail_server_fails_once(
    world, client, django_capture_on_commit_callbacks
):
    w = world
    assert {OSError, smtplib.SMTPException} <= set(dossier_send_task.autoretry_for)
    YouthBody.objects.create(
        region_code="78", name="Комитет по молодёжной политике", emails=["spb@gov.test"], updated_by=w["staff"]
    )
    dossiers_prepare(season=w["season"], actor=w["staff"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert dossiers_send(season=w["season"], actor=w["staff"]) == 2
    assert len(callbacks) == 2 and set(Dossier.objects.values_list("status", flat=True)) == {"queued"}
    moscow = Dossier.objects.get(region_code="77")
    real, calls = EmailBackend.send_messages, []

    def flaky(self, messages):
        calls.append(messages)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("gone")
        return real(self, messages)

    mail.outbox.clear()
    with mock.patch.object(EmailBackend, "send_messages", flaky), pytest.raises(smtplib.SMTPException):
        dossier_deliver(dossier_id=moscow.pk)
    moscow.refresh_from_db()
    assert (moscow.status, moscow.attempts, mail.outbox) == ("failed", 1, [])
    assert "SMTPServerDisconnected: gone" in moscow.last_error
    client.force_login(w["staff"])
    page = client.get(reverse("assessments:dossiers"), {"season": w["season"].pk}).content.decode()
    assert "SMTPServerDisconnected: gone" in page and "Ошибка" in page
    # The retry sends it; another delivery of the message sends nothing.
    assert dossier_deliver(dossier_id=moscow.pk) is True
    assert dossier_deliver(dossier_id=moscow.pk) is False
    spb = Dossier.objects.get(region_code="78")
    assert dossier_deliver(dossier_id=spb.pk) is True and dossier_deliver(dossier_id=spb.pk) is False
    assert sorted(tuple(m.to) for m in mail.outbox) == [("a@mos.test", "b@mos.test"), ("spb@gov.test",)]
    moscow.refresh_from_db()
    assert (moscow.status, moscow.attempts, moscow.last_error) == ("sent", 2, "") and moscow.sent_at
    log = list(DossierSending.objects.filter(dossier=moscow).values_list("attempt", "outcome"))
    assert log == [(1, "failed"), (2, "sent")]
    message = next(m for m in mail.outbox if "a@mos.test" in m.to)
    assert moscow.content_hash in message.body
    files = {name: content for name, content, _type in message.attachments}
    assert set(files) == {f"dossier-{w['season'].pk}-77.pdf", f"cv-{w['Иванов'].pk}-v1.pdf"}
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(files[f"dossier-{w['season'].pk}-77.pdf"])).pages
    )
    assert "Иванов" in text and "Орлова" in text and "Сидоров" not in text and "Минцифры: Финалист" in text
    # Sent: preparing again changes nothing of it, sending again is refused.
    frozen = moscow.snapshot
    finalist(w, "Новиков")
    dossiers_prepare(season=w["season"], actor=w["staff"])
    moscow.refresh_from_db()
    assert moscow.snapshot == frozen
    with pytest.raises(ConflictError):
        dossiers_send(season=w["season"], actor=w["staff"], dossier_ids=[moscow.pk])


def test_a_blocked_region_is_refused_and_skipped(world):
    w = world
    dossiers_prepare(season=w["season"], actor=w["staff"])
    spb = Dossier.objects.get(region_code="78")
    api = APIClient()
    api.force_authenticate(w["staff"])
    url = reverse("assessments:dossier-send", args=[w["season"].pk])
    refused = api.post(url, {"ids": [spb.pk]}, format="json")
    assert refused.status_code == 409 and "заблокировано" in refused.json()["detail"]
    assert api.post(url, {}, format="json").json() == {"queued": 1}
    assert Dossier.objects.get(region_code="78").status == "draft"
    assert api.post(url, {"ids": ["x"]}, format="json").status_code == 400


def test_the_sweep_requeues_a_lost_queued_dossier(world, django_capture_on_commit_callbacks):
    w = world
    dossiers_prepare(season=w["season"], actor=w["staff"])
    with django_capture_on_commit_callbacks(execute=False):
        dossiers_send(season=w["season"], actor=w["staff"])
    Dossier.objects.update(queued_at=timezone.now() - timedelta(hours=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        admission_runs_sweep()
    assert Dossier.objects.get(region_code="77").status == "sent" and len(mail.outbox) == 1


def test_erasure_drops_the_person_from_unsent_dossiers_and_keeps_a_line_in_sent_ones(world):
    w = world
    dossiers_prepare(season=w["season"], actor=w["staff"])
    moscow = Dossier.objects.get(region_code="77")
    Dossier.objects.filter(pk=moscow.pk).update(status="sent", sent_at=timezone.now())
    spb = Dossier.objects.get(region_code="78")
    [section] = dossiers_part_export(w["Смирнов"].user_id)
    assert [(row["region"], row["included"], row["status"]) for row in section.rows] == [
        ("Санкт-Петербург", True, "Черновик")
    ]
    dossiers_part_erase(w["Смирнов"].user_id)
    spb.refresh_from_db()
    assert spb.snapshot["finalists"] == [] and spb.finalists_count == 0
    hash_sent = moscow.content_hash
    dossiers_part_erase(w["Иванов"].user_id)
    moscow.refresh_from_db()
    assert moscow.snapshot["finalists"][0] == {"participant_id": w["Иванов"].pk, "erased": True}
    assert moscow.content_hash == hash_sent and "Иванов" not in str(moscow.snapshot)
    dossiers_part_erase(w["Иванов"].user_id)  # twice is safe


def test_the_address_book_is_edited_by_staff_with_who_and_when(world, client):
    w = world
    client.force_login(w["staff"])
    url = reverse("youthbodies:edit", args=["78"])
    bad = client.post(url, {"name": "Комитет", "emails": "не-адрес", "active": "on"})
    assert (
        bad.status_code == 400 and "не-адрес" in bad.content.decode() and not YouthBody.objects.filter(region_code="78")
    )
    assert (
        client.post(
            url, {"name": "Комитет", "emails": "A@spb.test\na@spb.test; b@spb.test", "active": "on"}
        ).status_code
        == 302
    )
    body = YouthBody.objects.get(region_code="78")
    assert (body.emails, body.updated_by, body.active) == (["a@spb.test", "b@spb.test"], w["staff"], True)
    listing = client.get(reverse("youthbodies:staff-list")).content.decode()
    assert "a@spb.test, b@spb.test" in listing and w["staff"].username in listing
    assert client.get(reverse("youthbodies:edit", args=["00"])).status_code == 404
    api = APIClient()
    api.force_authenticate(w["staff"])
    response = api.put("/api/v1/youth-bodies/78/update/", {"name": "К", "emails": [], "active": False}, format="json")
    assert response.status_code == 200 and response.json()["emails"] == []
    assert api.put("/api/v1/youth-bodies/78/update/", {"name": "", "emails": []}, format="json").status_code == 400
    rows = {row["region_code"]: row for row in api.get("/api/v1/youth-bodies/").json()}
    assert len(rows) == 89 and rows["77"]["deliverable"] and not rows["78"]["deliverable"]


@pytest.mark.parametrize("role", [roles.PARTICIPANT, roles.EXPERT, roles.HOST, roles.EDITOR])
def test_everyone_but_staff_is_refused(world, client, role):
    w = world
    dossiers_prepare(season=w["season"], actor=w["staff"])
    dossier = Dossier.objects.get(region_code="77")
    user = w["Иванов"].user if role == roles.PARTICIPANT else user_with_role(role)
    client.force_login(user)
    season = w["season"].pk
    for method, url in (
        ("get", reverse("assessments:dossiers")),
        ("post", reverse("assessments:dossiers")),
        ("get", reverse("assessments:dossier", args=[dossier.pk])),
        ("get", f"/api/v1/seasons/{season}/dossiers/"),
        ("post", f"/api/v1/seasons/{season}/dossiers/prepare/"),
        ("post", f"/api/v1/seasons/{season}/dossiers/send/"),
        ("get", reverse("youthbodies:staff-list")),
        ("post", reverse("youthbodies:edit", args=["77"])),
        ("get", "/api/v1/youth-bodies/"),
        ("put", "/api/v1/youth-bodies/77/update/"),
    ):
        response = getattr(client, method)(url, {"season": season} if method == "post" else None)
        assert response.status_code == 403, (method, url, response.status_code)
    assert Dossier.objects.get(pk=dossier.pk).status == "draft"


def test_the_outbox_and_the_contents_cost_the_same_queries_at_n_and_n_plus_one(
    world, client, django_assert_num_queries
):
    w = world
    api = APIClient()
    api.force_authenticate(w["staff"])
    url = f"/api/v1/seasons/{w['season'].pk}/dossiers/"
    dossiers_prepare(season=w["season"], actor=w["staff"])
    # finalist ids (decisions, awards), consents, names, regions, CVs, interview results, ministry
    # decisions, awards, the latest published run (none), the internships
    with django_assert_num_queries(11):
        dossier_contents(season=w["season"])
    # the staff check, the season, the dossiers with their addresses (user and groups cached by the client)
    with django_assert_num_queries(3):
        assert len(api.get(url).json()) == 2
    finalist(w, "Новиков", region="50")
    dossiers_prepare(season=w["season"], actor=w["staff"])
    with django_assert_num_queries(11):
        dossier_contents(season=w["season"])
    with django_assert_num_queries(3):
        assert len(api.get(url).json()) == 3


def test_a_finalists_internship_and_its_feedback_go_into_the_dossier(world, client):
    w = world
    offer = InternshipOfferFactory(season=w["season"], host=w["ministry"], title="Цифровые сервисы")
    Internship.objects.create(
        season=w["season"],
        participant=w["Иванов"],
        offer=offer,
        run=PlacementRun.objects.create(season=w["season"], seed=0, created_by=w["staff"]),
        starts_on=offer.starts_on,
        ends_on=offer.ends_on,
        created_by=w["staff"],
        feedback_at=timezone.now(),
        feedback_by=w["staff"],
        feedback_rubric={"title": "Стажировка", "max_score": 5},
        feedback_scores={"work": 5, "team": 4},
        feedback_comment="Сильный стажёр",
    )
    dossiers_prepare(season=w["season"], actor=w["staff"])
    moscow = Dossier.objects.get(season=w["season"], region_code="77")
    ivanov = next(entry for entry in moscow.snapshot["finalists"] if entry["name"].startswith("Иванов"))
    assert ivanov["internships"] == [
        {
            "host": "Минцифры",
            "offer": "Цифровые сервисы",
            "starts_on": offer.starts_on.isoformat(),
            "ends_on": offer.ends_on.isoformat(),
            "supervisor": "",
            "started": timezone.localdate() >= offer.starts_on,
            "weeks_confirmed": 0,
            "weeks_present": 0,
            "weeks_total": (week_of(offer.ends_on) - week_of(offer.starts_on)).days // 7 + 1,
            "feedback_average": 4.5,
            "feedback_max": 5,
            "feedback_comment": "Сильный стажёр",
        }
    ]
    petrov = next(entry for entry in moscow.snapshot["finalists"] if entry["name"].startswith("Петров"))
    assert petrov["internships"] == []
    client.force_login(w["staff"])
    preview = client.get(reverse("assessments:dossier", args=[moscow.pk])).content.decode()
    assert "Минцифры — Цифровые сервисы" in preview
    assert "отзыв 4,5 из 5: «Сильный стажёр»" in preview
