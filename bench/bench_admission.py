"""Admission run at scale: 100,000 participants × 30 lectures × 20 live sessions × 5 tests.

Seeds a bench database of its own with set-based SQL (generate_series, seconds not minutes),
then, in one run, times:
  * our set-based admission run over every participant;
  * the per-participant baseline (each participant's figures fetched one by one, as a loop over
    participants would) on a 1,000-participant sample, scaled up to the whole season;
and checks that both give identical decisions on the sample."""

import os
import time
from datetime import timedelta

PARTICIPANTS = int(os.environ.get("BENCH_ADMISSION_PARTICIPANTS", "100000"))
LECTURES, SESSIONS, QUIZZES = 30, 20, 5
SAMPLE = 1000
TARGET_SECONDS = 10.0
SLUG = f"bench-admission-{PARTICIPANTS}"
USER_OFFSET = 10_000_000  # bench users live far above any real id


def _seed():
    from django.db import connection, transaction
    from django.utils import timezone

    from assessments.models import AdmissionPolicy, Quiz
    from assessments.services.admission import admission_policy_save
    from cms.models import HomePage
    from courses.models import CourseIndexPage, CoursePage, LecturePage
    from live.models import LiveSession
    from lms.models import Season, Track

    season = Season.objects.filter(slug=SLUG).first()
    if season is not None:
        return season
    started = time.monotonic()
    today = timezone.localdate()
    with transaction.atomic():
        season = Season.objects.create(
            name=SLUG,
            slug=SLUG,
            campaign_starts_on=today - timedelta(days=120),
            campaign_ends_on=today - timedelta(days=90),
            education_starts_on=today - timedelta(days=89),
            education_ends_on=today - timedelta(days=1),
            interviews_starts_on=today,
            interviews_ends_on=today + timedelta(days=30),
            internships_starts_on=today + timedelta(days=31),
            internships_ends_on=today + timedelta(days=90),
            closing_starts_on=today + timedelta(days=91),
            closing_ends_on=today + timedelta(days=100),
            age_reference_date=today - timedelta(days=90),
        )
        home = HomePage.objects.first()
        index = CourseIndexPage.objects.first()
        if index is None:
            index = home.add_child(instance=CourseIndexPage(title="Курсы", slug="courses"))
        course = index.add_child(
            instance=CoursePage(title=f"Курс {SLUG}", slug=SLUG, season=season, track=Track.INTRODUCTORY)
        )
        now = timezone.now()
        for number in range(LECTURES):
            course.add_child(
                instance=LecturePage(
                    title=f"Лекция {number + 1}",
                    slug=f"lecture-{number + 1}",
                    deadline=now - timedelta(days=2),
                    available_from=now - timedelta(days=60),
                )
            )
        LiveSession.objects.bulk_create(
            LiveSession(
                title=f"Эфир {number + 1}",
                course=course,
                season=season,
                track=Track.INTRODUCTORY,
                starts_at=now - timedelta(days=40 - number, hours=2),
                ends_at=now - timedelta(days=40 - number, hours=1),
            )
            for number in range(SESSIONS)
        )
        for number in range(QUIZZES):
            Quiz.objects.create(
                title=f"Тест {number + 1}", season=season, pass_mark=0.6, score_policy="best" if number % 2 else "last"
            )
        policy = AdmissionPolicy(season=season, track=Track.INTRODUCTORY, borderline_band=0.1)
        admission_policy_save(policy=policy)

        lectures = list(LecturePage.objects.child_of(course).values_list("id", "deadline"))
        sessions = list(LiveSession.objects.filter(season=season).values_list("id", flat=True))
        quizzes = list(Quiz.objects.filter(season=season).values_list("id", flat=True))
        offset = USER_OFFSET + season.id * 1_000_000
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
                   SELECT %s + g, '!', false, 'bench-' || %s || '-' || g, 'Имя', 'Фамилия' || g,
                          'bench' || %s || '-' || g || '@example.org', false, true, now()
                   FROM generate_series(1, %s) g""",
                [offset, season.id, season.id, PARTICIPANTS],
            )
            districts = ["central", "northwestern", "southern", "volga", "ural", "siberian", "far_eastern"]
            cursor.execute(
                """INSERT INTO lms_application (id, season_id, user_id, last_name, first_name, patronymic, email,
                       date_of_birth, region_code, federal_district, timezone, education_level, institution,
                       studies_public_administration, in_state_service, state_service_years, youth_organisations,
                       own_projects, government_internships, youth_government_member, experience_details,
                       internship_preference, internship_reason, personal_data_consent, submitted_at)
                   SELECT %s + g, %s, %s + g, 'Фамилия' || g, 'Имя', '', 'bench' || %s || '-' || g || '@example.org',
                          '2000-01-01', '77', (%s::text[])[1 + g %% 7], 'Europe/Moscow', 'bachelor', 'Вуз',
                          false, false, 0, false, false, false, false, '', 'roiv', '—', true, now()
                   FROM generate_series(1, %s) g""",
                [offset, season.id, offset, season.id, districts, PARTICIPANTS],
            )
            cursor.execute(
                """INSERT INTO lms_participant (id, season_id, user_id, application_id, level, track, placement_rule,
                       region_code, federal_district, timezone, created_at)
                   SELECT %s + g, %s, %s + g, %s + g, CASE WHEN g %% 3 = 0 THEN 'young' ELSE 'beginner' END,
                          'introductory', 'bench', '77', (%s::text[])[1 + g %% 7], 'Europe/Moscow', now()
                   FROM generate_series(1, %s) g""",
                [offset, season.id, offset, offset, districts, PARTICIPANTS],
            )
            # Lectures: ~1 in 60 (participant, lecture) pairs never completed, ~1 in 90 completed too late.
            cursor.execute(
                """INSERT INTO courses_lectureprogress (user_id, lecture_id, spans, watched_seconds, progress,
                       last_position, completed_at, updated_at)
                   SELECT %s + g, l.id, '[]', 3000, CASE WHEN (g * 7 + l.n * 13) %% 60 = 0 THEN 0.5 ELSE 1 END, 0,
                          CASE WHEN (g * 7 + l.n * 13) %% 60 = 0 THEN NULL
                               WHEN (g * 11 + l.n * 3) %% 90 = 0 THEN l.deadline + interval '1 day'
                               ELSE l.deadline - interval '1 day' END, now()
                   FROM generate_series(1, %s) g
                   CROSS JOIN unnest(%s::bigint[], %s::timestamptz[]) WITH ORDINALITY AS l(id, deadline, n)""",
                [offset, PARTICIPANTS, [lid for lid, _d in lectures], [d for _l, d in lectures]],
            )
            # Live sessions: 3600 s each; most present, some partial, some absent.
            cursor.execute(
                """INSERT INTO live_attendance (session_id, user_id, covered_seconds, window_seconds, status,
                       manual, sources, derived_at)
                   SELECT s.id, %s + g, c.covered, 3600,
                          CASE WHEN c.covered >= 2700 THEN 'present' WHEN c.covered > 0 THEN 'late' ELSE 'absent' END,
                          false, '[]', now()
                   FROM generate_series(1, %s) g
                   CROSS JOIN unnest(%s::bigint[]) WITH ORDINALITY AS s(id, n)
                   CROSS JOIN LATERAL (SELECT CASE WHEN (g * 5 + s.n * 7) %% 9 = 0 THEN 0
                                                   WHEN (g + s.n) %% 4 = 0 THEN 1800 ELSE 3600 END AS covered) c""",
                [offset, PARTICIPANTS, sessions],
            )
            # Tests: two attempts each; scores spread so that some fail, some pass on the retake.
            cursor.execute(
                """INSERT INTO assessments_attempt (quiz_id, user_id, number, seed, question_ids, started_at, ends_at,
                       closed_at, timed_out, score, passed)
                   SELECT q.id, %s + g, a, g, '[]', now() - interval '3 days', NULL, now() - interval '3 days', false,
                          ((g * 17 + q.n * 29 + a * 31) %% 61 + 40) / 100.0,
                          ((g * 17 + q.n * 29 + a * 31) %% 61 + 40) >= 60
                   FROM generate_series(1, %s) g
                   CROSS JOIN unnest(%s::bigint[]) WITH ORDINALITY AS q(id, n)
                   CROSS JOIN generate_series(1, 2) a""",
                [offset, PARTICIPANTS, quizzes],
            )
            cursor.execute("ANALYZE")
    print(f"seeded {PARTICIPANTS} participants in {time.monotonic() - started:.1f}s", flush=True)
    return season


def run() -> bool:
    from bench.common import django_setup

    os.environ.setdefault("LOG_LEVEL", "WARNING")  # page creation logs a line per lecture
    django_setup(database="lms_bench_admission")
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from assessments.models import AdmissionPolicy, AdmissionRun
    from assessments.policy import outcomes_decide
    from assessments.scores import score_modules
    from assessments.services.admission import admission_run_execute
    from lms.models import Track
    from lms.regions import FederalDistrict
    from lms.selectors import participant_list

    season = _seed()
    staff = get_user_model().objects.get_or_create(username="bench-staff")[0]
    policy = AdmissionPolicy.objects.get(season=season, track=Track.INTRODUCTORY)

    # Time spent inside the other apps' contracts, so the report can tell their share from ours.
    import courses.selectors
    import live.selectors

    inside: dict[str, float] = {}

    def timed(module, name):
        original = getattr(module, name)

        def wrapper(**kwargs):
            started = time.monotonic()
            try:
                return original(**kwargs)
            finally:
                inside[name] = inside.get(name, 0.0) + time.monotonic() - started

        setattr(module, name, wrapper)

    timed(courses.selectors, "required_lectures_completion")
    timed(live.selectors, "required_sessions_attendance")

    run_row = AdmissionRun.objects.create(
        season=season,
        track=policy.track,
        policy=policy,
        policy_version=policy.version,
        policy_content=policy.content(),
        started_by=staff,
    )
    # The machine is shared: the load says how far the timings below can be trusted.
    print("load average (1, 5, 15 min): " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        started = time.monotonic()
        admission_run_execute(run_id=run_row.id)
        ours = time.monotonic() - started
    run_row.refresh_from_db()
    print(
        f"our run: {run_row.participant_count} participants in {ours:.2f}s, {len(queries)} queries, "
        f"status {run_row.status} {run_row.error}"
    )
    contracts = sum(inside.values())
    print(
        "  of which inside the contracts: "
        + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in inside.items())
        + "; the assessments app's own part (participants, tests module, judging, COPY, commit): "
        + f"{ours - contracts:.2f}s"
    )
    inside.clear()

    # Baseline: the per-participant loop a naive implementation would do, on a sample.
    modules = score_modules()
    needed = sorted({rule["module"] for rule in run_row.policy_content["rules"]})
    sample = list(participant_list(season=season, track=Track.INTRODUCTORY).order_by("id")[:SAMPLE])
    labels = {name: str(module.label) for name, module in modules.items()}
    from django.conf import settings
    from django.utils import timezone, translation

    started = time.monotonic()
    loop_decisions = {}
    from assessments.scores import dates_as_moments

    # As the run writes them: dates kept as moments.
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE), dates_as_moments():
        for participant in sample:
            figures = {
                name: modules[name].figures(season=season, track=participant.track, participants=[participant])[
                    participant.id
                ]
                for name in needed
            }
            outcome = outcomes_decide(
                policy=run_row.policy_content,
                figures={participant.id: {n: f.value for n, f in figures.items()}},
                summaries={participant.id: {n: f.summary for n, f in figures.items()}},
                labels=labels,
                districts={participant.id: participant.federal_district},
                district_labels=dict(FederalDistrict.choices),
            )[participant.id]
            loop_decisions[participant.id] = (
                outcome.decision,
                outcome.reasons,
                {n: f.value for n, f in figures.items()},
                {n: f.as_json() for n, f in figures.items()},
            )
    loop = time.monotonic() - started
    scaled = loop * run_row.participant_count / len(sample)
    print(f"per-participant loop: {len(sample)} in {loop:.2f}s → {scaled:.1f}s scaled to {run_row.participant_count}")
    print(f"ratio: ours is {scaled / ours:.1f}× faster")

    # The whole stored line, not only the verdict: figures, evidence, decision and reasons.
    ours_sample = {
        d.participant_id: (d.decision, d.reasons, d.figures, d.evidence)
        for d in run_row.decisions.filter(participant_id__in=[p.id for p in sample])
    }
    identical = ours_sample == loop_decisions
    counts = {}
    for decision in run_row.decisions.values_list("decision", flat=True).iterator():
        counts[decision] = counts.get(decision, 0) + 1
    print(f"decisions: {counts}; identical on the sample (figures, evidence, decision, reasons): {identical}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    return run_row.status == "done" and identical and ours < TARGET_SECONDS
