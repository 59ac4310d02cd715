"""Issue 13 §5: consents per purpose, the export of a person's data, erasure by pseudonymisation
(a participant in an admission snapshot with beats in flight) and the retention sweep."""

import hashlib
import io
import json
import time
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from knox.models import AuthToken

from assessments.models import AdmissionNotice, AdmissionPolicy, Answer, Question, QuestionBank
from assessments.selectors.admission import snapshot_lines
from assessments.services.admission import admission_run_start
from assessments.services.admission_policy import admission_policy_save
from assessments.tests.factories import QuizFactory, attempt_closed
from courses.beats.stores import STREAM, progress_store, spans_key
from courses.models import LectureProgress, ProgressDeadLetter
from courses.services import lecture_progress_flush, lecture_progress_record
from courses.tests.factories import beat_key_for, course_make, lecture_make
from live.models import LiveSession, ManualMark
from lms import roles
from lms.models import Application, Consent, ConsentPurpose, Erasure, Participant, Track
from lms.privacy.selectors import people_search_for_staff, retention_due
from lms.privacy.services import consent_withdraw, person_erase, retention_sweep
from lms.selectors import participant_list
from lms.services import ApplicationData, application_submit
from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    user = UserFactory(username="staff-member")
    user.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])
    return user


def _data(**overrides) -> ApplicationData:
    fields = dict(
        last_name="Смирнова",
        first_name="Ольга",
        email="olga@example.org",
        date_of_birth=timezone.localdate().replace(year=timezone.localdate().year - 25, day=1),
        region_code="77",
        education_level="bachelor",
        institution="МГУ",
        internship_preference="roiv",
        internship_reason="Хочу работать в Москве.",
        personal_data_consent=True,
        citizenship="ru",
    )
    return ApplicationData(**{**fields, **overrides})


def _counted(season, **overrides):
    """An application that counts: its applicant's account has the address confirmed."""
    data = _data(**overrides)
    return application_submit(season=season, data=data, user=UserFactory(username="olga", email=data.email))


def test_a_non_citizen_is_refused_with_a_clear_message():
    season = SeasonFactory()
    with pytest.raises(ValidationError) as error:
        application_submit(season=season, data=_data(citizenship="other"), password=TEST_PASSWORD)
    assert "citizens of the Russian Federation only" in error.value.message_dict["citizenship"][0]
    assert not Application.objects.exists()


def test_the_api_refuses_a_non_citizen_with_400(api_client):
    SeasonFactory()
    payload = {**_data(citizenship="other").__dict__, "password": TEST_PASSWORD}
    payload["date_of_birth"] = payload["date_of_birth"].isoformat()
    response = api_client.post(reverse("lms-api:application-create"), payload, format="json")
    assert response.status_code == 400
    assert "citizenship" in response.json()


def test_each_purpose_is_recorded_with_its_text_version_and_time():
    season = SeasonFactory()
    application = application_submit(season=season, data=_data(talent_pool_consent=True), password=TEST_PASSWORD)
    consents = {consent.purpose: consent for consent in Consent.objects.filter(application=application)}
    assert set(consents) == {ConsentPurpose.PARTICIPATION, ConsentPurpose.TALENT_POOL}
    assert consents["participation"].text_version == "2026-12"
    assert consents["participation"].given_at == application.submitted_at


def test_withdrawing_taking_part_leaves_the_season_after_confirmation(client):
    season = SeasonFactory()
    application = _counted(season, reuse_consent=True)
    client.force_login(application.user)
    consent = Consent.objects.get(application=application, purpose=ConsentPurpose.PARTICIPATION)
    url = reverse("consent-withdraw", args=[consent.pk])
    page = client.get(url)
    assert "выход из сезона" in page.content.decode()  # "leaving the season", in the page's Russian
    assert client.post(url).status_code == 400  # not confirmed: nothing changes
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None
    assert client.post(url, {"confirm": "leave"}).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert Participant.objects.get(application=application).left_at is not None
    assert not participant_list(season=season).exists()
    # The other purpose is untouched; giving up the season is not giving up the reuse.
    assert Consent.objects.get(application=application, purpose=ConsentPurpose.REUSE).withdrawn_at is None


def test_withdrawing_reuse_keeps_the_place_and_stops_the_form_being_refilled(client):
    season = SeasonFactory()
    application = _counted(season, reuse_consent=True)
    consent = Consent.objects.get(application=application, purpose=ConsentPurpose.REUSE)
    consent_withdraw(consent=consent)
    assert participant_list(season=season).filter(user=application.user).exists()
    with pytest.raises(Exception, match="already withdrawn"):
        consent_withdraw(consent=consent)


def test_nobody_withdraws_someone_elses_consent(client):
    season = SeasonFactory()
    application = _counted(season)
    consent = Consent.objects.get(application=application)
    client.force_login(UserFactory())
    assert client.post(reverse("consent-withdraw", args=[consent.pk]), {"confirm": "leave"}).status_code == 404
    assert Consent.objects.get(pk=consent.pk).withdrawn_at is None


def test_one_consent_in_force_per_purpose_is_a_database_rule():
    participant = ParticipantFactory()
    now = timezone.now()
    Consent.objects.create(application=participant.application, purpose="reuse", text_version="v", given_at=now)
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError from the partial unique index
        Consent.objects.create(application=participant.application, purpose="reuse", text_version="v", given_at=now)


# --- export and erasure of a participant in an admission snapshot with beats in flight -----------


def _snapshot_hash(run) -> str:
    rows = snapshot_lines(run=run)
    text = json.dumps({"policy": run.policy_content, "decisions": rows}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _play(user, lecture, *, seconds: int, at: float) -> None:
    key = beat_key_for(user=user, lecture_id=lecture.id, at=at)
    kwargs = dict(beat_key=key, lecture_id=lecture.id, playback_id=uuid.uuid4(), rate=1.0, visible=True)
    lecture_progress_record(seq=0, start=0, end=0, now=at, **kwargs)
    for seq in range(1, seconds // 10 + 1):
        lecture_progress_record(seq=seq, start=(seq - 1) * 10, end=seq * 10, now=at + seq * 10, **kwargs)


@pytest.fixture
def world(settings, staff, django_capture_on_commit_callbacks):
    """Two participants of a season: tests taken, a run's snapshot published, a lecture watched."""
    settings.COURSES_REDIS_URL = settings.REDIS_URL
    season = SeasonFactory()
    quiz = QuizFactory(season=season, title="Итоговый", pass_mark=0.6)
    admission_policy_save(
        policy=AdmissionPolicy(
            season=season, track=Track.INTRODUCTORY, rules=[{"module": "tests", "min": 1.0}], borderline_band=0
        )
    )
    person = ParticipantFactory(
        season=season, application__experience_details="Меня зовут Ольга Смирнова", application__patronymic="Ивановна"
    )
    other = ParticipantFactory(season=season)
    for participant in (person, other):
        attempt_closed(quiz=quiz, user=participant.user, number=1, score=0.9)
    bank = QuestionBank.objects.create(title="Банк")
    question = Question.objects.create(bank=bank, kind="text", text="Кто вы?", accepted_answers=["x"])
    Answer.objects.create(attempt=person.user.quiz_attempts.get(), question=question, value="Ольга Смирнова")
    with django_capture_on_commit_callbacks(execute=True):
        run = admission_run_start(season=season, track=Track.INTRODUCTORY, user=staff)
    run.refresh_from_db()
    assert run.error == "" and run.decisions.count() == 2
    course = course_make(season=season)
    lecture = lecture_make(course=course, duration=120.0)
    session = LiveSession.objects.create(
        season=season,
        course=course,
        title="Эфир",
        track=Track.INTRODUCTORY,
        starts_at=timezone.now() - timedelta(hours=2),
        ends_at=timezone.now() - timedelta(hours=1),
    )
    ManualMark.objects.create(
        session=session, user=person.user, status="excused", comment="Ольга болела", marked_by=staff
    )
    return {"season": season, "run": run, "person": person, "other": other, "lecture": lecture}


@pytest.mark.redis
def test_export_has_every_apps_part(client, world):
    person = world["person"]
    client.force_login(person.user)
    data = json.loads(client.get(reverse("personal-data-json")).content)
    parts = {part["key"]: part for part in data["parts"]}
    assert {"lms", "courses", "live", "assessments"} <= set(parts)
    sections = {section["key"]: section for part in data["parts"] for section in part["sections"]}
    assert sections["applications"]["rows"][0]["patronymic"] == "Ивановна"
    assert sections["level_history"]["rows"]
    assert sections["attempts"]["rows"][0]["test"] == "Итоговый"
    assert sections["manual_marks"]["rows"][0]["comment"] == "Ольга болела"
    assert "lecture_progress" in sections and "interviews" in sections and "admission_decisions" in sections
    assert sections["email_addresses"]["rows"] == [{"email": person.user.email, "verified": True, "primary": True}]
    page = client.get(reverse("personal-data-html"))
    assert page.status_code == 200 and "Ивановна" in page.content.decode()


def test_the_export_is_only_ever_ones_own(client):
    one = ParticipantFactory(application__patronymic="Первая")
    two = ParticipantFactory(application__patronymic="Вторая")
    assert client.get(reverse("personal-data-json")).status_code == 302  # anonymous: to the login
    client.force_login(two.user)
    body = client.get(reverse("personal-data-json"), {"user": one.user_id, "user_id": one.user_id}).content.decode()
    assert "Вторая" in body and "Первая" not in body
    # Only staff reach the erasure pages.
    assert client.get(reverse("staff-people"), {"q": "user"}).status_code == 403
    assert client.post(reverse("staff-person-erase", args=[one.user_id]), {"confirm": "erase"}).status_code == 403
    assert not Erasure.objects.exists()


@pytest.mark.redis
def test_erasure_pseudonymises_keeps_the_snapshot_and_drops_the_beats_in_flight(
    client, world, staff, django_capture_on_commit_callbacks
):
    person, other, lecture, run = world["person"], world["other"], world["lecture"], world["run"]
    hash_before = _snapshot_hash(run)
    assert hash_before == run.content_hash
    now = time.time()
    _play(person.user, lecture, seconds=30, at=now)
    _play(other.user, lecture, seconds=40, at=now)
    redis = progress_store().redis
    assert redis.exists(spans_key(person.user_id, lecture.id)) and redis.xlen(STREAM) > 0

    AuthToken.objects.create(user=person.user)
    # The admission e-mail went to the person's address; the record of it stays, the address not.
    decision = run.decisions.get(participant_id=person.pk)
    AdmissionNotice.objects.create(
        run=run, decision=decision, email=person.user.email, claimed_at=timezone.now(), sent_at=timezone.now()
    )

    client.force_login(staff)
    url = reverse("staff-person-erase", args=[person.user_id])
    assert client.post(url).status_code == 400  # not confirmed
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"confirm": "erase"}).status_code == 302

    # The beats in flight: the person's state in Redis is gone; the flush stores the other's beats
    # and sets the erased person's aside.
    assert not redis.exists(spans_key(person.user_id, lecture.id))
    assert redis.exists(spans_key(other.user_id, lecture.id))
    lecture_progress_flush()
    assert LectureProgress.objects.get(user=other.user, lecture=lecture).watched_seconds == 40
    assert not LectureProgress.objects.filter(user=person.user).exists()
    assert ProgressDeadLetter.objects.filter(user_id=person.user_id, reason="user_gone").exists()

    user = type(person.user).objects.get(pk=person.user_id)
    erasure = Erasure.objects.get(user=user)
    assert user.username == erasure.pseudonym == f"erased-{user.pk}"
    assert (user.email, user.first_name, user.last_name, user.is_active) == ("", "", "", False)
    assert not user.has_usable_password() and not user.groups.exists()
    assert not AuthToken.objects.filter(user=user).exists()
    assert not user.emailaddress_set.exists()  # no address left to log in or reset a password with
    application = Application.objects.get(pk=person.application_id)
    assert application.last_name == erasure.pseudonym and application.patronymic == ""
    assert application.date_of_birth is None and application.experience_details == ""
    assert "Смирнова" not in json.dumps(list(Application.objects.filter(pk=application.pk).values()), default=str)
    assert Answer.objects.get(attempt__user=user).value == ""
    assert ManualMark.objects.get(user=user).comment == ""
    assert AdmissionNotice.objects.get(decision=decision).email == ""
    assert not Consent.objects.filter(application=application, withdrawn_at__isnull=True).exists()
    # Ids kept, the snapshot whole and its hash reproduced.
    assert Participant.objects.filter(pk=person.pk, user_id=user.pk).exists()
    assert run.decisions.filter(participant_id=person.pk).exists()
    assert _snapshot_hash(run) == hash_before
    # The audit row names who, when and the pseudonym, not the erased data.
    assert erasure.erased_by == staff and erasure.reason == "request"
    assert "Ольга" not in str(Erasure.objects.filter(pk=erasure.pk).values().get())
    # Erasing again changes nothing.
    assert person_erase(user=user, erased_by=staff).pk == erasure.pk


def test_staff_accounts_are_not_erased_here(staff):
    other_staff = UserFactory(is_staff=True)
    with pytest.raises(Exception, match="staff account"):
        person_erase(user=other_staff, erased_by=staff)
    assert not Erasure.objects.exists()


def test_erase_person_command(staff):
    participant = ParticipantFactory()
    call_command("erase_person", str(participant.user_id), "--by", staff.username)
    assert not Erasure.objects.exists()  # without --yes it only says who
    call_command("erase_person", str(participant.user_id), "--by", staff.username, "--yes")
    assert Erasure.objects.get(user_id=participant.user_id).erased_by == staff


# --- retention ------------------------------------------------------------------------------------


def _closed_season(days_ago: int):
    closing = timezone.localdate() - timedelta(days=days_ago)
    start = closing - timedelta(days=200)
    return SeasonFactory(
        campaign_starts_on=start,
        campaign_ends_on=start + timedelta(days=10),
        education_starts_on=start + timedelta(days=11),
        education_ends_on=start + timedelta(days=50),
        interviews_starts_on=start + timedelta(days=40),
        interviews_ends_on=start + timedelta(days=60),
        internships_starts_on=start + timedelta(days=61),
        internships_ends_on=start + timedelta(days=100),
        closing_starts_on=closing - timedelta(days=5),
        closing_ends_on=closing,
        age_reference_date=start,
    )


def test_retention_dry_run_lists_and_the_real_run_erases_only_what_is_due(settings):
    settings.LMS_RETENTION_DAYS = 30
    old, recent = _closed_season(100), _closed_season(10)
    due = ParticipantFactory(season=old)
    pooled = ParticipantFactory(season=old)
    Consent.objects.create(
        application=pooled.application, purpose="talent_pool", text_version="v", given_at=timezone.now()
    )
    kept_recent = ParticipantFactory(season=recent)
    returning = ParticipantFactory(season=old)
    ParticipantFactory(season=SeasonFactory(), user=returning.user, application__user=returning.user)

    listed = [row.user_id for row in retention_due()]
    assert listed == [due.user_id]
    out = io.StringIO()
    call_command("retention_sweep", "--dry-run", stdout=out)
    assert f"would erase user {due.user_id}" in out.getvalue()
    assert not Erasure.objects.exists()  # the dry run changes nothing

    erased = retention_sweep(dry_run=False)
    assert [row.user_id for row in erased] == [due.user_id]
    assert Erasure.objects.get().reason == "retention"
    for kept in (pooled, kept_recent, returning):
        assert Application.objects.get(pk=kept.application_id).erased_at is None
    assert retention_due() == []


def test_staff_people_search_costs_the_same_queries_at_n_and_n_plus_one(client, staff, django_assert_num_queries):
    client.force_login(staff)
    for _ in range(2):
        ParticipantFactory(application__user__username=f"needle-{uuid.uuid4().hex[:6]}")
    with django_assert_num_queries(1):
        assert len(people_search_for_staff(query="needle")) == 2
    ParticipantFactory(application__user__username="needle-three")
    with django_assert_num_queries(1):
        assert len(people_search_for_staff(query="needle")) == 3
