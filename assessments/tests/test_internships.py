"""Internships (issue 15 §4): made from the host-confirmed placements (once per participant and
season), the state derived from the dates and the feedback, the intern's weekly log, the host's
weekly attendance, supervisor and final feedback (its own interns only, after the end, once),
staff reopening a feedback (the host's people e-mailed once), the staff's flag a week after an end
without feedback (once, e-mailed once even when the mail server fails once), the cancellation by a
later decline or move, the query counts, the dossier summary and the personal data."""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import (
    Internship,
    InternshipCancelNotice,
    InternshipFeedbackReopening,
    InternshipFlagNotice,
    InternshipLogEntry,
    InternshipReopenNotice,
    InternshipWeek,
)
from assessments.privacy_internships import internships_part_erase, internships_part_export
from assessments.selectors.internships import (
    FINISHED,
    IN_PROGRESS,
    NOT_STARTED,
    OVERDUE,
    internship_counts,
    internship_detail,
    internship_list,
    internship_state,
    internships_for_dossier,
    internships_of_host,
    week_of,
)
from assessments.services.internship_notices import (
    internship_cancel_notify,
    internship_flag_notify,
    internship_reopen_notify,
    internships_flag_overdue,
)
from assessments.services.internships import (
    internship_feedback_give,
    internship_feedback_reopen,
    internship_log_save,
    internship_supervisor_set,
    internship_week_confirm,
    internships_create_confirmed,
)
from assessments.services.placement import (
    placement_host_decide,
    placement_move,
    placement_participant_decline,
    placement_run_publish,
    placement_run_start,
)
from assessments.tests.test_placement_runs import interviewed, person, rank
from lms import roles
from lms.errors import ConflictError
from tests.factories import HostBodyFactory, InternshipOfferFactory, SeasonFactory, host_person, user_with_role

pytestmark = pytest.mark.django_db

BEGINNERS = {"takes_beginner": True, "takes_young": False, "takes_pro": False}
SCORES = {"motivation": 4, "communication": 5, "knowledge": 3, "initiative": 4}


def _place(season, staff, expert, body, people: dict[str, int]):
    """One one-seat offer of `body` per participant, each ranking only theirs: everyone placed."""
    placed = {}
    for name, score in people.items():
        offer = InternshipOfferFactory(season=season, host=body, title=f"Стажировка {name}", seats=1, **BEGINNERS)
        placed[name] = person(season, name)
        interviewed(placed[name], expert, score)
        rank(placed[name], offer)
    return placed


@pytest.fixture
def world():
    """Moscow's body with three interns placed (two confirmed by its person, one not) and another
    body with one confirmed intern; the internships made."""
    season = SeasonFactory()
    staff = user_with_role(roles.STAFF)
    expert = user_with_role(roles.EXPERT)
    roiv = HostBodyFactory(name="Правительство Москвы", kind="roiv", region_code="77")
    # A second regional body of the same region: its people must not see the first one's interns.
    other = HostBodyFactory(name="Мэрия Москвы", kind="roiv", region_code="77")
    people = _place(season, staff, expert, roiv, {"Анна": 5, "Борис": 4, "Вера": 3})
    people |= _place(season, staff, expert, other, {"Глеб": 4})
    host, other_host = host_person(roiv), host_person(other)
    run = placement_run_start(season=season, user=staff)
    placement_run_publish(run=run, user=staff)
    for name, by in (("Анна", host), ("Борис", host), ("Глеб", other_host)):
        placement_host_decide(run=run, participant_id=people[name].pk, confirm=True, user=by)
    assert internships_create_confirmed(season=season, user=staff) == 3
    internships = {name: Internship.objects.get(participant=people[name]) for name in ("Анна", "Борис", "Глеб")}
    return {
        "season": season,
        "staff": staff,
        "expert": expert,
        "roiv": roiv,
        "other": other,
        "host": host,
        "other_host": other_host,
        "people": people,
        "run": run,
        "i": internships,
    }


def _dates(internship, *, started_days_ago: int, length: int = 20):
    today = timezone.localdate()
    starts = today - timedelta(days=started_days_ago)
    Internship.objects.filter(pk=internship.pk).update(starts_on=starts, ends_on=starts + timedelta(days=length))
    internship.refresh_from_db()
    return internship


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_internships_are_made_of_confirmed_placements_only_and_once(world):
    w = world
    anna = w["i"]["Анна"]
    assert anna.offer.title == "Стажировка Анна" and (anna.starts_on, anna.ends_on) == (
        anna.offer.starts_on,
        anna.offer.ends_on,
    )
    assert not Internship.objects.filter(participant=w["people"]["Вера"]).exists()  # awaiting confirmation
    assert internships_create_confirmed(season=w["season"], user=w["staff"]) == 0  # again: nothing new
    placement_host_decide(run=w["run"], participant_id=w["people"]["Вера"].pk, confirm=True, user=w["host"])
    assert internships_create_confirmed(season=w["season"], user=w["staff"]) == 1
    with pytest.raises(PermissionDenied):
        internships_create_confirmed(season=w["season"], user=w["host"])
    with pytest.raises(ValidationError):
        internships_create_confirmed(season=SeasonFactory(), user=w["staff"])  # nothing published
    with pytest.raises(IntegrityError), transaction.atomic():
        Internship.objects.create(
            season=w["season"],
            participant=anna.participant,
            offer=anna.offer,
            run=w["run"],
            starts_on=anna.starts_on,
            ends_on=anna.ends_on,
            created_by=w["staff"],
        )
    api = _api(w["staff"])
    assert api.post(f"/api/v1/seasons/{w['season'].pk}/internships/create/").json() == {"created": 0}
    assert _api(w["host"]).post(f"/api/v1/seasons/{w['season'].pk}/internships/create/").status_code == 403


def test_the_state_follows_the_dates_and_the_feedback(world):
    w = world
    anna = w["i"]["Анна"]
    today = timezone.localdate()
    assert internship_state(internship=anna, today=anna.starts_on - timedelta(days=1)) == NOT_STARTED
    assert internship_state(internship=anna, today=anna.starts_on) == IN_PROGRESS
    assert internship_state(internship=anna, today=anna.ends_on) == IN_PROGRESS
    assert internship_state(internship=anna, today=anna.ends_on + timedelta(days=1)) == OVERDUE
    _dates(w["i"]["Анна"], started_days_ago=30)  # ended ten days ago
    _dates(w["i"]["Борис"], started_days_ago=3)  # in progress
    _dates(w["i"]["Глеб"], started_days_ago=-5)  # starts in five days
    assert internship_counts(season_id=w["season"].pk) == {NOT_STARTED: 1, IN_PROGRESS: 1, OVERDUE: 1, FINISHED: 0}
    internship_feedback_give(internship=w["i"]["Анна"], user=w["host"], scores=SCORES, comment="Хорошо")
    assert internship_counts(season_id=w["season"].pk, today=today)[FINISHED] == 1
    assert [row["name"] for row in internship_list(season_id=w["season"].pk, state=FINISHED)] == [
        internship_list(season_id=w["season"].pk, state=FINISHED)[0]["name"]
    ]
    assert len(internship_list(season_id=w["season"].pk, state=OVERDUE)) == 0
    response = _api(w["staff"]).get(f"/api/v1/seasons/{w['season'].pk}/internships/?state=finished")
    assert response.json()["counts"][FINISHED] == 1 and len(response.json()["internships"]) == 1


def test_the_log_is_the_interns_own_one_entry_a_week_within_the_dates(world):
    w = world
    anna = _dates(w["i"]["Анна"], started_days_ago=10)
    today = timezone.localdate()
    user = anna.participant.user
    with pytest.raises(PermissionDenied):
        internship_log_save(internship=anna, user=w["people"]["Борис"].user, text="Чужое")
    with pytest.raises(ValidationError):
        internship_log_save(internship=anna, user=user, text="Рано", today=anna.starts_on - timedelta(days=1))
    with pytest.raises(ValidationError):
        internship_log_save(internship=anna, user=user, text="Поздно", today=week_of(anna.ends_on) + timedelta(days=7))
    with pytest.raises(ValidationError):
        internship_log_save(internship=anna, user=user, text="   ")
    internship_log_save(internship=anna, user=user, text="Первая неделя", today=today - timedelta(days=7))
    internship_log_save(internship=anna, user=user, text="Вторая", today=today)
    internship_log_save(internship=anna, user=user, text="Вторая, исправлено", today=today)
    assert list(InternshipLogEntry.objects.filter(internship=anna).values_list("week", "text")) == [
        (week_of(today - timedelta(days=7)), "Первая неделя"),
        (week_of(today), "Вторая, исправлено"),
    ]
    api = _api(user)
    assert api.post("/api/v1/me/internship/log/", {"text": "Через API"}, format="json").json()["text"] == "Через API"
    assert api.get("/api/v1/me/internship/").json()["log"][-1]["text"] == "Через API"
    assert api.post("/api/v1/me/internship/log/", {"text": ""}, format="json").status_code == 400
    # A participant without an internship: 404; the page shows it, and the form saves the week.
    assert _api(w["people"]["Вера"].user).get("/api/v1/me/internship/").status_code == 404
    with pytest.raises(IntegrityError), transaction.atomic():
        InternshipLogEntry.objects.create(internship=anna, week=week_of(today) + timedelta(days=1), text="Вторник")


def test_the_intern_page_saves_this_weeks_entry(client, world):
    w = world
    anna = _dates(w["i"]["Анна"], started_days_ago=2)
    client.force_login(anna.participant.user)
    page = client.get("/cabinet/internship/")
    assert page.status_code == 200 and "Стажировка Анна" in page.content.decode()
    assert client.post("/cabinet/internship/", {"text": "Сделала отчёт"}).status_code == 302
    assert InternshipLogEntry.objects.get(internship=anna).text == "Сделала отчёт"
    assert client.post("/cabinet/internship/", {"text": ""}).status_code == 400


def test_a_host_sees_and_assesses_only_its_own_interns(client, world):
    w = world
    anna, gleb = _dates(w["i"]["Анна"], started_days_ago=25), w["i"]["Глеб"]
    client.force_login(w["other_host"])
    assert client.get(f"/host/internships/{anna.pk}/").status_code == 403
    week = {"action": "week", "week": week_of(anna.starts_on).isoformat(), "status": "present"}
    assert client.post(f"/host/internships/{anna.pk}/", week).status_code == 403
    listing = client.get("/host/internships/").content.decode()
    assert gleb.participant.application.last_name in listing and "Анна" not in listing
    for user in (w["other_host"], w["staff"], anna.participant.user):
        api = _api(user)
        assert (
            api.post(f"/api/v1/internships/{anna.pk}/feedback/", {"scores": SCORES}, format="json").status_code == 403
        )
        week = {"week": week_of(anna.starts_on).isoformat(), "status": "present"}
        assert api.post(f"/api/v1/internships/{anna.pk}/weeks/", week, format="json").status_code == 403
        assert (
            api.post(f"/api/v1/internships/{anna.pk}/supervisor/", {"name": "X", "email": "x@example.org"}).status_code
            == 403
        )
    assert not InternshipWeek.objects.exists()
    assert _api(w["staff"]).get("/api/v1/me/host/internships/").status_code == 403
    client.force_login(w["staff"])
    assert client.get("/host/internships/").status_code == 403
    assert client.get(f"/staff/internships/{anna.pk}/").status_code == 200
    assert [row["id"] for row in _api(w["other_host"]).get("/api/v1/me/host/internships/").json()] == [gleb.pk]
    with pytest.raises(PermissionDenied):
        internship_feedback_give(internship=anna, user=w["other_host"], scores=SCORES, comment="")


def test_feedback_only_on_the_last_days_or_after_and_only_once(client, world):
    w = world
    anna = _dates(w["i"]["Анна"], started_days_ago=5)  # ends in 15 days
    api = _api(w["host"])
    url = f"/api/v1/internships/{anna.pk}/feedback/"
    assert api.post(url, {"scores": SCORES, "comment": "Рано"}, format="json").status_code == 400
    anna = _dates(anna, started_days_ago=19)  # the last days: ends tomorrow
    assert api.post(url, {"scores": {"motivation": 4}}, format="json").status_code == 400  # a criterion missing
    assert api.post(url, {"scores": {**SCORES, "knowledge": 9}}, format="json").status_code == 400  # over 5
    response = api.post(url, {"scores": SCORES, "comment": "Молодец"}, format="json")
    assert response.status_code == 201 and response.json()["state"] == FINISHED
    assert response.json()["feedback"]["average"] == 4.0
    assert api.post(url, {"scores": SCORES, "comment": "Ещё"}, format="json").status_code == 409
    anna.refresh_from_db()
    assert anna.feedback_comment == "Молодец" and anna.feedback_rubric["max_score"] == 5
    # The page shows it read-only.
    client.force_login(w["host"])
    page = client.get(f"/host/internships/{anna.pk}/").content.decode()
    assert "Молодец" in page and 'data-testid="feedback-form"' not in page
    assert client.post(f"/host/internships/{anna.pk}/", {"action": "feedback", "comment": "x"}).status_code == 400


def test_the_host_page_sets_the_plan_confirms_weeks_and_gives_feedback(client, world):
    w = world
    boris = _dates(w["i"]["Борис"], started_days_ago=22)
    client.force_login(w["host"])
    url = f"/host/internships/{boris.pk}/"
    assert 'data-testid="feedback-form"' in client.get(url).content.decode()
    supervisor = {"action": "supervisor", "supervisor_name": "Иванов И. И.", "supervisor_email": "ivanov@example.org"}
    assert client.post(url, supervisor).status_code == 302
    posted = {
        "action": "plan",
        "plan": "1. Анализ\n2. Отчёт",
        "starts_on": boris.starts_on.isoformat(),
        "ends_on": boris.ends_on.isoformat(),
    }
    assert client.post(url, posted).status_code == 302
    assert client.post(url, {**posted, "ends_on": "вчера"}).status_code == 400
    assert client.post(url, {**posted, "ends_on": (boris.starts_on - timedelta(days=1)).isoformat()}).status_code == 400
    first = week_of(boris.starts_on).isoformat()
    page = client.get(url).content.decode()
    assert 'data-testid="internship-weeks"' in page and f'data-week="{first}"' in page
    assert client.post(url, {"action": "week", "week": first, "status": "present"}).status_code == 302
    assert client.post(url, {"action": "week", "week": first, "status": "absent", "note": "x"}).status_code == 400
    assert client.post(url, {"action": "week", "week": "понедельник", "status": "present"}).status_code == 400
    scores = {f"score-{key}": str(value) for key, value in SCORES.items()}
    assert client.post(url, {"action": "feedback", "comment": "Отлично", **scores}).status_code == 302
    boris.refresh_from_db()
    assert boris.supervisor_name == "Иванов И. И." and boris.plan.startswith("1. Анализ")
    assert boris.supervisor_user is None and boris.feedback_scores == SCORES
    assert InternshipWeek.objects.get(internship=boris).confirmed_by == w["host"]


def test_an_internship_without_feedback_is_flagged_once_and_staff_e_mailed_once(
    world, django_capture_on_commit_callbacks
):
    from assessments.services import admission_publish
    from assessments.tasks import internship_flag_notify_task

    w = world
    assert {OSError, smtplib.SMTPException} <= set(internship_flag_notify_task.autoretry_for)
    second_staff = user_with_role(roles.STAFF)
    _dates(w["i"]["Анна"], started_days_ago=27)  # ended 7 days ago
    _dates(w["i"]["Борис"], started_days_ago=26)  # ended 6 days ago: not yet
    done = _dates(w["i"]["Глеб"], started_days_ago=40)
    internship_feedback_give(internship=done, user=w["other_host"], scores=SCORES, comment="")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert internships_flag_overdue() == {"flagged": 1, "requeued": 0}
    assert len(callbacks) == 1
    anna = Internship.objects.get(pk=w["i"]["Анна"].pk)
    flagged_at = anna.flagged_at
    assert flagged_at is not None and not Internship.objects.exclude(pk=anna.pk).filter(flagged_at__isnull=False)
    emails = {w["staff"].email, second_staff.email}
    assert set(InternshipFlagNotice.objects.values_list("email", flat=True)) == emails
    real, calls = admission_publish.send_mail, []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("gone")
        return real(*args, **kwargs)

    with mock.patch.object(admission_publish, "send_mail", flaky), pytest.raises(smtplib.SMTPException):
        internship_flag_notify(internship_id=anna.pk)
    assert internship_flag_notify(internship_id=anna.pk) == 2  # the retry sends both
    assert internship_flag_notify(internship_id=anna.pk) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(emails)
    assert "Правительство Москвы" in mail.outbox[0].body
    # The next hour: nothing new is flagged, the flag keeps its time.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert internships_flag_overdue() == {"flagged": 0, "requeued": 0}
    assert not callbacks and Internship.objects.get(pk=anna.pk).flagged_at == flagged_at


def test_the_sweep_re_queues_unsent_flag_e_mails_and_the_check_is_scheduled(world, django_capture_on_commit_callbacks):
    from lms.celery import app

    w = world
    _dates(w["i"]["Анна"], started_days_ago=40)
    with django_capture_on_commit_callbacks(execute=False):
        internships_flag_overdue()
    InternshipFlagNotice.objects.update(created_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert internships_flag_overdue() == {"flagged": 0, "requeued": 1}
    assert len(callbacks) == 1
    # An e-mail about a reopened feedback left unsent rides the same check.
    internship_feedback_give(internship=w["i"]["Анна"], user=w["host"], scores=SCORES, comment="Отзыв")
    with django_capture_on_commit_callbacks(execute=False):
        internship_feedback_reopen(internship=w["i"]["Анна"], user=w["staff"], reason="Перепутаны оценки")
    InternshipReopenNotice.objects.update(created_at=timezone.now() - timedelta(hours=2))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert internships_flag_overdue()["requeued"] == 2
    assert any("Перепутаны оценки" in message.body for message in mail.outbox)
    app.finalize()
    entry = app.conf.beat_schedule["assessments: internships without feedback"]
    assert entry == {"task": "assessments.internships_flag_overdue", "schedule": 3600.0}


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as context:
        call()
    return len(context)


def test_the_lists_take_the_same_queries_at_n_and_n_plus_one(world):
    w = world
    season_id = w["season"].pk
    staff_api, host_api = _api(w["staff"]), _api(w["host"])
    for item in w["i"].values():
        internship_feedback_give(
            internship=_dates(item, started_days_ago=30),
            user=w["host"] if item.offer.host_id == w["roiv"].pk else w["other_host"],
            scores=SCORES,
            comment="",
        )

    def counts():
        ids = [p.pk for p in w["people"].values()]
        return (
            _queries(lambda: internship_list(season_id=season_id)),
            _queries(lambda: internship_counts(season_id=season_id)),
            _queries(lambda: internships_of_host(host_id=w["roiv"].pk)),
            _queries(lambda: internships_for_dossier(season_id=season_id, participant_ids=ids)),
            _queries(lambda: staff_api.get(f"/api/v1/seasons/{season_id}/internships/")),
            _queries(lambda: host_api.get("/api/v1/me/host/internships/")),
            _queries(lambda: internship_detail(internship=w["i"]["Анна"])),
        )

    for item in w["i"].values():
        host = w["host"] if item.offer.host_id == w["roiv"].pk else w["other_host"]
        internship_week_confirm(internship=item, user=host, week=week_of(item.starts_on), status="present")
    before = counts()
    # One more week of Anna's confirmed (the weeks table and the counts read them in fixed queries).
    anna = w["i"]["Анна"]
    internship_week_confirm(
        internship=anna, user=w["host"], week=week_of(anna.starts_on) + timedelta(days=7), status="present"
    )
    # One more intern of Moscow's body, confirmed and made.
    placement_host_decide(run=w["run"], participant_id=w["people"]["Вера"].pk, confirm=True, user=w["host"])
    internships_create_confirmed(season=w["season"], user=w["staff"])
    assert len(internships_of_host(host_id=w["roiv"].pk)) == 3
    # The selectors: the internships with offers and bodies, then the names (the counts: one).
    assert before[:4] == (2, 1, 2, 1) and before[6] == 5
    assert counts() == before


def test_the_dossier_summary(world):
    w = world
    anna = _dates(w["i"]["Анна"], started_days_ago=30)
    internship_feedback_give(internship=anna, user=w["host"], scores=SCORES, comment="Хорошо")
    summary = internships_for_dossier(
        season_id=w["season"].pk, participant_ids=[w["people"]["Анна"].pk, w["people"]["Вера"].pk]
    )
    assert set(summary) == {w["people"]["Анна"].pk}
    row = summary[w["people"]["Анна"].pk]
    assert row["host"] == "Правительство Москвы" and row["state"] == FINISHED
    assert row["feedback"]["average"] == 4.0 and row["feedback"]["comment"] == "Хорошо"


def test_the_log_and_the_feedback_are_exported_and_erased(world):
    w = world
    anna = _dates(w["i"]["Анна"], started_days_ago=20)
    user_id = anna.participant.user_id
    internship_log_save(internship=anna, user=anna.participant.user, text="Моя неделя")
    internship_feedback_give(internship=anna, user=w["host"], scores=SCORES, comment="Об Анне")
    sections = {section.key: section for section in internships_part_export(user_id)}
    assert sections["internships"].rows[0]["feedback_comment"] == "Об Анне"
    assert sections["internship_log"].rows[0]["text"] == "Моя неделя"
    internships_part_erase(user_id)
    anna.refresh_from_db()
    assert not InternshipLogEntry.objects.filter(internship=anna).exists()
    assert anna.feedback_comment == "" and anna.feedback_scores == SCORES


# ---------------------------------------------------------------- weeks, reopen, supervisor, cancel


def test_weeks_are_confirmed_one_by_one_from_their_first_day_never_in_advance(world):
    w = world
    anna = _dates(w["i"]["Анна"], started_days_ago=10)  # ends in ten days
    today = timezone.localdate()
    api, url = _api(w["host"]), f"/api/v1/internships/{anna.pk}/weeks/"
    this_week, next_week = week_of(today), week_of(today) + timedelta(days=7)
    future = api.post(url, {"week": next_week.isoformat(), "status": "present"}, format="json")
    assert future.status_code == 400 and "week" in future.json()
    assert api.post(url, {"week": (this_week + timedelta(days=1)).isoformat(), "status": "present"}).status_code == 400
    outside = week_of(anna.starts_on) - timedelta(days=7)
    assert api.post(url, {"week": outside.isoformat(), "status": "present"}).status_code == 400
    assert api.post(url, {"week": this_week.isoformat(), "status": "absent"}).status_code == 400  # no note
    assert api.post(url, {"week": this_week.isoformat(), "status": "late"}).status_code == 400
    response = api.post(url, {"week": this_week.isoformat(), "status": "absent", "note": "Болел"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "absent"
    # A second answer for the week is refused (the choice: a week is answered once, like the feedback).
    again = api.post(url, {"week": this_week.isoformat(), "status": "present"}, format="json")
    assert again.status_code == 409
    first = week_of(anna.starts_on)
    assert api.post(url, {"week": first.isoformat(), "status": "present"}).status_code == 201
    assert InternshipWeek.objects.get(internship=anna, week=this_week).note == "Болел"
    with pytest.raises(IntegrityError), transaction.atomic():
        InternshipWeek.objects.create(internship=anna, week=first, status="present")
    with pytest.raises(IntegrityError), transaction.atomic():
        InternshipWeek.objects.create(internship=anna, week=first + timedelta(days=2), status="present")
    detail = internship_detail(internship=anna)
    total = (week_of(anna.ends_on) - first).days // 7 + 1
    assert detail["attendance"] == {"started": True, "weeks_confirmed": 2, "weeks_present": 1, "weeks_total": total}
    assert [row["week"] for row in detail["weeks"]] == [first + timedelta(days=7 * n) for n in range(total)]
    assert not any(row["open"] for row in detail["weeks"] if row["week"] > this_week)
    summary = internships_for_dossier(season_id=w["season"].pk, participant_ids=[anna.participant_id])
    assert summary[anna.participant_id]["attendance"]["weeks_confirmed"] == 2


def test_a_week_opens_on_the_internships_first_day_and_a_not_started_one_says_so(client, world):
    w = world
    boris = w["i"]["Борис"]
    wednesday = week_of(timezone.localdate()) + timedelta(days=2)
    Internship.objects.filter(pk=boris.pk).update(starts_on=wednesday, ends_on=wednesday + timedelta(days=12))
    boris.refresh_from_db()
    monday = week_of(wednesday)
    with pytest.raises(ValidationError):
        internship_week_confirm(
            internship=boris, user=w["host"], week=monday, status="present", today=wednesday - timedelta(days=1)
        )
    internship_week_confirm(internship=boris, user=w["host"], week=monday, status="present", today=wednesday)
    # Not started yet: no vacuous "0 of N" in the dossier summary, the list or the pages.
    gleb = _dates(w["i"]["Глеб"], started_days_ago=-5)
    row = internships_for_dossier(season_id=w["season"].pk, participant_ids=[gleb.participant_id])
    assert row[gleb.participant_id]["attendance"]["started"] is False
    client.force_login(w["staff"])
    page = client.get(f"/staff/internships/{gleb.pk}/").content.decode()
    assert "ещё не началась" in page and "0 из" not in page


def test_staff_reopen_a_feedback_with_a_reason_and_the_hosts_people_are_e_mailed_once(
    client, world, django_capture_on_commit_callbacks
):
    from assessments.services import admission_publish
    from assessments.tasks import internship_reopen_notify_task

    w = world
    assert {OSError, smtplib.SMTPException} <= set(internship_reopen_notify_task.autoretry_for)
    second = host_person(w["roiv"])
    anna = _dates(w["i"]["Анна"], started_days_ago=30)
    internship_feedback_give(internship=anna, user=w["host"], scores=SCORES, comment="Первый отзыв")
    url = f"/api/v1/internships/{anna.pk}/feedback/reopen/"
    assert _api(w["host"]).post(url, {"reason": "Нет"}, format="json").status_code == 403
    assert _api(w["staff"]).post(url, {"reason": "  "}, format="json").status_code == 400
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _api(w["staff"]).post(url, {"reason": "Оценки перепутаны"}, format="json")
    assert response.status_code == 200 and response.json()["feedback"] is None
    assert len(callbacks) == 1
    assert response.json()["reopenings"][0]["feedback_comment"] == "Первый отзыв"
    kept = InternshipFeedbackReopening.objects.get(internship=anna)
    assert (kept.reason, kept.reopened_by, kept.feedback_scores, kept.feedback_by) == (
        "Оценки перепутаны",
        w["staff"],
        SCORES,
        w["host"],
    )
    # Twice: nothing to reopen (409); the page says the same as a message.
    assert _api(w["staff"]).post(url, {"reason": "Ещё раз"}, format="json").status_code == 409
    client.force_login(w["staff"])
    assert client.post(f"/staff/internships/{anna.pk}/", {"reason": "Ещё"}).status_code == 400
    assert set(InternshipReopenNotice.objects.values_list("email", flat=True)) == {w["host"].email, second.email}
    real, calls = admission_publish.send_mail, []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("gone")
        return real(*args, **kwargs)

    with mock.patch.object(admission_publish, "send_mail", flaky), pytest.raises(smtplib.SMTPException):
        internship_reopen_notify(reopening_id=kept.pk)
    assert internship_reopen_notify(reopening_id=kept.pk) == 2
    assert internship_reopen_notify(reopening_id=kept.pk) == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([w["host"].email, second.email])
    assert "Оценки перепутаны" in mail.outbox[0].body
    # The host gives it again; the history stays and staff read it on the detail page.
    anna.refresh_from_db()
    again = internship_feedback_give(internship=anna, user=w["host"], scores=SCORES, comment="Второй отзыв")
    assert again.feedback_comment == "Второй отзыв"
    page = client.get(f"/staff/internships/{anna.pk}/").content.decode()
    assert "Оценки перепутаны" in page and "Первый отзыв" in page and "Второй отзыв" in page
    assert client.post(f"/staff/internships/{anna.pk}/", {"reason": "Снова"}).status_code == 302
    assert InternshipFeedbackReopening.objects.filter(internship=anna).count() == 2


def test_the_supervisor_is_one_of_the_bodys_people_or_an_external_person(client, world):
    w = world
    anna, gleb = w["i"]["Анна"], w["i"]["Глеб"]
    colleague = host_person(w["roiv"], first_name="Пётр", last_name="Кураторов")
    api, url = _api(w["host"]), f"/api/v1/internships/{anna.pk}/supervisor/"
    # Another body's person is not among this body's people.
    assert api.post(url, {"supervisor_user_id": w["other_host"].pk}, format="json").status_code == 400
    response = api.post(url, {"supervisor_user_id": colleague.pk}, format="json")
    assert response.status_code == 200
    assert (response.json()["supervisor_name"], response.json()["supervisor_email"]) == (
        "Пётр Кураторов",
        colleague.email,
    )
    assert response.json()["supervisor_user_id"] == colleague.pk
    assert api.post(url, {"name": "Внешний Куратор"}, format="json").status_code == 400  # no e-mail
    response = api.post(url, {"name": "Внешний Куратор", "email": "ext@example.org"}, format="json")
    assert response.json()["supervisor_user_id"] is None and response.json()["supervisor_name"] == "Внешний Куратор"
    summary = internships_for_dossier(season_id=w["season"].pk, participant_ids=[anna.participant_id])
    assert summary[anna.participant_id]["supervisor_email"] == "ext@example.org"
    # The page offers the body's own people in the select, and not the other body's.
    client.force_login(w["host"])
    page = client.get(f"/host/internships/{anna.pk}/").content.decode()
    assert f'<option value="{colleague.pk}"' in page and f'<option value="{w["other_host"].pk}"' not in page
    assert client.post(f"/host/internships/{anna.pk}/", {"action": "supervisor", "supervisor_user": colleague.pk})
    assert Internship.objects.get(pk=anna.pk).supervisor_user == colleague
    assert _api(w["other_host"]).post(url, {"name": "X", "email": "x@example.org"}).status_code == 403
    with pytest.raises(PermissionDenied):
        internship_supervisor_set(internship=gleb, user=w["host"], name="X", email="x@example.org")


def test_host_members_take_one_query_at_n_and_n_plus_one(world):
    from lms.hosts.selectors import host_members

    w = world
    before = _queries(lambda: host_members(host=w["roiv"]))
    host_person(w["roiv"])
    assert _queries(lambda: host_members(host=w["roiv"])) == before == 1
    assert len(host_members(host=w["roiv"])) == 2


def test_the_participants_decline_cancels_the_internship_and_a_finished_one_refuses_it(client, world):
    w = world
    anna, gleb = w["i"]["Анна"], _dates(w["i"]["Глеб"], started_days_ago=30)
    internship_feedback_give(internship=gleb, user=w["other_host"], scores=SCORES, comment="")
    placement_participant_decline(participant=anna.participant, user=anna.participant.user, reason="Переезжаю")
    anna.refresh_from_db()
    assert anna.cancelled_at and anna.cancel_cause == "declined_by_participant" and anna.cancel_reason == "Переезжаю"
    assert anna.cancelled_by == anna.participant.user
    # A finished internship: the decline is refused with a message, nothing is decided or cancelled.
    api = _api(gleb.participant.user)
    response = api.post("/api/v1/me/placement/decline/", {"confirm": True}, format="json")
    assert response.status_code == 409 and "завершена" in response.json()["detail"].lower()
    gleb.refresh_from_db()
    assert gleb.cancelled_at is None
    # Out of the lists, counts, the host's list, the dossier summary; shown cancelled on its pages.
    season_id = w["season"].pk
    assert anna.pk not in {row["id"] for row in internship_list(season_id=season_id)}
    assert sum(internship_counts(season_id=season_id).values()) == 2
    assert anna.pk not in {row["id"] for row in internships_of_host(host_id=w["roiv"].pk)}
    assert not internships_for_dossier(season_id=season_id, participant_ids=[anna.participant_id])
    client.force_login(w["staff"])
    page = client.get(f"/staff/internships/{anna.pk}/").content.decode()
    assert 'data-testid="internship-cancelled"' in page and "Переезжаю" in page
    client.force_login(anna.participant.user)
    page = client.get("/cabinet/internship/").content.decode()
    assert 'data-testid="internship-cancelled"' in page and "Переезжаю" in page
    with pytest.raises(ConflictError):
        internship_log_save(internship=anna, user=anna.participant.user, text="Неделя")
    with pytest.raises(ConflictError):
        internship_week_confirm(internship=anna, user=w["host"], week=week_of(anna.starts_on), status="present")


def test_the_hosts_decline_after_its_confirmation_cancels_the_internship(world, django_capture_on_commit_callbacks):
    from assessments.services import admission_publish
    from assessments.tasks import internship_cancel_notify_task

    w = world
    boris = w["i"]["Борис"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        placement_host_decide(
            run=w["run"], participant_id=boris.participant_id, confirm=False, reason="Отдел закрыт", user=w["host"]
        )
    boris.refresh_from_db()
    assert boris.cancel_cause == "declined_by_host" and boris.cancel_reason == "Отдел закрыт"
    assert boris.cancelled_by == w["host"]
    # The intern is told by e-mail, once, after the decision's commit, even when the mail server fails once.
    assert len(callbacks) == 1 and {OSError, smtplib.SMTPException} <= set(internship_cancel_notify_task.autoretry_for)
    (notice,) = InternshipCancelNotice.objects.filter(internship=boris)
    assert notice.email == boris.participant.user.email != ""
    mail.outbox.clear()
    real, calls = admission_publish.send_mail, []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("gone")
        return real(*args, **kwargs)

    with mock.patch.object(admission_publish, "send_mail", flaky), pytest.raises(smtplib.SMTPException):
        internship_cancel_notify(internship_id=boris.pk)
    assert internship_cancel_notify(internship_id=boris.pk) == 1
    assert internship_cancel_notify(internship_id=boris.pk) == 0
    assert [m.to for m in mail.outbox] == [[notice.email]]
    assert "Отдел закрыт" in mail.outbox[0].body and boris.offer.title in mail.outbox[0].body
    # Erased, no address is kept.
    internships_part_erase(boris.participant.user_id)
    assert InternshipCancelNotice.objects.get(pk=notice.pk).email == ""


def test_a_staff_move_cancels_the_internship_and_the_next_creation_makes_the_new_one(world):
    w = world
    boris = w["i"]["Борис"]
    new_offer = InternshipOfferFactory(season=w["season"], host=w["other"], title="Новое место", seats=1, **BEGINNERS)
    placement_move(
        run=w["run"], participant_id=boris.participant_id, offer_id=new_offer.pk, reason="Профиль", user=w["staff"]
    )
    boris.refresh_from_db()
    assert boris.cancel_cause == "moved" and boris.cancelled_by == w["staff"]
    # The new place is confirmed by its host in the next published run; the next creation makes it.
    newer = placement_run_start(season=w["season"], user=w["staff"])
    placement_run_publish(run=newer, user=w["staff"])
    placement_host_decide(run=newer, participant_id=boris.participant_id, confirm=True, user=w["other_host"])
    assert internships_create_confirmed(season=w["season"], user=w["staff"]) == 1
    both = Internship.objects.filter(participant_id=boris.participant_id).order_by("id")
    assert [(item.offer_id, item.cancelled_at is None) for item in both] == [
        (boris.offer_id, False),
        (new_offer.pk, True),
    ]
    # Still one active internship per participant and season.
    with pytest.raises(IntegrityError), transaction.atomic():
        Internship.objects.create(
            season=w["season"],
            participant_id=boris.participant_id,
            offer=new_offer,
            run=newer,
            starts_on=new_offer.starts_on,
            ends_on=new_offer.ends_on,
            created_by=w["staff"],
        )


def test_the_weeks_reopenings_and_cancel_reason_are_exported_and_erased(world):
    w = world
    anna = _dates(w["i"]["Анна"], started_days_ago=30)
    user_id = anna.participant.user_id
    internship_week_confirm(
        internship=anna, user=w["host"], week=week_of(anna.starts_on), status="absent", note="Болела"
    )
    internship_feedback_give(internship=anna, user=w["host"], scores=SCORES, comment="Старый отзыв")
    internship_feedback_reopen(internship=anna, user=w["staff"], reason="Проверить")
    Internship.objects.filter(pk=anna.pk).update(
        cancelled_at=timezone.now(), cancel_cause="declined_by_participant", cancel_reason="Личные причины"
    )
    sections = {section.key: section for section in internships_part_export(user_id)}
    assert sections["internship_weeks"].rows[0]["note"] == "Болела"
    assert sections["internship_reopened_feedback"].rows[0]["feedback_comment"] == "Старый отзыв"
    assert "Личные причины" in sections["internships"].rows[0]["cancel_reason"]
    internships_part_erase(user_id)
    anna.refresh_from_db()
    assert anna.cancel_reason == "" and anna.cancelled_at is not None
    week = InternshipWeek.objects.get(internship=anna)
    assert week.note == "" and week.status == "absent"
    kept = InternshipFeedbackReopening.objects.get(internship=anna)
    assert kept.feedback_comment == "" and kept.reason == "" and kept.feedback_scores == SCORES


def test_the_migration_turns_a_whole_confirmation_into_present_weeks_up_to_today():
    import importlib
    from types import SimpleNamespace

    migration = importlib.import_module("assessments.migrations.0021_internship_weeks_reopen_supervisor_cancel")
    today = timezone.localdate()
    monday = week_of(today)
    running = SimpleNamespace(pk=1, starts_on=monday - timedelta(days=12), ends_on=monday + timedelta(days=20))
    running.attendance_confirmed_by_id = 7
    ended = SimpleNamespace(pk=2, starts_on=monday - timedelta(days=28), ends_on=monday - timedelta(days=15))
    ended.attendance_confirmed_by_id = None
    made = []

    class Week:
        objects = SimpleNamespace(bulk_create=lambda rows, ignore_conflicts: made.extend(rows))

        def __init__(self, **fields):
            self.__dict__.update(fields)

    internships = SimpleNamespace(filter=lambda **kw: SimpleNamespace(iterator=lambda: [running, ended]))
    models = {"Internship": SimpleNamespace(objects=internships), "InternshipWeek": Week}
    migration.whole_confirmation_to_weeks(SimpleNamespace(get_model=lambda app, name: models[name]), None)
    assert [(row.internship_id, row.week) for row in made] == [
        (1, monday - timedelta(days=14)),
        (1, monday - timedelta(days=7)),
        (1, monday),
        (2, monday - timedelta(days=28)),
        (2, monday - timedelta(days=21)),
    ]
    assert {row.status for row in made} == {"present"} and made[0].confirmed_by_id == 7
