"""The crediting rules of the progress protocol, on both stores, with the server time injected."""

import time
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from courses.beats.rules import BeatOutcome
from courses.models import LectureProgress
from courses.selectors import required_lectures_completion
from courses.services import deadline_extension_grant, lecture_progress_flush, lecture_progress_record
from courses.tests.factories import beat_key_for, lecture_make, participant_make

T0 = time.time()  # server receipt times are injected from here on; no test sleeps


def beat(participant, lecture, playback, seq, start, end, at, *, rate=1.0, visible=True):
    """One beat received at `at`, with the key the lecture API would have handed out at that time."""
    return lecture_progress_record(
        beat_key=beat_key_for(user=participant.user, lecture_id=lecture.id, at=at),
        lecture_id=lecture.id,
        playback_id=playback,
        seq=seq,
        start=start,
        end=end,
        rate=rate,
        visible=visible,
        now=at,
    )


def watch(participant, lecture, playback, *, start=0.0, seconds=120.0, step=10.0, at=T0, rate=1.0, seq=0):
    """Open a playback at `start` and play `seconds` of media at `rate`, one beat per `step` s."""
    result = beat(participant, lecture, playback, seq, start, start, at, rate=rate)
    position, clock = start, at
    while position < start + seconds - 1e-9:
        advance = min(step * rate, start + seconds - position)
        clock += advance / rate
        seq += 1
        result = beat(participant, lecture, playback, seq, position, position + advance, clock, rate=rate)
        position += advance
    return result


pytestmark = [pytest.mark.django_db]


def test_the_opening_beat_credits_nothing_and_plain_watching_is_credited(store, lecture, participant):
    playback = uuid.uuid4()
    opened = beat(participant, lecture, playback, 0, 0, 0, T0)
    assert opened.outcome == BeatOutcome.OPENED and opened.watched_seconds == 0
    result = beat(participant, lecture, playback, 1, 0, 10, T0 + 10)
    assert result.credited and result.watched_seconds == 10
    assert result.progress == pytest.approx(10 / 120, abs=1e-3)


def test_whole_video_watched_is_completed(store, lecture, participant):
    result = watch(participant, lecture, uuid.uuid4())
    assert result.progress == 1.0 and result.completed


def test_seek_to_the_end_is_not_completed(store, lecture, participant):
    playback = uuid.uuid4()
    beat(participant, lecture, playback, 0, 0, 0, T0)
    beat(participant, lecture, playback, 1, 0, 5, T0 + 5)
    # The player reports the jump (from = to = the new position), then plays the last seconds.
    jump = beat(participant, lecture, playback, 2, 110, 110, T0 + 6)
    assert jump.outcome == BeatOutcome.SEEK
    result = beat(participant, lecture, playback, 3, 110, 120, T0 + 16)
    assert result.watched_seconds == 15 and not result.completed


def test_a_span_that_does_not_continue_the_position_is_a_seek(store, lecture, participant):
    playback = uuid.uuid4()
    beat(participant, lecture, playback, 0, 0, 0, T0)
    result = beat(participant, lecture, playback, 1, 100, 110, T0 + 10)
    assert result.outcome == BeatOutcome.SEEK and result.watched_seconds == 0


def test_double_speed_is_credited(store, lecture, participant):
    result = watch(participant, lecture, uuid.uuid4(), rate=2.0)
    assert result.watched_seconds == 120 and result.completed


def test_four_times_speed_is_capped_at_twice(store, lecture, participant):
    playback = uuid.uuid4()
    beat(participant, lecture, playback, 0, 0, 0, T0, rate=4)
    # 40 s of media in 10 s of server time at 4×: at most 2 × 10 + 2 s are plausible.
    result = beat(participant, lecture, playback, 1, 0, 40, T0 + 10, rate=4)
    assert result.outcome == BeatOutcome.CAPPED and result.watched_seconds == 22
    result = beat(participant, lecture, playback, 2, 40, 80, T0 + 20, rate=4)
    assert result.watched_seconds == 42  # the jitter allowance was spent, it does not come back per beat


def test_claiming_a_slow_rate_does_not_stretch_the_clock(store, lecture, participant):
    playback = uuid.uuid4()
    beat(participant, lecture, playback, 0, 0, 0, T0, rate=0.5)
    result = beat(participant, lecture, playback, 1, 0, 10, T0 + 10, rate=0.5)
    assert result.watched_seconds == 7  # 0.5 × 10 + 2


def test_many_tiny_beats_cannot_add_the_jitter_allowance_each_time(store, lecture, participant):
    playback = uuid.uuid4()
    beat(participant, lecture, playback, 0, 0, 0, T0)
    position = 0.0
    for seq in range(1, 21):
        beat(participant, lecture, playback, seq, position, position + 2, T0 + seq * 0.1)
        position += 2
    result = beat(participant, lecture, playback, 21, position, position, T0 + 2.1)
    # 2 s of server time at 1× plus one 2 s allowance, not 20 × 2 s.
    assert result.watched_seconds <= 4.1


def test_hidden_tab_credits_nothing(store, lecture, participant):
    playback = uuid.uuid4()
    beat(participant, lecture, playback, 0, 0, 0, T0)
    result = beat(participant, lecture, playback, 1, 0, 10, T0 + 10, visible=False)
    assert result.outcome == BeatOutcome.HIDDEN and result.watched_seconds == 0 and result.message


def test_two_tabs_only_one_is_credited(store, lecture, participant):
    first, second = uuid.uuid4(), uuid.uuid4()
    beat(participant, lecture, first, 0, 0, 0, T0)
    beat(participant, lecture, second, 0, 50, 50, T0 + 1)
    credited = beat(participant, lecture, first, 1, 0, 10, T0 + 10)
    refused = beat(participant, lecture, second, 1, 50, 60, T0 + 11)
    assert credited.credited
    assert refused.outcome == BeatOutcome.OTHER_PLAYBACK and "another tab" in refused.message
    assert refused.watched_seconds == 10


def test_two_tabs_on_two_lectures_also_count_once(store, course, lecture, participant):
    other = lecture_make(course=course)
    beat(participant, lecture, (first := uuid.uuid4()), 0, 0, 0, T0)
    beat(participant, other, (second := uuid.uuid4()), 0, 0, 0, T0)
    beat(participant, lecture, first, 1, 0, 10, T0 + 10)
    refused = beat(participant, other, second, 1, 0, 10, T0 + 10)
    assert refused.outcome == BeatOutcome.OTHER_PLAYBACK and refused.watched_seconds == 0


def test_the_lease_passes_on_when_the_first_tab_is_hidden_or_silent(store, lecture, participant):
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    beat(participant, lecture, first, 0, 0, 0, T0)
    beat(participant, lecture, first, 1, 0, 10, T0 + 10, visible=False)  # hidden: the lease is released
    beat(participant, lecture, second, 0, 10, 10, T0 + 11)
    assert beat(participant, lecture, second, 1, 10, 20, T0 + 21).credited
    # The second tab goes silent (closed, network lost): after the lease runs out a new one counts.
    beat(participant, lecture, third, 0, 20, 20, T0 + 22)
    assert beat(participant, lecture, third, 1, 20, 30, T0 + 32).outcome == BeatOutcome.OTHER_PLAYBACK
    assert beat(participant, lecture, third, 2, 30, 40, T0 + 60).credited


def test_duplicated_and_out_of_order_beats_change_nothing(store, lecture, participant):
    playback = uuid.uuid4()
    beat(participant, lecture, playback, 0, 0, 0, T0)
    first = beat(participant, lecture, playback, 1, 0, 10, T0 + 10)
    again = beat(participant, lecture, playback, 1, 0, 10, T0 + 10.5)
    assert again.outcome == BeatOutcome.DUPLICATE and again.watched_seconds == first.watched_seconds == 10
    beat(participant, lecture, playback, 3, 20, 30, T0 + 30)  # seq 2 is still on its way
    late = beat(participant, lecture, playback, 2, 10, 20, T0 + 31)
    assert late.outcome == BeatOutcome.DUPLICATE and late.watched_seconds == 10
    reopened = beat(participant, lecture, playback, 0, 0, 0, T0 + 32)
    assert reopened.outcome == BeatOutcome.DUPLICATE


def test_watching_the_same_minute_twice_counts_once(store, lecture, participant):
    watch(participant, lecture, uuid.uuid4(), seconds=60)
    result = watch(participant, lecture, uuid.uuid4(), seconds=60, at=T0 + 1000)
    assert result.watched_seconds == 60 and result.progress == 0.5


def test_reconnect_after_network_loss(store, lecture, participant):
    playback = uuid.uuid4()
    beat(participant, lecture, playback, 0, 0, 0, T0)
    beat(participant, lecture, playback, 1, 0, 10, T0 + 10)
    # Beats 2 and 3 were lost; the player kept the last acknowledged position and sends the whole stretch.
    result = beat(participant, lecture, playback, 4, 10, 40, T0 + 40)
    assert result.credited and result.watched_seconds == 40
    # After a long loss the page opens a new playback where it stands and carries on.
    replay = uuid.uuid4()
    beat(participant, lecture, replay, 0, 40, 40, T0 + 400)
    result = beat(participant, lecture, replay, 1, 40, 50, T0 + 410)
    assert result.credited and result.watched_seconds == 50


def test_an_unknown_playback_must_be_opened_first(store, lecture, participant):
    with pytest.raises(ValidationError) as error:
        beat(participant, lecture, uuid.uuid4(), 3, 0, 10, T0)
    assert "playback_id" in error.value.message_dict


@pytest.mark.parametrize(
    ("start", "end", "rate", "field"),
    [(-5, 3, 1, "from"), (10, 5, 1, "to"), (100, 130, 1, "to"), (0, 5, 0, "rate"), (0, 5, 100, "rate")],
)
def test_bad_beats_are_refused_and_change_nothing(store, lecture, participant, start, end, rate, field):
    playback = uuid.uuid4()
    beat(participant, lecture, playback, 0, 0, 0, T0)
    beat(participant, lecture, playback, 1, 0, 10, T0 + 10)
    with pytest.raises(ValidationError) as error:
        beat(participant, lecture, playback, 2, start, end, T0 + 20, rate=rate)
    assert field in error.value.message_dict
    assert beat(participant, lecture, playback, 2, 10, 10, T0 + 21).watched_seconds == 10


def test_unknown_lecture_and_not_enrolled(store, season, lecture, participant):
    with pytest.raises(Http404):
        beat_key_for(user=participant.user, lecture_id=999999)
    pro = participant_make(season=season, level="pro")  # the advanced track: not this course
    with pytest.raises(PermissionDenied, match="not enrolled"):
        beat(pro, lecture, uuid.uuid4(), 0, 0, 0, T0)


def test_beats_after_the_deadline_credit_nothing(store, course, participant):
    deadline = timezone.now() + timedelta(hours=1)
    lecture = lecture_make(course=course, deadline=deadline)
    playback = uuid.uuid4()
    start = deadline.timestamp() - 15
    beat(participant, lecture, playback, 0, 0, 0, start)
    assert beat(participant, lecture, playback, 1, 0, 10, start + 10).watched_seconds == 10
    with pytest.raises(PermissionDenied, match="closed"):
        beat(participant, lecture, playback, 2, 10, 20, start + 20)
    lecture_progress_flush()
    assert LectureProgress.objects.get(user=participant.user, lecture=lecture).watched_seconds == 10


def test_not_yet_open_lecture_refuses_beats(store, course, participant):
    lecture = lecture_make(course=course, available_from=timezone.now() + timedelta(days=1))
    with pytest.raises(PermissionDenied, match="opens"):
        beat(participant, lecture, uuid.uuid4(), 0, 0, 0, T0)


def test_a_completion_within_an_extension_counts(store, course, participant, django_user_model):
    deadline = timezone.now() + timedelta(hours=1)
    lecture = lecture_make(course=course, deadline=deadline, duration=60)
    staff = django_user_model.objects.create(username="curator")
    deadline_extension_grant(
        user=participant.user, lecture=lecture, deadline=deadline + timedelta(days=2), reason="Болел", granted_by=staff
    )
    late = deadline.timestamp() + 3600  # after the policy deadline, inside the extension
    result = watch(participant, lecture, uuid.uuid4(), seconds=60, at=late)
    assert result.completed
    lecture_progress_flush()
    completion = required_lectures_completion(season_id=course.season_id, track=course.track)
    assert lecture.id in completion["completed"][participant.user_id]
    assert completion["deadlines"][participant.user_id][lecture.id] == deadline + timedelta(days=2)


def test_a_lecture_threshold_overrides_the_setting(store, course, participant, settings):
    lecture = lecture_make(course=course, duration=100, threshold=0.5)
    assert watch(participant, lecture, uuid.uuid4(), seconds=50).completed
    settings.COURSES_COMPLETION_THRESHOLD = 0.6
    other = lecture_make(course=course, duration=100)
    assert not watch(participant, other, uuid.uuid4(), seconds=50, at=T0 + 500).completed
    assert watch(participant, other, uuid.uuid4(), start=50, seconds=10, at=T0 + 1000).completed


def test_spans_credited_in_any_order_merge_into_their_union(store, lecture, participant):
    watch(participant, lecture, uuid.uuid4(), start=50, seconds=10)
    assert watch(participant, lecture, uuid.uuid4(), start=0, seconds=10, at=T0 + 100).watched_seconds == 20
    assert watch(participant, lecture, uuid.uuid4(), start=30, seconds=5, at=T0 + 200).watched_seconds == 25
    result = watch(participant, lecture, uuid.uuid4(), start=5, seconds=50, at=T0 + 300)
    assert result.watched_seconds == 60
    lecture_progress_flush()
    row = LectureProgress.objects.get(user=participant.user, lecture=lecture)
    assert row.spans == [[0.0, 60.0]] and row.watched_seconds == 60
