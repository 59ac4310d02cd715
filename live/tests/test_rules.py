"""The attendance rules with hand-computed answers, and the set-based SQL held to the same answers."""

from datetime import UTC, datetime, timedelta

import pytest

from live.derive import session_coverage
from live.models import AttendanceEvent
from live.rules import Signal, presence_figure
from live.tests.factories import LiveSessionFactory
from tests.factories import UserFactory

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
END = START + timedelta(hours=1)


def at(minutes: float, seconds: float = 0) -> datetime:
    return START + timedelta(minutes=minutes, seconds=seconds)


def bbb(kind, connection, when):
    return Signal("bbb", kind, connection, when)


def beats(connection, first, last, every=30):
    count = int((last - first).total_seconds() // every) + 1
    return [Signal("page", "beat", connection, first + timedelta(seconds=every * i)) for i in range(count)]


CASES = {
    # Two BBB connections overlap by a minute: the overlap counts once, never past 100%.
    "overlapping reconnects": (
        [
            bbb("join", "w_1", at(0)),
            bbb("leave", "w_1", at(30)),
            bbb("join", "w_2", at(29)),
            bbb("leave", "w_2", at(60)),
        ],
        END,
        3600,
        "present",
    ),
    # Tab A beats 12:00..12:29:30 (covers to 12:30:30), tab B 12:10..12:39:30 (to 12:40:30): 40.5 min.
    "two tabs": (beats("tab-a", at(0), at(29, 30)) + beats("tab-b", at(10), at(39, 30)), END, 2430, "absent"),
    "join before start, stay after end": (
        [bbb("join", "w_1", at(-10)), bbb("leave", "w_1", at(80))],
        END,
        3600,
        "present",
    ),
    # No `left` ever came: the connection lasts until the session's end (55 min = 3300 s, 91.7%).
    "missing left": ([bbb("join", "w_1", at(5))], END, 3300, "present"),
    "duplicated webhooks": (
        [
            bbb("join", "w_1", at(0)),
            bbb("join", "w_1", at(0)),
            bbb("leave", "w_1", at(45)),
            bbb("leave", "w_1", at(45)),
        ],
        END,
        2700,
        "absent",
    ),
    # A second join on the same connection before any leave: both run to that leave, counted once.
    "repeated join on one connection": (
        [bbb("join", "w_1", at(0)), bbb("join", "w_1", at(10)), bbb("leave", "w_1", at(30))],
        END,
        1800,
        "absent",
    ),
    # Delivered leave-first; joined 11 min late and covered exactly 48 of 60 min = 80%: late.
    "events out of order, late at exactly the threshold": (
        [bbb("leave", "w_1", at(59)), bbb("join", "w_1", at(11))],
        END,
        2880,
        "late",
    ),
    # One second short of 80%: integers decide, no rounding up to the threshold.
    "one second below the threshold": (
        [bbb("join", "w_1", at(0)), bbb("leave", "w_1", at(47, 59))],
        END,
        2879,
        "absent",
    ),
    # The speaker pressed "end" at 12:30: the window is 30 min and the open join closes there.
    "ended early by the speaker": ([bbb("join", "w_1", at(0))], at(30), 1800, "present"),
    # Scheduled to 13:00, the speaker pressed "end" at 13:40: the window is 100 min, and an hour
    # and a half in BBB (12:00–13:30) is 5400 of 6000 s = 90 %, present. Measured against the
    # scheduled hour it would be capped at 3600 s; cut at the schedule it would lose the overrun.
    "overran, ended late by the speaker": (
        [bbb("join", "w_1", at(0)), bbb("leave", "w_1", at(90))],
        at(100),
        5400,
        "present",
    ),
    # A beat covers 60 s unless the page reports itself hidden sooner.
    "page hidden after 20 s": (
        [Signal("page", "beat", "tab", at(0)), Signal("page", "hidden", "tab", at(0, 20))],
        END,
        20,
        "absent",
    ),
    "report rows and a beat overlap": (
        [
            Signal("report", "interval", "row-1", at(0), at(20)),
            Signal("report", "interval", "row-2", at(19), at(50)),
            Signal("page", "beat", "tab", at(49, 30)),
        ],
        END,
        3030,
        "present",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_rules_hand_computed(name):
    signals, window_end, covered, status = CASES[name]
    figure = presence_figure(signals, window_start=START, window_end=window_end, threshold_percent=80)
    assert figure.covered_seconds == covered
    assert figure.status == status
    assert figure.window_seconds == (window_end - START).total_seconds()
    assert figure.percent <= 100


def test_excused_is_manual_and_keeps_the_figure():
    figure = presence_figure([], window_start=START, window_end=END, threshold_percent=80, manual_status="excused")
    assert (figure.covered_seconds, figure.status, figure.manual) == (0, "excused", True)


def test_running_session_counts_only_until_now():
    figure = presence_figure(
        [bbb("join", "w_1", at(0))], window_start=START, window_end=END, threshold_percent=80, now=at(15)
    )
    assert figure.covered_seconds == 900
    assert figure.percent == 25.0


@pytest.mark.django_db
def test_a_running_session_past_its_schedule_is_measured_to_its_last_evidence():
    """Started at 12:00, scheduled to 13:00, not ended at 13:20, the last evidence (a page beat)
    at 13:20: the window so far is 80 min. A join at 12:00 (no leave yet) and one at 12:50 are
    measured to 13:20: 4800 s (100 %) and 1800 s (37.5 %); cut at the scheduled end they would be
    3600 and 600 of 3600 s."""
    from live.services.attendance import session_attendance_derive

    session = LiveSessionFactory(starts_at=START, ends_at=END, actual_started_at=START)
    early, late = UserFactory(), UserFactory()
    AttendanceEvent.objects.create(
        session=session, user=early, source="page", kind="beat", connection="tab", occurred_at=at(80), dedupe_key="b"
    )
    for user, minute in ((early, 0), (late, 50)):
        AttendanceEvent.objects.create(
            session=session,
            user=user,
            source="bbb",
            kind="join",
            connection=f"w_{user.pk}",
            occurred_at=at(minute),
            dedupe_key=f"run:{user.pk}",
        )
    session_attendance_derive(session=session, now=at(80))
    rows = {row.user_id: row for row in session.attendances.all()}
    assert (rows[early.pk].window_seconds, rows[early.pk].covered_seconds) == (4800, 4800)
    assert (rows[late.pk].covered_seconds, rows[late.pk].percent) == (1800, 37.5)


@pytest.mark.django_db
@pytest.mark.parametrize("name", CASES)
def test_set_based_sql_agrees_with_the_rules(name):
    signals, window_end, covered, _status = CASES[name]
    session = LiveSessionFactory(starts_at=START, ends_at=END)
    user = UserFactory()
    AttendanceEvent.objects.bulk_create(
        AttendanceEvent(
            session=session,
            user=user,
            source=s.source,
            kind=s.kind,
            connection=s.connection,
            occurred_at=s.at,
            ends_at=s.ends_at,
            dedupe_key=f"{name}:{index}",
        )
        for index, s in enumerate(signals)
    )
    found = session_coverage(session_id=session.pk, window_start=START, window_end=window_end)
    figure = presence_figure(signals, window_start=START, window_end=window_end, threshold_percent=80)
    assert found[user.pk].covered_seconds == covered == figure.covered_seconds
    assert found[user.pk].first_joined_at == figure.first_joined_at
    assert found[user.pk].sources == figure.sources


@pytest.mark.django_db
def test_rules_path_gives_the_sql_figures_for_a_whole_session():
    """Every case at once, one user per case: what SQLite's demo computes equals PostgreSQL's."""
    from live.derive import session_coverage_by_rules

    session = LiveSessionFactory(starts_at=START, ends_at=END)
    users = {}
    for name, (signals, _window_end, _covered, _status) in CASES.items():
        users[name] = UserFactory()
        AttendanceEvent.objects.bulk_create(
            AttendanceEvent(
                session=session,
                user=users[name],
                source=s.source,
                kind=s.kind,
                connection=s.connection,
                occurred_at=s.at,
                ends_at=s.ends_at,
                dedupe_key=f"all:{name}:{index}",
            )
            for index, s in enumerate(signals)
        )
    outside = UserFactory()  # only a beat long after the window: no figure on either path
    AttendanceEvent.objects.create(
        session=session, user=outside, source="page", kind="beat", connection="t", occurred_at=at(120), dedupe_key="o"
    )
    for now in (None, at(25)):
        by_sql = session_coverage(session_id=session.pk, window_start=START, window_end=END, now=now)
        by_rules = session_coverage_by_rules(session_id=session.pk, window_start=START, window_end=END, now=now)
        assert by_rules == by_sql
        assert outside.pk not in by_rules
    some = [users["two tabs"].pk, users["missing left"].pk]
    assert session_coverage_by_rules(
        session_id=session.pk, window_start=START, window_end=END, user_ids=some
    ) == session_coverage(session_id=session.pk, window_start=START, window_end=END, user_ids=some)


@pytest.mark.django_db
def test_set_based_sql_agrees_with_the_rules_to_the_microsecond():
    """BBB's and the page's times carry milliseconds and microseconds: the SQL's union (ranges of
    microsecond timestamps) and its floor of the seconds equal the rules' on random sub-second mixes."""
    import random

    from live.derive import session_coverage_by_rules

    chance = random.Random(20261123)
    session = LiveSessionFactory(starts_at=START, ends_at=END)
    rows = []
    for person in range(20):
        user = UserFactory()
        for index in range(chance.randint(1, 30)):
            when = at(chance.randint(-3, 62), chance.randint(0, 59)) + timedelta(
                microseconds=chance.randint(0, 999_999)
            )
            kind = chance.choice(["beat", "beat", "hidden", "join", "leave", "interval"])
            source = {"beat": "page", "hidden": "page", "interval": "report"}.get(kind, "bbb")
            rows.append(
                AttendanceEvent(
                    session=session,
                    user=user,
                    source=source,
                    kind=kind,
                    connection=f"c{chance.randint(0, 1)}",
                    occurred_at=when,
                    ends_at=when + timedelta(seconds=chance.randint(0, 900), microseconds=chance.randint(0, 999_999))
                    if kind == "interval"
                    else None,
                    dedupe_key=f"micro:{person}:{index}",
                )
            )
    AttendanceEvent.objects.bulk_create(rows)
    window_end = END - timedelta(microseconds=250_000)
    for now in (None, at(33, 17) + timedelta(microseconds=123_456)):
        by_sql = session_coverage(session_id=session.pk, window_start=START, window_end=window_end, now=now)
        by_rules = session_coverage_by_rules(session_id=session.pk, window_start=START, window_end=window_end, now=now)
        assert by_sql == by_rules
        assert len(by_sql) > 10


@pytest.mark.django_db
def test_set_based_sql_agrees_with_the_rules_on_random_sessions():
    """Random mixes of beats, hidden pages, joins, leaves and report rows on several connections,
    with ties in time; the pure rules are the reference."""
    import random

    from live.derive import session_coverage_by_rules

    chance = random.Random(20260302)
    session = LiveSessionFactory(starts_at=START, ends_at=END)
    rows = []
    for person in range(25):
        user = UserFactory()
        for index in range(chance.randint(0, 40)):
            when = at(chance.choice([-5, 0, 10, 30, 59, 61]) + chance.randint(0, 40), chance.choice([0, 0, 15, 30]))
            kind = chance.choice(["beat", "beat", "beat", "hidden", "join", "leave", "interval"])
            source = {"beat": "page", "hidden": "page", "interval": "report"}.get(kind, "bbb")
            rows.append(
                AttendanceEvent(
                    session=session,
                    user=user,
                    source=source,
                    kind=kind,
                    connection=f"c{chance.randint(0, 2)}",
                    occurred_at=when,
                    ends_at=when + timedelta(minutes=chance.randint(0, 30)) if kind == "interval" else None,
                    dedupe_key=f"random:{person}:{index}",
                )
            )
    AttendanceEvent.objects.bulk_create(rows)
    for now in (None, at(20), at(45, 30)):
        by_sql = session_coverage(session_id=session.pk, window_start=START, window_end=END, now=now)
        by_rules = session_coverage_by_rules(session_id=session.pk, window_start=START, window_end=END, now=now)
        assert by_sql == by_rules
        assert len(by_sql) > 15


EVIDENCE_CASES = {
    # (signals, marks, the last evidence): the latest signal at its own time, a report row at its leave.
    "beats and a leave": ([*beats("tab", at(0), at(40)), bbb("leave", "w_1", at(45))], [], at(45)),
    "a report row ends last": (
        [Signal("report", "interval", "r", at(10), at(70)), bbb("join", "w", at(5))],
        [],
        at(70),
    ),
    # A join without its leave counts at the join: a lost "leave" holds nothing open.
    "an open join": ([bbb("join", "w_1", at(30))], [], at(30)),
    "past the limit: the limit": ([bbb("leave", "w_1", at(400))], [], at(240)),
    "nothing after the start": ([bbb("leave", "w_1", at(-5))], [], None),
    # A presence mark given while the session was open counts; "excused" or one after the limit does not.
    "a presence mark": ([bbb("leave", "w_1", at(20))], [(at(50), "present")], at(50)),
    "marks that say nothing": (
        [bbb("leave", "w_1", at(20))],
        [(at(50), "excused"), (at(55), "absent"), (at(300), "late")],
        at(20),
    ),
}


@pytest.mark.parametrize("name", EVIDENCE_CASES)
def test_evidence_end_hand_computed(name):
    from live.rules import evidence_end

    signals, marks, expected = EVIDENCE_CASES[name]
    assert evidence_end(signals, marks=marks, window_start=START, limit=at(240)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["postgresql", "rules"])
def test_evidence_end_in_sql_agrees_with_the_rule_on_random_sessions(monkeypatch, path):
    """Random events (beats, joins, leaves, report rows, some far past the limit) and marks of
    every status at random times: PostgreSQL's statement and the portable path give the rule's answer."""
    import random

    import live.derive
    from live.derive import session_evidence_end
    from live.models import ManualMark
    from live.rules import evidence_end

    if path == "rules":
        monkeypatch.setattr(live.derive, "connection", type("Portable", (), {"vendor": "sqlite"})())
    chance = random.Random(20261204)
    speaker = UserFactory()
    for round_ in range(12):
        session = LiveSessionFactory(starts_at=START, ends_at=END, actual_started_at=START)
        user = UserFactory()
        signals, marks = [], []
        for index in range(chance.randint(0, 12)):
            when = at(chance.randint(-30, 400), chance.randint(0, 59)) + timedelta(microseconds=chance.randint(0, 999))
            kind = chance.choice(["beat", "hidden", "join", "leave", "interval"])
            ends_at = when + timedelta(minutes=chance.randint(0, 90)) if kind == "interval" else None
            if kind == "interval" and chance.random() < 0.2:
                ends_at = None  # an interval stored without its end counts at its start
            signals.append(Signal("x", kind, "c", when, ends_at))
            AttendanceEvent.objects.create(
                session=session,
                user=user,
                source="page",
                kind=kind,
                connection="c",
                occurred_at=when,
                ends_at=ends_at,
                dedupe_key=f"ev:{round_}:{index}",
            )
        for _index in range(chance.randint(0, 3)):
            mark = ManualMark.objects.create(
                session=session,
                user=user,
                status=chance.choice(["present", "late", "absent", "excused"]),
                comment="x",
                marked_by=speaker,
            )
            when = at(chance.randint(-60, 400))
            ManualMark.objects.filter(pk=mark.pk).update(marked_at=when)  # marked_at is auto_now_add
            marks.append((when, mark.status))
        limit = session.overrun_limit
        expected = evidence_end(signals, marks=marks, window_start=START, limit=limit)
        assert session_evidence_end(session_id=session.pk, window_start=START, limit=limit) == expected
