"""The lease against a script: whatever a participant's playbacks report, over wall time W they are
credited at most what one viewer could watch at the 2× cap (2 W plus the one jitter allowance).
And the honest viewer loses nothing. Both stores; the server's receipt time is injected."""

import random
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from courses import conf
from courses.beats.stores import progress_store
from courses.services import lecture_progress_flush, lecture_progress_record
from courses.tests.factories import beat_key_for, lecture_make
from courses.tests.test_crediting import T0, beat

pytestmark = [pytest.mark.django_db]

DURATION = 600.0


class Script:
    """A participant's cheating client: playbacks of three lectures beaten in parallel, claiming
    more media than time allows, hiding and showing tabs, seeking, replaying, resending old beats,
    with forged and expired keys now and then."""

    def __init__(self, participant, lectures, rng: random.Random):
        self.participant, self.lectures, self.rng = participant, lectures, rng
        self.playbacks: dict[int, list] = {}  # lecture id → [playback id, seq, position, last beat time]
        self.refused = 0
        self.answers: list = []

    def send(self, lecture, playback, seq, start, end, at, **options):
        start, end = min(start, DURATION), min(end, DURATION)
        try:
            result = beat(self.participant, lecture, playback, seq, start, end, at, **options)
        except (ValidationError, PermissionDenied) as error:
            self.refused += 1
            self.answers.append(type(error).__name__)
            return None
        self.answers.append((result.outcome, result.watched_seconds, result.completed))
        return result

    def open(self, lecture, at, position):
        playback = uuid.uuid4()
        self.playbacks[lecture.id] = [playback, 0, position, at]
        self.send(lecture, playback, 0, position, position, at)

    def step(self, at: float) -> None:
        rng = self.rng
        lecture = rng.choice(self.lectures)
        state = self.playbacks.get(lecture.id)
        roll = rng.random()
        if state is None or roll < 0.12:  # a new tab (or a replay from the start)
            self.open(lecture, at, 0.0 if state is None or roll < 0.04 else state[2])
            return
        playback, seq, position, last = state
        if roll < 0.17:  # a resent, old beat
            self.send(lecture, playback, max(0, seq - rng.randint(0, 2)), max(0, position - 10), position, at)
            return
        if roll < 0.22:  # a seek ahead
            state[1], state[2], state[3] = seq + 1, position + 60, at
            self.send(lecture, playback, seq + 1, position + 60, position + 60, at)
            return
        if roll < 0.26:  # a forged key, then an expired one
            key = beat_key_for(user=self.participant.user, lecture_id=lecture.id, at=at)
            for forged in (
                key[:-4] + "abcd",
                beat_key_for(user=self.participant.user, lecture_id=lecture.id, at=at - 10_000),
            ):
                try:
                    lecture_progress_record(
                        beat_key=forged,
                        lecture_id=lecture.id,
                        playback_id=playback,
                        seq=seq + 1,
                        start=position,
                        end=min(DURATION, position + 100),
                        rate=2.0,
                        visible=True,
                        now=at,
                    )
                except PermissionDenied:
                    self.refused += 1
            return
        # A span claiming much more than the time since this playback's last beat, at any rate,
        # visible or (the trick) not.
        claimed = (at - last) * rng.choice([1, 2, 3, 8]) + rng.choice([0, 2, 10])
        visible = rng.random() > 0.2
        rate = rng.choice([1.0, 2.0, 4.0, 16.0])
        state[1], state[2], state[3] = seq + 1, min(DURATION, position + claimed), at
        self.send(lecture, playback, seq + 1, position, position + claimed, at, rate=rate, visible=visible)

    def total(self) -> float:
        snapshots = progress_store().snapshots(
            user_id=self.participant.user_id, lecture_ids=[x.id for x in self.lectures]
        )
        return sum(snapshot.watched(DURATION) for snapshot in snapshots.values())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_cheating_script_gets_at_most_what_one_viewer_at_twice_the_speed_could(store, course, participant, seed):
    lectures = [lecture_make(course=course, duration=DURATION) for _ in range(3)]
    rng = random.Random(seed)
    script = Script(participant, lectures, rng)
    clock = T0
    for _ in range(250):
        clock += rng.choice([0.0, 0.3, 1.0, 2.0, 5.0, 10.0])
        script.step(clock)
    wall = clock - T0
    total = script.total()
    assert script.refused > 0
    assert 0 < total <= conf.credited_rate_cap() * wall + conf.jitter_seconds() + 1e-6
    lecture_progress_flush()
    assert script.total() == pytest.approx(total)  # the flush stores what was credited, no more


def test_both_stores_answer_the_script_beat_for_beat_the_same(settings, course, season):
    from courses.tests.factories import participant_make

    lectures = [lecture_make(course=course, duration=DURATION) for _ in range(3)]
    answers = {}
    for name, url in (("redis", settings.REDIS_URL), ("database", "")):
        if name == "redis" and not url:
            pytest.skip("Redis is not configured")
        settings.COURSES_REDIS_URL = url
        rng = random.Random(11)
        script = Script(participant_make(season=season), lectures, rng)
        clock = T0
        for _ in range(200):
            clock += rng.choice([0.0, 0.3, 1.0, 2.0, 5.0, 10.0])
            script.step(clock)
        answers[name] = script.answers
    assert answers["redis"] == answers["database"]


def test_parallel_playbacks_of_three_lectures_complete_no_faster_than_one_after_another(store, course, participant):
    lectures = [lecture_make(course=course, duration=120) for _ in range(3)]
    playbacks = [uuid.uuid4() for _ in lectures]
    for lecture, playback in zip(lectures, playbacks):
        beat(participant, lecture, playback, 0, 0, 0, T0)
    # Every 10 s each tab reports 20 s more (2×): only the tab holding the lease gets anything.
    for seq in range(1, 7):
        for lecture, playback in zip(lectures, playbacks):
            beat(participant, lecture, playback, seq, (seq - 1) * 20, seq * 20, T0 + seq * 10, rate=2)
    snapshots = progress_store().snapshots(user_id=participant.user_id, lecture_ids=[x.id for x in lectures])
    watched = sorted(snapshots[lecture.id].watched(120) if lecture.id in snapshots else 0 for lecture in lectures)
    assert sum(watched) <= 2 * 60 + conf.jitter_seconds()
    assert watched[:2] == [0, 0]  # the last one opened holds the lease


def test_an_honest_viewer_watching_three_lectures_in_a_row_gets_them_all_without_a_message(store, course, participant):
    """The player's own pattern: open, a beat every 10 s received with some network delay, the
    beat on pause and the closing beat on `ended` (both from the last acknowledged position), and
    the next lecture opened a moment later."""
    rng = random.Random(7)
    lectures = [lecture_make(course=course, duration=95) for _ in range(3)]
    clock = T0
    for lecture in lectures:
        playback, seq, acked = uuid.uuid4(), 0, 0.0
        messages = [beat(participant, lecture, playback, 0, 0, 0, clock + rng.uniform(0, 0.3)).message]
        position, started = 0.0, clock
        while position < 95:
            position = min(95.0, position + 10)
            seq += 1
            answer = beat(
                participant, lecture, playback, seq, acked, position, started + position + rng.uniform(0, 0.3)
            )
            acked = position
            messages.append(answer.message)
        # `pause` then `ended`: the second leaves before the first is answered.
        seq += 1
        messages.append(beat(participant, lecture, playback, seq, acked - 5, 95, started + 95.4).message)
        seq += 1
        result = beat(participant, lecture, playback, seq, acked - 5, 95, started + 95.5, release=True)
        messages.append(result.message)
        assert messages == [""] * len(messages)
        assert result.watched_seconds >= 0.95 * 95 and result.completed
        clock = started + 97
