"""The demo's past season through to its end (issue 15 §7), after its expert interviews and awards
(`assessments.demo.demo_outcomes_seed`):

* the interview results published, the experts' level changes applied (demo-past-03 to PRO,
  demo-past-04 to Beginner);
* the interviewed participants' ranked choices and CVs: the Beginner ranks her region's (ROIV)
  offers, the ones recommended for the FOIV interviews the ministry's;
* the ministry's interviews: its slots, the candidates' bookings, sheets by demo-host (who
  represents the ministry), its decisions — finalist, reserve, declined — applied by staff in two
  waves;
* a placement run published: demo-host confirms two lines and leaves demo-past-05's awaiting
  (/host/placement/ has something to do), demo-past-04 declines hers;
* the internships made from the confirmed lines, and their progress (`_past_internships_progress`):
  one finished with the supervisor's feedback, one ended without it and flagged to staff;
* the regional dossiers prepared, not sent (St Petersburg's is blocked: its youth body has no
  address, lms/youthbodies/demo.py).

Everything through the services, each called at the moment it happened then where it takes `now`;
each step skipped once done, so a second seed adds nothing."""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments.models import (
    AttendanceStatus,
    Dossier,
    Internship,
    InterviewOutcome,
    MinistryDecision,
    MinistryInterview,
    MinistrySlot,
    PlacementDecision,
    PlacementLine,
)
from assessments.selectors.internships import week_of
from assessments.selectors.placement import placement_latest_published
from assessments.selectors.results import interview_results_list
from assessments.selectors.rubrics import rubric_for_host
from assessments.services.dossiers import dossiers_prepare
from assessments.services.internship_notices import internships_flag_overdue
from assessments.services.internships import (
    internship_feedback_give,
    internship_log_save,
    internship_plan_update,
    internship_supervisor_set,
    internship_week_confirm,
    internships_create_confirmed,
)
from assessments.services.ministry import (
    ministry_book,
    ministry_decide,
    ministry_sheet_submit,
    ministry_slot_create,
    ministry_wave_apply,
)
from assessments.services.placement import (
    placement_host_decide,
    placement_participant_decline,
    placement_run_publish,
    placement_run_start,
)
from assessments.services.results import interview_levels_apply, interview_results_publish
from lms.candidacy.demo import candidacy_demo_seed
from lms.hosts.selectors import host_of_user

LEVELS_REASON = "Решение экспертной комиссии по итогам собеседований."

# The interviewed participants' ranked offers (lms/hosts/demo.py's titles), first choice first.
PAST_RANKINGS = {
    "demo-past-01": ["Департамент развития цифровой экономики", "Кадровый департамент"],
    "demo-past-02": ["Департамент развития цифровой экономики"],
    "demo-past-03": ["Департамент проектного управления", "Департамент развития цифровой экономики"],
    "demo-past-04": ["Министерство цифрового развития и связи", "Департамент молодёжной политики"],
    "demo-past-05": ["Департамент развития цифровой экономики"],
}

# The ministry's interviews, in slot order: who, the score on each criterion of its rubric (the
# built-in one), its verdict and comment, and the wave staff applied it in.
PAST_MINISTRY = [
    ("demo-past-01", 5, "finalist", "Сильная аналитика, готова к работе с данными.", 1),
    ("demo-past-02", 2, "declined", "Интерес к теме есть, но опыта пока мало.", 1),
    ("demo-past-03", 4, "reserve", "Хороший проектный опыт; в резерв на проектное управление.", 2),
    ("demo-past-05", 4, "finalist", "Убедительная мотивация, быстро разбирается в задачах.", 2),
]

# The lottery's seed of the published run, so every demo places the same way.
PLACEMENT_SEED = 20250601
# The lines demo-host confirms; demo-past-05's is left awaiting, demo-past-04 declines hers.
PLACEMENT_CONFIRMED = ["demo-past-01", "demo-past-03"]
PLACEMENT_DECLINE = ("demo-past-04", "Поступил в магистратуру в другом городе, не смогу приехать.")

# The supervisors: demo-past-01's is one of the ministry's own people (demo-host, None here), demo-past-03's
# an official typed in as an external person.
SUPERVISORS = {
    "demo-past-01": None,
    "demo-past-03": ("Наталья Игоревна Проектова", "proektova@digital.example"),
}
# demo-past-03 missed the second week (the note is the supervisor's); every other week: present.
ABSENCES = {("demo-past-03", 1): "Болела, больничный лист передан в отдел кадров."}
PLAN = "1. Знакомство с департаментом и проектом.\n2. Аналитическая записка.\n3. Презентация итогов."
LOG_TEXTS = [
    "Познакомилась с командой, изучила паспорт проекта и регламенты.",
    "Собрала данные для аналитической записки, участвовала в совещании.",
    "Подготовила черновик записки, получила замечания руководителя.",
    "Доработала записку, выступила с итогами перед отделом.",
    "Передала материалы, заполнила отчёт о стажировке.",
]
# Whose internship the ministry gives its feedback on (after its end): the other is left without
# one and, a week after its end, flagged to staff.
FEEDBACK = ("demo-past-01", 5, "Самостоятельна, аккуратна с данными; рекомендуем к найму.")


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


def _results(*, season, staff) -> None:
    """The experts' recommended level changes applied, then the results published (once)."""
    if InterviewOutcome.objects.filter(season_id=season.pk, published_at__isnull=False).exists():
        return
    moves = [
        row["participant_id"]
        for row in interview_results_list(season_id=season.pk)
        if row["recommended_level"] != row["level"]
    ]
    if moves:
        interview_levels_apply(season_id=season.pk, participant_ids=moves, reason=LEVELS_REASON, user=staff)
    interview_results_publish(
        season_id=season.pk, user=staff, now=_at(season.interviews_starts_on + timedelta(days=9), 18)
    )


def _ministry(*, season, host, host_user, staff, people: dict) -> None:
    """Slots, bookings, sheets and decisions of the ministry's interviews; staff's two waves."""
    keys = rubric_for_host(host_id=host.pk).keys
    first = _at(season.interviews_starts_on + timedelta(days=14), 11)
    for number, (username, score, verdict, comment, _wave) in enumerate(PAST_MINISTRY):
        participant = people[username]
        starts = first + timedelta(minutes=40 * number)
        if not MinistryInterview.objects.filter(participant=participant, host=host).exists():
            slot = MinistrySlot.objects.filter(host=host, starts_at=starts).first() or ministry_slot_create(
                user=host_user,
                host=host,
                season=season,
                starts_at=starts,
                duration_minutes=30,
                meeting_url="https://meet.example.org/digital-ministry",
                now=starts - timedelta(days=3),
            )
            interview = ministry_book(
                participant=participant, user=participant.user, slot=slot, now=starts - timedelta(days=2)
            )
            ministry_sheet_submit(
                interview=interview,
                user=host_user,
                scores=dict.fromkeys(keys, score),
                comment=comment,
                now=starts + timedelta(minutes=30),
            )
        if not MinistryDecision.objects.filter(participant=participant, host=host).exists():
            ministry_decide(
                host=host,
                participant=participant,
                user=host_user,
                verdict=verdict,
                comment=comment,
                now=starts + timedelta(hours=3),
            )
    for wave in (1, 2):
        applied_at = _at(season.interviews_ends_on - timedelta(days=4 - wave), 10)
        ids = list(
            MinistryDecision.objects.filter(
                host=host,
                wave__isnull=True,
                participant__in=[people[row[0]] for row in PAST_MINISTRY if row[4] == wave],
            ).values_list("pk", flat=True)
        )
        if ids:
            ministry_wave_apply(
                season=season,
                user=staff,
                decision_ids=ids,
                now=applied_at,
            )


def _placement(*, season, staff, host_user, people: dict):
    """A run published once; demo-host's confirmations and a participant's decline on it."""
    run = placement_latest_published(season_id=season.pk)
    if run is None:
        run = placement_run_publish(run=placement_run_start(season=season, user=staff, seed=PLACEMENT_SEED), user=staff)
    decided = set(PlacementDecision.objects.filter(run=run).values_list("participant_id", flat=True))
    placed = set(PlacementLine.objects.filter(run=run, offer__isnull=False).values_list("participant_id", flat=True))
    for username in PLACEMENT_CONFIRMED:
        pid = people[username].pk
        if pid in placed and pid not in decided:
            placement_host_decide(run=run, participant_id=pid, confirm=True, user=host_user)
    username, reason = PLACEMENT_DECLINE
    participant = people[username]
    if participant.pk in placed and participant.pk not in decided:
        placement_participant_decline(participant=participant, user=participant.user, reason=reason)
    return run


def _past_internships_progress(*, internships: list[Internship], host_user, usernames: dict[int, str]) -> None:
    """All the internships' progress in one place: each week's attendance answered by the host, a
    log entry by the intern for each week, the feedback on one, the overdue flag on the other."""
    for internship in internships:
        written = set(internship.log_entries.values_list("week", flat=True))
        answered = set(internship.weeks.values_list("week", flat=True))
        week = week_of(internship.starts_on)
        number = 0
        while week <= internship.ends_on:
            # Written on the week's Friday, or the internship's first/last day when nearer.
            day = min(max(week + timedelta(days=4), internship.starts_on), internship.ends_on)
            if week not in written and number < len(LOG_TEXTS):
                text = LOG_TEXTS[number]
                internship_log_save(internship=internship, user=internship.participant.user, text=text, today=day)
            if week not in answered:
                absent = ABSENCES.get((usernames[internship.participant_id], number))
                internship_week_confirm(
                    internship=internship,
                    user=host_user,
                    week=week,
                    status=AttendanceStatus.ABSENT if absent else AttendanceStatus.PRESENT,
                    note=absent or "",
                    today=day,
                )
            week += timedelta(weeks=1)
            number += 1
    username, score, comment = FEEDBACK
    for internship in internships:
        if usernames[internship.participant_id] == username and internship.feedback_at is None:
            keys = rubric_for_host(host_id=internship.offer.host_id).keys
            internship_feedback_give(
                internship=internship,
                user=host_user,
                scores=dict.fromkeys(keys, score),
                comment=comment,
                today=internship.ends_on + timedelta(days=1),
            )
    # The hourly check, as it ran a week after the other's end: staff are e-mailed once.
    internships_flag_overdue()


def _internships(*, season, staff, host_user, people: dict) -> list[Internship]:
    internships_create_confirmed(season=season, user=staff)
    internships = list(
        Internship.objects.filter(season=season).select_related("participant__user", "offer").order_by("id")
    )
    usernames = {participant.pk: username for username, participant in people.items()}
    for internship in internships:
        username = usernames[internship.participant_id]
        if username in SUPERVISORS and not internship.supervisor_name:
            external = SUPERVISORS[username]
            if external is None:
                internship_supervisor_set(internship=internship, user=host_user, supervisor_user_id=host_user.pk)
            else:
                internship_supervisor_set(internship=internship, user=host_user, name=external[0], email=external[1])
            internship_plan_update(internship=internship, user=host_user, plan=PLAN)
    _past_internships_progress(internships=internships, host_user=host_user, usernames=usernames)
    return internships


def past_season_to_end_seed(*, season, staff, people: dict, stdout=None) -> None:
    """seed_demo's past season from its interview results to its dossiers (see the module)."""
    host_user = get_user_model().objects.filter(username="demo-host").first()
    host = host_of_user(user=host_user) if host_user else None
    if host is None:
        return
    _results(season=season, staff=staff)
    candidacy_demo_seed(
        season=season,
        usernames=list(PAST_RANKINGS),
        rankings=PAST_RANKINGS,
        now=_at(season.interviews_starts_on + timedelta(days=10), 12),
    )
    _ministry(season=season, host=host, host_user=host_user, staff=staff, people=people)
    run = _placement(season=season, staff=staff, host_user=host_user, people=people)
    internships = _internships(season=season, staff=staff, host_user=host_user, people=people)
    if not Dossier.objects.filter(season=season).exists():
        dossiers_prepare(season=season, actor=staff)
    if stdout is not None:
        stdout.write(
            f"Past season: placement run #{run.pk} published, {len(internships)} internships, "
            f"{Dossier.objects.filter(season=season).count()} dossiers prepared"
        )
