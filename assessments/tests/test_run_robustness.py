"""Admission runs never stay RUNNING for ever, and admission e-mails survive a mail-server failure:
a retry sends only the e-mails not sent yet, nobody twice."""

import smtplib
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from assessments.models import AdmissionNotice, AdmissionPolicy, AdmissionRun
from assessments.scores.tests import TestsModule
from assessments.services.admission import admission_run_execute, admission_runs_sweep
from assessments.services.admission_policy import admission_policy_save
from assessments.services.admission_publish import admission_run_notify
from assessments.tasks import admission_run_notify_task
from assessments.tests.factories import QuizFactory, attempt_closed
from assessments.tests.mailbackends import FailingOnNth
from lms import roles
from lms.models import Track
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    user = UserFactory(username="staff-robust")
    user.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])
    return user


@pytest.fixture
def season_with_participants():
    season = SeasonFactory()
    quiz = QuizFactory(season=season, title="Итоговый", pass_mark=0.6)
    admission_policy_save(
        policy=AdmissionPolicy(
            season=season, track=Track.INTRODUCTORY, rules=[{"module": "tests", "min": 1.0}], borderline_band=0
        )
    )
    participants = [ParticipantFactory(season=season) for _i in range(5)]
    for number, participant in enumerate(participants):
        attempt_closed(quiz=quiz, user=participant.user, number=1, score=0.9 if number % 2 == 0 else 0.2)
    return season, participants


def _run(season, staff, **fields) -> AdmissionRun:
    policy = AdmissionPolicy.objects.get(season=season)
    return AdmissionRun.objects.create(
        season=season,
        track=Track.INTRODUCTORY,
        policy=policy,
        policy_version=policy.version,
        policy_content=policy.content(),
        started_by=staff,
        **fields,
    )


def _published(season, staff) -> AdmissionRun:
    run = _run(season, staff)
    admission_run_execute(run_id=run.id)
    AdmissionRun.objects.filter(pk=run.pk).update(published_at=timezone.now(), published_by=staff)
    return run


@pytest.fixture
def failing_mail(settings):
    settings.EMAIL_BACKEND = "assessments.tests.mailbackends.FailingOnNth"
    FailingOnNth.reset(fail_on=None)
    yield FailingOnNth
    FailingOnNth.reset(fail_on=None)


def _recipients() -> list[str]:
    return [address for message in mail.outbox for address in message.to]


# ---------------------------------------------------------------- e-mails, one by one


def test_a_retry_after_a_mail_failure_sends_only_the_rest_and_nobody_twice(
    season_with_participants, staff, failing_mail
):
    season, participants = season_with_participants
    run = _published(season, staff)
    failing_mail.reset(fail_on=3)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        admission_run_notify(run_id=run.id)
    assert len(mail.outbox) == 2
    assert AdmissionNotice.objects.filter(run=run, sent_at__isnull=False).count() == 2
    # The e-mail that failed is not left claimed: the retry sends it at once.
    assert not AdmissionNotice.objects.filter(run=run, sent_at__isnull=True, claimed_at__isnull=False).exists()
    run.refresh_from_db()
    assert run.notified_at is None  # "all sent" is not true yet

    assert admission_run_notify(run_id=run.id) == 3
    assert sorted(_recipients()) == sorted(p.user.email for p in participants)
    run.refresh_from_db()
    assert run.notified_at is not None
    assert admission_run_notify(run_id=run.id) == 0
    assert len(mail.outbox) == 5
    assert "Допущен к собеседованию" in next(m.body for m in mail.outbox if m.to == [participants[0].user.email])


def test_the_task_retries_a_mail_server_failure_and_completes(season_with_participants, staff, failing_mail):
    season, participants = season_with_participants
    run = _published(season, staff)
    failing_mail.reset(fail_on=2)
    # Eager mode runs the retry at once (through the broker it waits with backoff); throw=False
    # lets the first attempt's Retry be handled instead of raised, as a worker would.
    admission_run_notify_task.apply(args=[run.id], throw=False)
    assert failing_mail.attempts == 6  # five e-mails and the one that failed
    assert sorted(_recipients()) == sorted(p.user.email for p in participants)
    run.refresh_from_db()
    assert run.notified_at is not None
    options = admission_run_notify_task
    assert {OSError, smtplib.SMTPException} <= set(options.autoretry_for) and options.retry_backoff


def test_an_error_not_named_for_retry_is_not_retried(season_with_participants, staff, failing_mail):
    season, _participants = season_with_participants
    run = _published(season, staff)
    failing_mail.reset(fail_on=2, error=ValueError)
    with pytest.raises(ValueError):
        admission_run_notify_task.delay(run.id)
    assert failing_mail.attempts == 2 and len(mail.outbox) == 1


def test_an_email_claimed_by_a_live_task_is_left_to_it_and_a_dead_tasks_claim_expires(
    season_with_participants, staff, settings
):
    season, participants = season_with_participants
    run = _published(season, staff)
    settings.ASSESSMENTS_EMAIL_CLAIM_SECONDS = 600
    first = run.decisions.get(participant=participants[0])
    AdmissionNotice.objects.create(run=run, decision=first, email=first.user.email, claimed_at=timezone.now())
    assert admission_run_notify(run_id=run.id) == 4
    assert participants[0].user.email not in _recipients()
    run.refresh_from_db()
    assert run.notified_at is None
    AdmissionNotice.objects.filter(decision=first).update(claimed_at=timezone.now() - timedelta(minutes=11))
    assert admission_run_notify(run_id=run.id) == 1
    assert _recipients().count(participants[0].user.email) == 1 and len(mail.outbox) == 5
    run.refresh_from_db()
    assert run.notified_at is not None


# ---------------------------------------------------------------- runs never stuck


def test_an_unexpected_error_ends_the_run_failed_with_its_message(season_with_participants, staff, monkeypatch):
    season, _participants = season_with_participants

    def broken(self, **kwargs):
        raise RuntimeError("диск переполнен")

    monkeypatch.setattr(TestsModule, "assess", broken)
    run = _run(season, staff)
    assert admission_run_execute(run_id=run.id).status == "failed"
    run.refresh_from_db()
    assert run.status == "failed" and run.finished_at is not None
    assert "RuntimeError: диск переполнен" in run.error and "внутренней ошибки" in run.error
    assert run.decisions.count() == 0


def test_a_stale_running_run_is_claimed_again_and_a_live_one_is_left_alone(season_with_participants, staff, settings):
    season, participants = season_with_participants
    settings.ASSESSMENTS_RUN_LEASE_SECONDS = 15 * 60
    now = timezone.now()
    live = _run(season, staff, status="running", claimed_at=now - timedelta(minutes=1), attempts=1)
    assert admission_run_execute(run_id=live.id) is None
    live.refresh_from_db()
    assert live.status == "running" and live.decisions.count() == 0

    stale = _run(season, staff, status="running", claimed_at=now - timedelta(minutes=16), attempts=1)
    assert admission_run_execute(run_id=stale.id).status == "done"
    stale.refresh_from_db()
    assert (stale.status, stale.attempts, stale.decisions.count()) == ("done", 2, len(participants))

    # A run left running before runs had a claim time is stale too.
    legacy = _run(season, staff, status="running")
    assert admission_run_execute(run_id=legacy.id).status == "done"
    # A finished run is never claimed again.
    assert admission_run_execute(run_id=stale.id) is None


def test_a_worker_whose_lease_ran_out_does_not_write_its_result(season_with_participants, staff, monkeypatch):
    season, _participants = season_with_participants
    run = _run(season, staff)
    original = TestsModule.assess

    def taken_over(self, **kwargs):
        # Meanwhile another worker found the lease run out and claimed the run.
        AdmissionRun.objects.filter(pk=run.pk).update(claim=uuid.uuid4(), claimed_at=timezone.now())
        return original(self, **kwargs)

    monkeypatch.setattr(TestsModule, "assess", taken_over)
    assert admission_run_execute(run_id=run.id) is None
    run.refresh_from_db()
    assert run.status == "running" and run.decisions.count() == 0 and run.content_hash == ""


def test_the_sweep_requeues_stale_and_lost_runs_gives_up_after_the_attempts_and_resends_emails(
    season_with_participants, staff, settings, django_capture_on_commit_callbacks
):
    season, participants = season_with_participants
    settings.ASSESSMENTS_RUN_LEASE_SECONDS = 60
    settings.ASSESSMENTS_RUN_MAX_ATTEMPTS = 3
    long_ago = timezone.now() - timedelta(minutes=5)
    stale = _run(season, staff, status="running", claimed_at=long_ago, attempts=1)
    worn_out = _run(season, staff, status="running", claimed_at=long_ago, attempts=3)
    lost = _run(season, staff)
    AdmissionRun.objects.filter(pk=lost.pk).update(created_at=long_ago)  # its task never arrived
    waiting = _run(season, staff)  # just queued: left to its task
    published = _published(season, staff)
    AdmissionRun.objects.filter(pk=published.pk).update(published_at=timezone.now() - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        counts = admission_runs_sweep()
    assert counts == {"requeued": 2, "given_up": 1, "notify_requeued": 1}
    statuses = dict(AdmissionRun.objects.values_list("pk", "status"))
    assert statuses[stale.pk] == statuses[lost.pk] == "done"
    assert statuses[worn_out.pk] == "failed" and statuses[waiting.pk] == "pending"
    assert "3" in AdmissionRun.objects.get(pk=worn_out.pk).error
    assert sorted(_recipients()) == sorted(p.user.email for p in participants)
    # Once done, a second sweep finds nothing to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert admission_runs_sweep() == {"requeued": 0, "given_up": 0, "notify_requeued": 0}


def test_a_redelivered_task_gives_up_a_run_out_of_attempts(season_with_participants, staff):
    season, _participants = season_with_participants
    run = _run(season, staff, status="running", claimed_at=timezone.now() - timedelta(hours=1), attempts=3)
    assert admission_run_execute(run_id=run.id) is None
    run.refresh_from_db()
    assert run.status == "failed" and "попыток: 3" in run.error


def test_the_sweep_is_scheduled():
    from lms.celery import app

    app.finalize()
    schedule = app.conf.beat_schedule
    entry = schedule["assessments: stale runs and e-mails"]
    # The tasks have explicit names (issue 10): moving or renaming the module keeps queued messages valid.
    assert entry["task"] == "assessments.admission_runs_sweep" and entry["schedule"] == 300.0


def test_the_tasks_have_explicit_names():
    from assessments import tasks

    assert {
        tasks.admission_run_execute_task.name,
        tasks.admission_run_notify_task.name,
        tasks.admission_runs_sweep_task.name,
    } == {"assessments.admission_run_execute", "assessments.admission_run_notify", "assessments.admission_runs_sweep"}
