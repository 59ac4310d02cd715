"""Issue 12 §1–2: runs that know when they are made (not applicable, provisional) and publishing
with a way back (confirmation, revisions, notices, cancelled bookings)."""

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments.models import AdmissionPolicy, AdmissionRun, Interview, InterviewSlot
from assessments.selectors.admission import admission_revision_list, admission_run_replicated, snapshot_lines
from assessments.services.admission import admission_run_start
from assessments.services.admission_policy import admission_policy_save
from assessments.services.admission_publish import admission_run_publish, decision_override_add
from assessments.tests.factories import QuizFactory, attempt_closed
from assessments.tests.test_admission import staff  # noqa: F401 (a fixture)
from lms import roles
from lms.models import Track
from lms.replica import REPLICA
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db


def _policy(season, rules, weights=None):
    policy = AdmissionPolicy.objects.filter(season=season).first() or AdmissionPolicy(
        season=season, track=Track.INTRODUCTORY, borderline_band=0
    )
    policy.rules, policy.weights = rules, weights or {}
    admission_policy_save(policy=policy)


def _run(season, user, capture) -> AdmissionRun:
    with capture(execute=True):
        run = admission_run_start(season=season, track=Track.INTRODUCTORY, user=user)
    run.refresh_from_db()
    assert run.error == ""
    return run


@pytest.fixture
def closed_season():
    """A season whose one required test closed yesterday: runs on it are final."""
    season = SeasonFactory()
    quiz = QuizFactory(season=season, title="Итоговый", pass_mark=0.6)
    _policy(season, [{"module": "tests", "min": 1.0}])
    return season, quiz


def _passed(season, quiz, **kwargs):
    participant = ParticipantFactory(season=season, **kwargs)
    attempt_closed(quiz=quiz, user=participant.user, number=1, score=0.9)
    type(quiz).objects.filter(pk=quiz.pk).update(closes_at=timezone.now())
    return participant


def test_a_mid_block_run_is_provisional_and_names_what_is_open(
    staff,  # noqa: F811
    client,
    fake_courses,
    django_capture_on_commit_callbacks,
):
    season = SeasonFactory()
    january = timezone.now() + timedelta(days=30)
    fake_courses.lectures = [{"id": 1, "title": "Лекция 1", "deadline": january}]
    _policy(season, [{"module": "recorded", "min": 1.0}])
    ParticipantFactory(season=season)
    run = _run(season, staff, django_capture_on_commit_callbacks)
    assert run.provisional and run.open_items == [{"module": "recorded", "until": january.isoformat()}]
    client.force_login(staff)
    page = client.get(reverse("assessments:admission-run", args=[run.id])).content.decode()
    day = timezone.localtime(january).day
    assert "Предварительный" in page and f"лекции открыты до {day} " in page
    # Publishing it needs a written reason, kept with the run.
    with pytest.raises(ValidationError) as refused:
        admission_run_publish(run=run, user=staff, reason="  ")
    assert "reason" in refused.value.message_dict
    response = client.post(reverse("assessments:admission-publish", args=[run.id]), {"confirm": "on"})
    assert response.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        admission_run_publish(run=run, user=staff, reason="Решение нужно до Нового года")
    run.refresh_from_db()
    assert run.published_at and run.publish_reason == "Решение нужно до Нового года"


def test_an_own_extension_marks_only_that_line_provisional(
    staff,  # noqa: F811
    fake_courses,
    django_capture_on_commit_callbacks,
):
    season = SeasonFactory()
    past = timezone.now() - timedelta(days=2)
    fake_courses.lectures = [{"id": 1, "title": "Лекция 1", "deadline": past}]
    _policy(season, [{"module": "recorded", "min": 1.0}])
    extended, other = ParticipantFactory(season=season), ParticipantFactory(season=season)
    fake_courses.deadlines = {extended.user_id: {1: timezone.now() + timedelta(days=5)}}
    run = _run(season, staff, django_capture_on_commit_callbacks)
    assert not run.provisional
    assert list(run.open_lines) == [str(extended.id)] and run.open_lines[str(extended.id)][0]["title"] == "Лекция 1"
    assert str(other.id) not in run.open_lines


def test_a_module_with_nothing_required_is_left_out_or_refuses_the_run(
    staff,  # noqa: F811
    closed_season,
    fake_courses,
    django_capture_on_commit_callbacks,
):
    season, quiz = closed_season
    _passed(season, quiz)
    _policy(season, [{"module": "tests", "min": 1.0}, {"module": "recorded", "min": 1.0}])
    run = _run(season, staff, django_capture_on_commit_callbacks)
    assert run.policy_content["rules"] == [{"module": "tests", "min": 1.0}]
    assert run.policy_content["not_applicable"] == ["recorded"]
    (line,) = snapshot_lines(run=run)
    assert line["decision"] == "admitted" and "recorded" not in line["figures"]
    assert not any("0 из 0" in reason for reason in line["reasons"])

    _policy(season, [{"module": "tests", "min": 1.0}], weights={"tests": 1, "recorded": 1})
    with pytest.raises(ValidationError) as refused:
        admission_run_start(season=season, track=Track.INTRODUCTORY, user=staff)
    assert "Записанные вебинары" in str(refused.value) and "Вводный" in str(refused.value)


@pytest.fixture
def published(staff, closed_season, django_capture_on_commit_callbacks):  # noqa: F811
    """A final published run with one admitted participant holding an interview booking."""
    season, quiz = closed_season
    participant = _passed(season, quiz)
    expert = UserFactory(username="expert-b", email="expert@example.org")
    from django.contrib.auth.models import Group

    expert.groups.add(Group.objects.get_or_create(name=roles.EXPERT)[0])
    slot = InterviewSlot.objects.create(
        season=season,
        expert=expert,
        starts_at=timezone.now() + timedelta(days=3),
        ends_at=timezone.now() + timedelta(days=3, minutes=30),
    )
    run = _run(season, staff, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        admission_run_publish(run=run, user=staff)
    interview = Interview.objects.create(participant=participant, slot=slot)
    mail.outbox.clear()
    return run, participant, interview


def test_an_override_after_publication_is_a_revision_told_once_and_cancels_the_booking(
    staff,  # noqa: F811
    published,
    django_capture_on_commit_callbacks,
):
    run, participant, interview = published
    first = run.revisions.get()
    first_hash = first.content_hash
    decision = run.decisions.get()
    with django_capture_on_commit_callbacks(execute=True):
        decision_override_add(decision=decision, value="not_admitted", justification="Списывал", user=staff)
    interview.refresh_from_db()
    assert interview.status == "cancelled"
    assert sorted(message.to[0] for message in mail.outbox) == sorted([participant.user.email, "expert@example.org"])
    assert "Списывал" in next(m.body for m in mail.outbox if m.to == [participant.user.email])
    # Sending again sends nothing: each e-mail is claimed per recipient.
    from assessments.services.admission_publish import admission_revision_notify

    second = run.revisions.get(number=2)
    assert admission_revision_notify(revision_id=second.id) == 0 and len(mail.outbox) == 2
    first.refresh_from_db()
    assert first.content_hash == first_hash and second.content_hash not in (first_hash, run.content_hash)
    assert second.changes[0]["before"] == "admitted" and second.changes[0]["after"] == "not_admitted"

    # Admitted again: they may book again.
    with django_capture_on_commit_callbacks(execute=True):
        decision_override_add(decision=decision, value="admitted", justification="Апелляция", user=staff)
    from assessments.services.interviews import interview_book

    slot = InterviewSlot.objects.get()
    assert interview_book(participant=participant, user=participant.user, slot=slot).status == "booked"


def test_the_run_page_confirms_and_shows_revisions(
    staff,  # noqa: F811
    published,
    client,
):
    run, participant, _interview = published
    client.force_login(staff)
    decision = run.decisions.get()
    url = reverse("assessments:admission-run", args=[run.id])
    page = client.get(url).content.decode()
    assert 'value="admitted" selected' in page and "Отпечаток списка" in page
    unconfirmed = {"decision_id": decision.id, "value": "review", "justification": "Проверка"}
    assert client.post(url, unconfirmed).status_code == 400
    assert client.post(url, {**unconfirmed, "confirm": "on"}).status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="revision-2"' in page and "Проверка" in page


def test_publish_page_counts_and_emails(staff, closed_season, client, django_capture_on_commit_callbacks):  # noqa: F811
    season, quiz = closed_season
    _passed(season, quiz)
    ParticipantFactory(season=season)
    run = _run(season, staff, django_capture_on_commit_callbacks)
    client.force_login(staff)
    url = reverse("assessments:admission-publish", args=[run.id])
    response = client.get(url)
    counts = response.context["counts"]
    assert (counts["admitted"], counts["not_admitted"], counts["review"], counts["emails"]) == (1, 1, 0, 2)
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"confirm": "on"}).status_code == 302


@pytest.mark.parametrize("extra", [0, 1])
def test_revision_list_query_count(staff, published, extra):  # noqa: F811
    """Queries: the revisions with their authors; the participants' names. Nothing per revision."""
    run, _participant, _interview = published
    decision = run.decisions.get()
    for number in range(2 + extra):
        decision_override_add(decision=decision, value="review", justification=f"#{number}", user=staff)
    with CaptureQueriesContext(connection) as queries:
        revisions = admission_revision_list(run=run)
    assert len(revisions) == 3 + extra and len(queries) == 2


def test_a_name_like_a_formula_is_written_as_text(
    staff,  # noqa: F811
    closed_season,
    api_client,
    django_capture_on_commit_callbacks,
):
    season, quiz = closed_season
    _passed(season, quiz, application__last_name='=HYPERLINK("http://x.example","click")')
    run = _run(season, staff, django_capture_on_commit_callbacks)
    api_client.force_authenticate(staff)
    url = reverse("assessments:run-detail", args=[run.id])
    text = api_client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    names = [row[1] for row in csv.reader(io.StringIO(text))][1:]
    assert names and all(name.startswith("'=HYPERLINK") for name in names)
    sheet = load_workbook(io.BytesIO(api_client.get(url, {"format": "xlsx"}).content)).active
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s" and "HYPERLINK" in cell.value


def test_the_admission_page_warns_before_a_run(staff, closed_season, client):  # noqa: F811
    season, quiz = closed_season
    _passed(season, quiz)  # an introductory participant; nobody on the advanced track
    _policy(season, [{"module": "tests", "min": 1.0}, {"module": "live", "min": 0.7}], weights={"live": 1})
    client.force_login(staff)
    page = client.get(reverse("assessments:admission"), {"season": season.id}).content.decode()
    warnings = page[page.index('data-testid="admission-warnings"') :]
    assert "Продвинутый курс: нет участников" in warnings
    assert "в модуле «Живые эфиры» нет ничего обязательного; расчёт откажется начинаться" in warnings


def test_reasons_show_dates_in_the_readers_own_zone(
    staff,  # noqa: F811
    fake_courses,
    django_capture_on_commit_callbacks,
):
    from django.utils.formats import date_format

    from assessments.selectors.admission import decision_published_for

    season = SeasonFactory()
    # 20:00 UTC: 23:00 in Moscow, 08:00 the next morning in Kamchatka.
    deadline = (timezone.now() - timedelta(days=3)).replace(hour=20, minute=0, second=0, microsecond=0)
    fake_courses.lectures = [{"id": 1, "title": "Лекция 1", "deadline": deadline}]
    _policy(season, [{"module": "recorded", "min": 1.0}])
    participant = ParticipantFactory(season=season, timezone="Asia/Kamchatka")
    run = _run(season, staff, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        admission_run_publish(run=run, user=staff)
    moscow, kamchatka = (
        date_format(timezone.localtime(deadline, timezone=ZoneInfo(zone)), "j E")
        for zone in ("Europe/Moscow", "Asia/Kamchatka")
    )
    assert moscow != kamchatka
    # The snapshot keeps the moment; each reader sees their own day.
    assert "⟦" in snapshot_lines(run=run)[0]["evidence"]["recorded"]["missing"][0]
    with timezone.override("Asia/Kamchatka"):
        assert decision_published_for(participant=participant)["missing"] == [
            f"Не просмотрено: Лекция 1, закрыто {kamchatka}"
        ]
    with timezone.override("Europe/Moscow"):
        assert decision_published_for(participant=participant)["missing"] == [
            f"Не просмотрено: Лекция 1, закрыто {moscow}"
        ]


def test_completeness_says_not_applicable_instead_of_zero_of_zero(closed_season, fake_courses, api_client):
    season, quiz = closed_season
    participant = _passed(season, quiz)
    api_client.force_authenticate(participant.user)
    modules = {
        item["module"]: item for item in api_client.get(reverse("assessments:me-completeness")).json()["modules"]
    }
    assert modules["recorded"]["applicable"] is False and modules["recorded"]["status"].startswith("Не применяется")
    assert modules["tests"]["applicable"] is True and modules["tests"]["status"] == "Готово"


def test_the_admission_page_warns_of_required_sessions_without_evidence(staff, closed_season, client, monkeypatch):  # noqa: F811
    """live's `sessions_without_evidence` (its own tests prove what it finds) read by the warnings."""
    from types import SimpleNamespace

    import live.selectors

    season, quiz = closed_season
    _passed(season, quiz)
    _policy(season, [{"module": "tests", "min": 1.0}, {"module": "live", "min": 0.7}])
    ended = timezone.now() - timedelta(days=1)
    silent = [SimpleNamespace(id=7, title="Эфир без данных", track=Track.INTRODUCTORY, starts_at=ended, ends_at=ended)]
    asked = []

    def sessions_without_evidence(*, season_id, track=None, now=None):
        asked.append(season_id)
        return silent

    monkeypatch.setattr(live.selectors, "sessions_without_evidence", sessions_without_evidence, raising=False)
    client.force_login(staff)
    page = client.get(reverse("assessments:admission"), {"season": season.id}).content.decode()
    assert asked == [season.id]
    assert "обязательный эфир «Эфир без данных»" in page and "нет данных о посещаемости" in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_run_export_reads_the_replica_only_once_it_holds_the_latest_override(
    staff,  # noqa: F811
    closed_season,
    api_client,
    take_replica,
    django_capture_on_commit_callbacks,
):
    """A replica that has not replayed an override yet would export the list without it: then the
    export reads the primary (lms.replica)."""
    season, quiz = closed_season
    _passed(season, quiz)
    run = _run(season, staff, django_capture_on_commit_callbacks)
    take_replica()
    assert admission_run_replicated(run=run, using=REPLICA)
    with django_capture_on_commit_callbacks(execute=True):
        decision_override_add(decision=run.decisions.get(), value="review", justification="Проверка", user=staff)
    assert not admission_run_replicated(run=run, using=REPLICA)
    api_client.force_authenticate(staff)
    exported = api_client.get(reverse("assessments:run-detail", args=[run.id]), {"format": "csv"})
    assert "Проверка" in exported.content.decode("utf-8-sig")
