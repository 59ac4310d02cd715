"""Issue 15 §5: the closing meeting and its discussion panels — season-wide sessions with
registration (capacity, one panel per time slot), invited guests with personal signed links, and
the rule that none of it counts in any course's completeness."""

import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from live.models import AttendanceEvent, EventKind, LiveSession, SessionGuest, SessionRegistration, Source
from live.selectors import (
    required_session_count,
    required_sessions_attendance,
    session_for_participant,
    sessions_without_evidence,
)
from live.services.attendance import attendance_events_store, session_attendance_derive
from live.services.guests import guest_add, guest_by_token, guest_invitation_send, guest_link_token
from live.services.registrations import session_register, session_unregister
from live.tests.factories import LiveSessionFactory, course_page_create, season_session_make
from lms import roles
from lms.errors import ConflictError
from tests.factories import ParticipantFactory, SeasonFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def season():
    return SeasonFactory()


@pytest.fixture
def staff():
    return user_with_role(roles.STAFF)


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- the kind and its rules -------------------------------------------------------------------


def test_the_database_holds_each_kind_to_its_fields(season):
    course = course_page_create(season=season)
    starts = timezone.now() + timedelta(days=1)
    base = dict(title="x", season=season, starts_at=starts, ends_at=starts + timedelta(hours=1))
    wrong = [
        dict(kind="course", course=None, track="introductory"),  # a course session without its course
        dict(kind="course", course=course, track=""),  # … or its track
        dict(kind="season", course=course, track=""),  # a season-wide session with a course
        dict(kind="season", course=None, track="introductory"),  # … or a track
        dict(kind="course", course=course, track="introductory", capacity=10),  # seats on a course session
        dict(kind="season", course=None, track="", capacity=0),
    ]
    for fields in wrong:
        with pytest.raises(IntegrityError), transaction.atomic():
            LiveSession.objects.create(**base, **fields)
    closing = LiveSession.objects.create(**base, kind="season", course=None, track="")
    with pytest.raises(IntegrityError), transaction.atomic():  # a course session as a panel
        LiveSession.objects.create(**base, kind="course", course=course, track="introductory", parent=closing)
    assert LiveSession.objects.create(**base, kind="season", course=None, track="", parent=closing, capacity=5)


def test_the_form_names_the_field_to_correct(season):
    session = LiveSession(
        title="x",
        kind="season",
        season=season,
        course=course_page_create(season=season),
        track="advanced",
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert set(error.value.message_dict) >= {"course", "track"}


def test_a_season_session_counts_in_no_course_completeness(season):
    person = ParticipantFactory(season=season)
    past = timezone.now() - timedelta(days=3)
    course_session = LiveSessionFactory(season=season, track=person.track, starts_at=past, required=True)
    closing = season_session_make(season=season, starts_in=timedelta(days=-3), required=True)
    SessionRegistration.objects.create(session=closing, user=person.user)
    attendance_events_store(
        events=[
            AttendanceEvent(
                session=closing,
                user=person.user,
                source=Source.BBB,
                kind=kind,
                connection="c",
                occurred_at=at,
                dedupe_key=f"t:{kind}",
            )
            for kind, at in ((EventKind.JOIN, closing.starts_at), (EventKind.LEAVE, closing.ends_at))
        ]
    )
    session_attendance_derive(session=closing)
    assert closing.attendances.get().status == "present"  # the derivation runs on it unchanged
    assert required_session_count(season_id=season.pk, track=person.track) == 1
    figures = required_sessions_attendance(season_id=season.pk, track=person.track)
    assert [s["id"] for s in figures["sessions"]] == [course_session.pk]
    silent = sessions_without_evidence(season_id=season.pk)
    assert [s.id for s in silent] == [course_session.pk]


# --- registration -------------------------------------------------------------------------------


def test_register_and_unregister_through_the_api(season):
    person = ParticipantFactory(season=season)
    closing = season_session_make(season=season, capacity=1)
    client = _api(person.user)
    url = reverse("live-session-register-api", args=[closing.pk])
    assert client.post(url).status_code == 201
    again = client.post(url)
    assert again.status_code == 409 and "уже зарегистрированы" in again.json()["detail"]
    other = ParticipantFactory(season=season)
    full = _api(other.user).post(url)
    assert full.status_code == 409 and "Все места заняты" in full.json()["detail"]
    assert client.post(reverse("live-session-unregister-api", args=[closing.pk])).status_code == 204
    assert _api(other.user).post(url).status_code == 201
    # someone of another season does not even see it
    stranger = ParticipantFactory()
    assert _api(stranger.user).post(url).status_code == 404


def test_registration_closes_at_the_start(season):
    person = ParticipantFactory(season=season)
    started = season_session_make(season=season, starts_in=timedelta(minutes=-5))
    answer = _api(person.user).post(reverse("live-session-register-api", args=[started.pk]))
    assert answer.status_code == 400 and "регистрация закрыта" in str(answer.json())
    SessionRegistration.objects.create(session=started, user=person.user)
    with pytest.raises(ValidationError):
        session_unregister(session=started, user=person.user)
    assert SessionRegistration.objects.filter(session=started).count() == 1


def test_a_course_session_takes_no_registration(season):
    person = ParticipantFactory(season=season)
    session = LiveSessionFactory(season=season, track=person.track)
    answer = _api(person.user).post(reverse("live-session-register-api", args=[session.pk]))
    assert answer.status_code == 404


def test_only_the_registered_enter_a_season_session(season):
    person = ParticipantFactory(season=season)
    closing = season_session_make(season=season)
    assert session_for_participant(user=person.user, session_id=closing.pk) is None
    session_register(session=closing, user=person.user)
    assert session_for_participant(user=person.user, session_id=closing.pk) == closing


@pytest.mark.django_db(transaction=True)
def test_the_last_seat_goes_to_one_of_two_at_once():
    season = SeasonFactory()
    closing = season_session_make(season=season, capacity=1)
    people = [ParticipantFactory(season=season).user for _ in range(2)]
    barrier, codes = threading.Barrier(2), []

    def register(user):
        client = _api(user)
        barrier.wait()
        codes.append(client.post(reverse("live-session-register-api", args=[closing.pk])).status_code)
        connection.close()

    threads = [threading.Thread(target=register, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [201, 409]
    assert SessionRegistration.objects.filter(session=closing).count() == 1


def test_one_panel_per_time_slot(season):
    person = ParticipantFactory(season=season)
    closing = season_session_make(season=season, minutes=240)
    first = season_session_make(season=season, parent=closing, title="Панель 1")
    parallel = season_session_make(season=season, parent=closing, title="Панель 2")
    later = season_session_make(season=season, parent=closing, starts_in=timedelta(days=2, minutes=90))
    session_register(session=closing, user=person.user)  # the meeting itself is no panel
    session_register(session=first, user=person.user)
    with pytest.raises(ConflictError, match="Панель 1"):
        session_register(session=parallel, user=person.user)
    session_register(session=later, user=person.user)  # right after it: another slot
    session_unregister(session=first, user=person.user)
    session_register(session=parallel, user=person.user)
    assert set(SessionRegistration.objects.filter(user=person.user).values_list("session_id", flat=True)) == {
        closing.pk,
        parallel.pk,
        later.pk,
    }


def test_the_cabinet_offers_the_closing_meeting_and_then_its_join_link(client, season):
    person = ParticipantFactory(season=season)
    # Joining opens 15 minutes before the start, registration closes at it: both hold 10 minutes before.
    closing = season_session_make(
        season=season, title="Итоговая встреча сезона", capacity=3, starts_in=timedelta(minutes=10)
    )
    client.force_login(person.user)
    page = client.get("/cabinet/").content.decode()
    assert "Итоговая встреча сезона" in page and reverse("live-session-register", args=[closing.pk]) in page
    answer = client.post(reverse("live-session-register", args=[closing.pk]))
    assert answer.status_code == 302
    page = client.get("/cabinet/").content.decode()
    assert reverse("live-session-join", args=[closing.pk]) in page
    assert reverse("live-session-unregister", args=[closing.pk]) in page
    client.post(reverse("live-session-unregister", args=[closing.pk]))
    assert not SessionRegistration.objects.exists()


# --- guests -------------------------------------------------------------------------------------


def test_a_guest_link_leads_in_and_a_forged_one_nowhere(client, season, staff, django_capture_on_commit_callbacks):
    closing = season_session_make(
        season=season, starts_in=timedelta(minutes=5), delivery="url", room_url="https://room.example.org/x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        guest = guest_add(session=closing, name="Гость", email="guest@example.org", by=staff, base="http://testserver")
    token = guest_link_token(guest=guest)
    assert guest_by_token(token=token) == guest
    assert guest_by_token(token=token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    assert guest_by_token(token=f"{guest.pk}:{'0' * 32}:9999999999:forged") is None
    assert client.get(reverse("live-guest-join", args=["forged"])).status_code == 404
    answer = client.get(reverse("live-guest-join", args=[token]))
    assert answer.status_code == 302 and answer["Location"].startswith("https://room.example.org/x")
    guest.refresh_from_db()
    assert guest.joined_at is not None
    assert not AttendanceEvent.objects.exists() and not closing.attendances.exists()
    assert mail.outbox[0].to == ["guest@example.org"] and token in mail.outbox[0].body


def test_the_guest_email_is_sent_once_though_the_mail_fails_once(season, staff, monkeypatch):
    closing = season_session_make(season=season)
    guest = SessionGuest.objects.create(session=closing, name="Гость", email="g@example.org", invited_by=staff)
    from django.core.mail.backends.locmem import EmailBackend

    real, failures = EmailBackend.send_messages, []

    def flaky(self, messages):
        if not failures:
            failures.append(1)
            raise smtplib.SMTPServerDisconnected("dropped")
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    with pytest.raises(smtplib.SMTPException):
        guest_invitation_send(guest_id=guest.pk, base="http://testserver")
    assert guest_invitation_send(guest_id=guest.pk, base="http://testserver") is True
    assert guest_invitation_send(guest_id=guest.pk, base="http://testserver") is False
    assert len(mail.outbox) == 1


def test_the_guest_task_retries_mail_errors_only():
    from live.tasks import guest_invitation_send_task

    assert set(guest_invitation_send_task.autoretry_for) == {OSError, smtplib.SMTPException}


def test_guests_are_staffs_and_for_season_sessions_only(season, staff):
    course_session = LiveSessionFactory(season=season)
    closing = season_session_make(season=season)
    person = ParticipantFactory(season=season)
    url = reverse("live-session-guest-create-api", args=[closing.pk])
    assert _api(person.user).post(url, {"name": "Гость", "email": "g@example.org"}).status_code == 403
    bad = _api(staff).post(url, {"name": "Гость", "email": "not-an-email"})
    assert bad.status_code == 400 and "email" in bad.json()
    other = _api(staff).post(
        reverse("live-session-guest-create-api", args=[course_session.pk]), {"name": "Гость", "email": "g@example.org"}
    )
    assert other.status_code == 400
    assert _api(staff).post(url, {"name": "Гость", "email": "g@example.org"}).status_code == 201
    assert SessionGuest.objects.count() == 1


def test_the_console_shows_registered_attended_and_guests_who_joined(client, season, staff):
    closing = season_session_make(season=season)
    people = [ParticipantFactory(season=season) for _ in range(3)]
    for person in people:
        SessionRegistration.objects.create(session=closing, user=person.user)
    SessionGuest.objects.create(
        session=closing, name="Гость", email="g@example.org", invited_by=staff, joined_at=timezone.now()
    )
    SessionGuest.objects.create(session=closing, name="Другой", email="d@example.org", invited_by=staff)
    client.force_login(staff)
    page = client.get(reverse("live-console-detail", args=[closing.pk])).content.decode()
    assert "Зарегистрировано участников" in page and "<dd>3</dd>" in page
    assert 'data-testid="guests-joined">1 / 2<' in page
    guest = SessionGuest.objects.get(name="Другой")
    client.post(reverse("live-console-guest-erase", args=[closing.pk, guest.pk]))
    guest.refresh_from_db()
    assert guest.erased_at and guest.name == "" and guest.email == ""


def test_registrations_are_exported_and_future_seats_freed_by_an_erasure(season):
    from live.privacy import live_part_erase, live_part_export

    person = ParticipantFactory(season=season)
    upcoming = season_session_make(season=season)
    past = season_session_make(season=season, starts_in=timedelta(days=-2))
    SessionRegistration.objects.create(session=upcoming, user=person.user)
    SessionRegistration.objects.create(session=past, user=person.user)
    sections = {section.key: section for section in live_part_export(person.user_id)}
    assert {row["session"] for row in sections["registrations"].rows} == {upcoming.title, past.title}
    live_part_erase(person.user_id)
    assert list(SessionRegistration.objects.values_list("session_id", flat=True)) == [past.pk]
