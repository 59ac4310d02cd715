"""Admission run at scale: 100,000 participants × 30 lectures × 20 live sessions × 5 tests.

Seeds a bench database of its own with set-based SQL (generate_series, seconds not minutes),
then, in one run, times:
  * our admission run over every participant, snapshot written (with its phases);
  * the strongest baseline: one hand-written SQL statement computing the same figures and
    decisions, plus a COPY of as many lines (ours and it take turns, BENCH_ADMISSION_REPEAT times,
    on a machine others share: each is judged by its best turn, the load printed beside each);
  * the per-participant loop (each participant's figures fetched one by one, as a naive run
    would) on a 1,000-participant sample, scaled up to the whole season;
and checks that ours gives the loop's lines and the baseline's decisions and figures on the sample."""

import os
import time
from datetime import timedelta

PARTICIPANTS = int(os.environ.get("BENCH_ADMISSION_PARTICIPANTS", "100000"))
LECTURES, SESSIONS, QUIZZES = 30, 20, 5
SAMPLE = 1000
REPEAT = int(os.environ.get("BENCH_ADMISSION_REPEAT", "3"))
TARGET_SECONDS = 3.0
SLUG = f"bench-admission-{PARTICIPANTS}"
USER_OFFSET = 10_000_000  # bench users live far above any real id


# The strongest baseline: one hand-written statement computes every participant's three figures,
# ranking score, rank and decision in the database, reading the tables directly (the bench is not
# an app, so the contracts do not bind it). The items (required lectures, held sessions, required
# tests, ~55 rows) are passed in as arrays, read beforehand through the same contracts as the run,
# so both judge the same items. Lecture and test extensions are applied as the modules apply them;
# manual attendance marks and excused sessions are not (the bench seeds none).
BASELINE_SQL = """
WITH
  lectures AS (SELECT * FROM unnest(%(lecture_ids)s::bigint[], %(lecture_courses)s::bigint[],
                                    %(lecture_deadlines)s::timestamptz[]) AS l(id, course_id, deadline)),
  sessions AS (SELECT * FROM unnest(%(session_ids)s::bigint[], %(session_seconds)s::int[]) AS s(id, seconds)),
  quizzes AS (SELECT * FROM unnest(%(quiz_ids)s::bigint[], %(quiz_closes)s::timestamptz[], %(quiz_best)s::bool[],
                                   %(quiz_marks)s::float8[]) AS q(id, closes_at, best, pass_mark)),
  people AS (SELECT id, user_id, federal_district, level FROM lms_participant
             WHERE season_id = %(season_id)s AND track = %(track)s),
  lecture_extensions AS (
    SELECT e.user_id, l.id AS lecture_id, max(e.deadline) AS deadline
    FROM courses_deadlineextension e JOIN lectures l ON e.lecture_id = l.id OR e.course_id = l.course_id
    GROUP BY e.user_id, l.id),
  -- Each lecture's completions in time are one range of the lecture_progress_completed index;
  -- completions after the deadline count only within an extension.
  recorded AS (
    SELECT c.user_id, count(*) AS done FROM (
      SELECT p.user_id FROM lectures l JOIN courses_lectureprogress p
        ON p.lecture_id = l.id AND p.completed_at <= COALESCE(l.deadline, 'infinity')
      UNION ALL
      SELECT p.user_id FROM lecture_extensions e JOIN lectures l ON l.id = e.lecture_id
        JOIN courses_lectureprogress p ON p.user_id = e.user_id AND p.lecture_id = e.lecture_id
      WHERE p.completed_at > l.deadline AND p.completed_at <= e.deadline) c
    GROUP BY c.user_id),
  live AS (
    SELECT a.user_id, sum(CASE WHEN a.status = 'present' AND a.covered_seconds = 0 THEN s.seconds
                               ELSE LEAST(a.covered_seconds, s.seconds) END) AS covered
    FROM live_attendance a JOIN sessions s ON s.id = a.session_id GROUP BY a.user_id),
  counting AS (
    SELECT t.user_id, q.pass_mark,
      -- The last attempt's score: the greatest [number, score] pair (no sort).
      CASE WHEN q.best THEN max(t.score) ELSE (max(ARRAY[t.number::float8, t.score]))[2] END AS score
    FROM assessments_attempt t JOIN quizzes q ON q.id = t.quiz_id
      LEFT JOIN assessments_quizdeadlineextension e ON e.quiz_id = t.quiz_id AND e.user_id = t.user_id
    WHERE t.closed_at IS NOT NULL AND t.score IS NOT NULL
      AND (q.closes_at IS NULL OR t.started_at < GREATEST(q.closes_at, e.deadline))
    GROUP BY t.quiz_id, t.user_id, q.best, q.pass_mark),
  tests AS (SELECT user_id, count(*) FILTER (WHERE score >= pass_mark) AS done FROM counting GROUP BY user_id),
  figures AS (
    SELECT p.*,
      CASE WHEN %(lecture_total)s = 0 THEN 1.0
           ELSE round(LEAST(1.0, COALESCE(r.done, 0)::numeric / %(lecture_total)s), 4) END::float8 AS recorded,
      CASE WHEN %(session_total)s = 0 THEN 1.0
           ELSE round(LEAST(1.0, COALESCE(v.covered, 0)::numeric / %(session_total)s), 4) END::float8 AS live,
      CASE WHEN %(quiz_total)s = 0 THEN 1.0
           ELSE round(LEAST(1.0, COALESCE(t.done, 0)::numeric / %(quiz_total)s), 4) END::float8 AS tests
    FROM people p LEFT JOIN recorded r USING (user_id) LEFT JOIN live v USING (user_id)
      LEFT JOIN tests t USING (user_id)),
  judged AS MATERIALIZED (
    SELECT f.*,
      -- A module's minimum is NULL when no rule reads it, which leaves its comparisons out.
      CASE WHEN f.recorded + %(band)s + 1e-9 < %(min_recorded)s::float8
                OR f.live + %(band)s + 1e-9 < %(min_live)s::float8
                OR f.tests + %(band)s + 1e-9 < %(min_tests)s::float8 THEN 'not_admitted'
           WHEN f.recorded + 1e-9 < %(min_recorded)s::float8 OR f.live + 1e-9 < %(min_live)s::float8
                OR f.tests + 1e-9 < %(min_tests)s::float8 THEN 'review'
           ELSE 'admitted' END AS verdict,
      round(((%(weight_recorded)s * f.recorded + %(weight_live)s * f.live + %(weight_tests)s * f.tests)
             / %(weight_total)s)::numeric, 6)::float8 AS score
    FROM figures f),
  ranked AS (
    SELECT j.*, CASE WHEN verdict = 'admitted' THEN row_number() OVER (
        PARTITION BY verdict = 'admitted', CASE WHEN %(per_district)s THEN federal_district ELSE '' END
        ORDER BY score DESC, id) END AS rank
    FROM judged j)
SELECT id, user_id, federal_district, level,
       json_build_object('live', live, 'recorded', recorded, 'tests', tests)::text AS figures,
       score, rank,
       CASE WHEN rank > %(capacity)s THEN 'not_admitted' ELSE verdict END AS decision,
       EXISTS (SELECT 1 FROM courses_deadlineextension e
               JOIN lectures l ON e.lecture_id = l.id OR e.course_id = l.course_id
               WHERE e.user_id = ranked.user_id AND e.deadline > now())
         OR EXISTS (SELECT 1 FROM assessments_quizdeadlineextension e JOIN quizzes q ON q.id = e.quiz_id
                    WHERE e.user_id = ranked.user_id AND e.deadline > now()) AS provisional
FROM ranked ORDER BY id"""


SCRATCH = "bench_admission_scratch"


def _baseline(*, season, policy_content: dict) -> tuple[dict[int, tuple], float, float]:
    """Run the baseline statement and COPY its lines into a scratch table shaped like the
    decisions (without their foreign keys): {participant id: (decision, figures)}, the statement's
    seconds and the COPY's (with its commit)."""
    import json

    from django.db import connection, transaction

    from assessments import conf
    from assessments.scores.tests import required_quizzes
    from courses.selectors import lecture_list_for_track
    from live.selectors import required_sessions_attendance

    track = policy_content["track"]
    lectures = [pair for pair in lecture_list_for_track(season_id=season.id, track=track) if pair[0].required]
    sessions = required_sessions_attendance(season_id=season.id, track=track, user_ids=[])["sessions"]
    held = [session for session in sessions if session["finished"]]
    quizzes = required_quizzes(season_id=season.id, track=track)
    rules = policy_content["rules"]
    weights = policy_content.get("weights") or {rule["module"]: 1 for rule in rules}
    seconds = [int((s["ends_at"] - s["starts_at"]).total_seconds()) for s in held]
    params = {
        "season_id": season.id,
        "track": track,
        "lecture_ids": [lecture.id for lecture, _course in lectures],
        "lecture_courses": [course.id for _lecture, course in lectures],
        "lecture_deadlines": [lecture.deadline for lecture, _course in lectures],
        "lecture_total": len(lectures),
        "session_ids": [s["id"] for s in held],
        "session_seconds": seconds,
        "session_total": sum(seconds),
        "quiz_ids": [quiz.id for quiz in quizzes],
        "quiz_closes": [quiz.closes_at for quiz in quizzes],
        "quiz_best": [quiz.score_policy == "best" for quiz in quizzes],
        "quiz_marks": [float(quiz.pass_mark) for quiz in quizzes],
        "quiz_total": len(quizzes),
        # The strictest rule of each module decides (a rule reads one module).
        **{
            f"min_{name}": max((float(rule["min"]) for rule in rules if rule["module"] == name), default=None)
            for name in ("recorded", "live", "tests")
        },
        "band": float(policy_content.get("borderline_band") or 0),
        **{f"weight_{name}": float(weights.get(name) or 0) for name in ("recorded", "live", "tests")},
        "weight_total": sum(float(w) for w in weights.values()) or 1.0,
        "per_district": policy_content.get("capacity_scope") == "district",
        "capacity": policy_content.get("capacity"),
    }
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute(f"CREATE TABLE {SCRATCH} (LIKE assessments_admissiondecision INCLUDING ALL)")
    # With the settings our run's reads get (more work_mem, no JIT): JIT alone costs this statement
    # seconds on this machine.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)", [conf.run_work_mem()])
        started = time.monotonic()
        cursor.execute(BASELINE_SQL, params)
        rows = cursor.fetchall()
        statement = time.monotonic() - started
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        columns = "run_id, participant_id, user_id, federal_district, level, figures, evidence_ids, score, rank, "
        columns += "decision, rank_reason"
        with cursor.cursor.copy(f"COPY {SCRATCH} ({columns}) FROM STDIN") as copy:
            for pid, user_id, district, level, figures, score, rank, decision, _provisional in rows:
                copy.write_row((0, pid, user_id, district, level, figures, "{}", score, rank, decision, ""))
    copied = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {SCRATCH}")
    return {row[0]: (row[7], json.loads(row[4])) for row in rows}, statement, copied


def _seed():
    from django.db import connection, transaction
    from django.utils import timezone

    from assessments.models import AdmissionPolicy, Quiz
    from assessments.services.admission_policy import admission_policy_save
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
                       internship_preference, internship_reason, personal_data_consent, citizenship, submitted_at)
                   SELECT %s + g, %s, %s + g, 'Фамилия' || g, 'Имя', '', 'bench' || %s || '-' || g || '@example.org',
                          '2000-01-01', '77', (%s::text[])[1 + g %% 7], 'Europe/Moscow', 'bachelor', 'Вуз',
                          false, false, 0, false, false, false, false, '', 'roiv', '—', true, 'ru', now()
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
    django_setup(database=os.environ.get("BENCH_ADMISSION_DATABASE", "lms_bench_admission"))
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone, translation

    import assessments.scores.tests
    import assessments.services.admission.runs as admission_runs
    import courses.selectors
    import live.selectors
    from assessments.models import AdmissionPolicy, AdmissionRun
    from assessments.policy import outcomes_decide
    from assessments.scores import dates_as_moments, score_modules
    from assessments.selectors.admission import SharedEvidence, rule_modules_of
    from assessments.services.admission_policy import admission_policy_applicable
    from lms.models import Track
    from lms.regions import FederalDistrict
    from lms.selectors import participant_list

    season = _seed()
    staff = get_user_model().objects.get_or_create(username="bench-staff")[0]
    policy = AdmissionPolicy.objects.get(season=season, track=Track.INTRODUCTORY)

    # The phases of our run, timed from outside: the other apps' contracts, each score module
    # (contract included), the hash and the COPY; the rest is reading participants, judging,
    # ranking and the commit.
    phases: dict[str, float] = {}

    def timed(owner, name, label):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            started = time.monotonic()
            try:
                return original(*args, **kwargs)
            finally:
                phases[label] = phases.get(label, 0.0) + time.monotonic() - started

        setattr(owner, name, wrapper)

    timed(courses.selectors, "required_lectures_completion", "courses contract")
    timed(live.selectors, "required_sessions_attendance_grouped", "live contract")
    for module in score_modules().values():
        timed(type(module), "assess", f"module {module.name} (contract included)")
    timed(assessments.scores.tests, "counting_score_groups", "tests: assessments' own grouped query")
    # Wrapped where the run looks them up (the run's own module).
    timed(admission_runs, "admission_outcomes_compute", "figures + judging + ranking + lines")
    timed(admission_runs, "admission_snapshot_write", "snapshot write + hash (evidence, COPY)")

    def ours_once() -> tuple[AdmissionRun, float, int, dict[str, float]]:
        run_row = AdmissionRun.objects.create(
            season=season,
            track=policy.track,
            policy=policy,
            policy_version=policy.version,
            policy_content=admission_policy_applicable(content=policy.content(), season=season, track=policy.track),
            started_by=staff,
        )
        phases.clear()
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.monotonic()
            admission_runs.admission_run_execute(run_id=run_row.id)
            seconds = time.monotonic() - started
        run_row.refresh_from_db()
        assert run_row.status == "done", run_row.error
        modules_total = sum(seconds for label, seconds in phases.items() if label.startswith("module "))
        phases["judging + ranking + lines (own Python)"] = phases["figures + judging + ranking + lines"] - modules_total
        phases["participants, claim, commit (rest)"] = seconds - sum(
            phases[label] for label in ("figures + judging + ranking + lines", "snapshot write + hash (evidence, COPY)")
        )
        return run_row, seconds, len(queries), dict(phases)

    # The machine is shared (other work comes and goes): ours and the baseline run in turns,
    # REPEAT times each, with the load beside each turn, and each is judged by its best turn.
    turns = []
    for turn in range(REPEAT):
        load = os.getloadavg()[0]
        run_row, ours, query_count, own_phases = ours_once()
        baseline, statement, copied = _baseline(season=season, policy_content=run_row.policy_content)
        turns.append((ours, own_phases, statement + copied))
        print(
            f"turn {turn + 1}: load {load:.2f}; ours {ours:.2f}s ({query_count} queries); "
            f"SQL baseline {statement:.2f}s + COPY of {len(baseline)} lines {copied:.2f}s = {statement + copied:.2f}s"
        )
    ours, own_phases, _baseline_seconds = min(turns, key=lambda t: t[0])
    best_baseline = min(t[2] for t in turns)
    print(
        f"our run: {run_row.participant_count} participants in {ours:.2f}s at best "
        f"(median {sorted(t[0] for t in turns)[len(turns) // 2]:.2f}s; target ≤ {TARGET_SECONDS:.1f}s); "
        f"the SQL baseline {best_baseline:.2f}s at best; ours / baseline = {ours / best_baseline:.2f}×"
    )
    print("our best turn's phases:")
    for label, seconds in own_phases.items():
        print(f"  {label:<45} {seconds:6.2f}s")

    # The per-participant loop a naive implementation would do, on a sample.
    modules = score_modules()
    needed = sorted({rule["module"] for rule in run_row.policy_content["rules"]})
    sample = list(participant_list(season=season, track=Track.INTRODUCTORY).order_by("id")[:SAMPLE])
    labels = {name: str(module.label) for name, module in modules.items()}
    started = time.monotonic()
    loop_decisions = {}
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

    # The whole stored line against the loop; decisions and figures against the baseline.
    stored = list(run_row.decisions.filter(participant_id__in=[p.id for p in sample]))
    shared = SharedEvidence.of_run(run_row)
    ours_sample = {
        d.participant_id: (
            d.decision,
            shared.reasons(
                evidence_ids=d.evidence_ids, rank_reason=d.rank_reason, rule_modules=rule_modules_of(run_row)
            ),
            d.figures,
            shared.evidence(d.evidence_ids),
        )
        for d in stored
    }
    identical = ours_sample == loop_decisions
    same_as_baseline = {pid: line[:1] + line[2:3] for pid, line in ours_sample.items()} == {
        p.id: (baseline[p.id][0], {name: baseline[p.id][1][name] for name in needed}) for p in sample
    }
    counts = {}
    for decision in run_row.decisions.values_list("decision", flat=True).iterator():
        counts[decision] = counts.get(decision, 0) + 1
    print(
        f"decisions: {counts}; on a {len(sample)}-participant sample identical to the loop (whole lines): "
        f"{identical}, to the SQL baseline (decisions and figures): {same_as_baseline}"
    )
    print("load average (1, 5, 15 min): " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    return run_row.status == "done" and identical and same_as_baseline and ours <= TARGET_SECONDS
