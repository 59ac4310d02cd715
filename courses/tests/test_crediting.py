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


def beat(participant, lecture, playback, seq, start, end, at, *, rate=1.0, visible=True, release=False):
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
        release=release,
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


def test_a_new_tab_takes_the_lease_over_at_once_and_the_old_one_is_told(store, lecture, participant):
    first, second = uuid.uuid4(), uuid.uuid4()
    beat(participant, lecture, first, 0, 0, 0, T0)
    beat(participant, lecture, second, 0, 50, 50, T0 + 1)  # the viewer's latest choice wins
    refused = beat(participant, lecture, first, 1, 0, 10, T0 + 10)
    assert refused.outcome == BeatOutcome.OTHER_PLAYBACK and not refused.credited
    assert refused.message == "Another tab is playing — this one is paused." and refused.watched_seconds == 0
    credited = beat(participant, lecture, second, 1, 50, 60, T0 + 11)
    assert credited.credited and credited.watched_seconds == 10
    # The old tab stays refused while the new one holds the lease, whatever it reports.
    assert beat(participant, lecture, first, 2, 10, 20, T0 + 20).outcome == BeatOutcome.OTHER_PLAYBACK


def test_two_tabs_on_two_lectures_also_count_once(store, course, lecture, participant):
    other = lecture_make(course=course)
    beat(participant, lecture, (first := uuid.uuid4()), 0, 0, 0, T0)
    beat(participant, other, (second := uuid.uuid4()), 0, 0, 0, T0)
    refused = beat(participant, lecture, first, 1, 0, 10, T0 + 10)
    credited = beat(participant, other, second, 1, 0, 10, T0 + 10)
    assert refused.outcome == BeatOutcome.OTHER_PLAYBACK and refused.watched_seconds == 0
    assert credited.credited and credited.watched_seconds == 10


def test_a_takeover_earns_nothing_for_the_time_before_it_held_the_lease(store, course, lecture, participant):
    """A playback that does not hold the lease takes a free one only from the moment of its beat:
    the span it reports for the time before is not credited (beyond the jitter allowance)."""
    other = lecture_make(course=course)
    first, second = uuid.uuid4(), uuid.uuid4()
    beat(participant, lecture, first, 0, 0, 0, T0)
    beat(participant, other, second, 0, 0, 0, T0 + 1)  # takes the lease over
    beat(participant, other, second, 1, 0, 9, T0 + 10, release=True)  # …and lets it go
    retaken = beat(participant, lecture, first, 1, 0, 30, T0 + 30)
    assert retaken.outcome == BeatOutcome.CAPPED and retaken.watched_seconds <= 2
    # From then on it holds the lease: ten seconds later, ten seconds count.
    assert beat(participant, lecture, first, 2, 30, 40, T0 + 40).watched_seconds == retaken.watched_seconds + 10


def test_the_rate_cap_counts_from_when_the_playback_took_the_lease(store, lecture, participant):
    first = uuid.uuid4()
    beat(participant, lecture, first, 0, 0, 0, T0)
    beat(participant, lecture, first, 1, 0, 5, T0 + 5, visible=False)  # hidden: the lease is let go
    # Visible again at T0 + 100: the beat takes the free lease, 95 s since the previous beat do not count.
    beat(participant, lecture, first, 2, 0, 0, T0 + 100)
    result = beat(participant, lecture, first, 3, 0, 100, T0 + 110, rate=2)
    assert result.outcome == BeatOutcome.CAPPED and result.watched_seconds <= 2 * 10 + 2


def test_the_lease_passes_on_when_the_first_tab_is_hidden_or_silent(store, lecture, participant):
    first, second = uuid.uuid4(), uuid.uuid4()
    beat(participant, lecture, first, 0, 0, 0, T0)
    hidden = beat(participant, lecture, first, 1, 0, 10, T0 + 10, visible=False)  # the lease is let go
    assert hidden.outcome == BeatOutcome.HIDDEN and hidden.watched_seconds == 0
    beat(participant, lecture, second, 0, 10, 10, T0 + 11)
    assert beat(participant, lecture, second, 1, 10, 20, T0 + 21).credited
    # The first tab, visible again, finds the lease held: it is refused.
    assert beat(participant, lecture, first, 2, 10, 10, T0 + 22).outcome == BeatOutcome.OTHER_PLAYBACK
    # The second goes silent (closed, network lost): once its lease runs out the first takes it back.
    beat(participant, lecture, first, 3, 20, 20, T0 + 60)
    assert beat(participant, lecture, first, 4, 20, 30, T0 + 70).watched_seconds == 20  # [10, 30]


def test_the_visible_false_trick_grants_nothing(store, course, lecture, participant):
    """Hiding one tab to beat another, then showing it again with a span over the whole time:
    `visible: false` ended the first tab's credit when it came, the time since is not granted."""
    other = lecture_make(course=course)
    first, second = uuid.uuid4(), uuid.uuid4()
    beat(participant, lecture, first, 0, 0, 0, T0)
    beat(participant, lecture, first, 1, 0, 10, T0 + 10, visible=False)
    beat(participant, other, second, 0, 0, 0, T0 + 10)
    beat(participant, other, second, 1, 0, 10, T0 + 20)
    beat(participant, other, second, 2, 10, 10, T0 + 20, visible=False)
    back = beat(participant, lecture, first, 2, 0, 10, T0 + 20)
    assert back.watched_seconds <= 2  # at most what was left of the jitter allowance


def test_the_beats_the_player_sends_at_the_end_are_not_a_seek(store, lecture, participant):
    """At `ended` the player sends a beat on pause and one on ended before the first is answered,
    both from the last acknowledged position: the second overlaps what is credited, it is no seek."""
    playback = uuid.uuid4()
    watch(participant, lecture, playback, seconds=110)
    closing = beat(participant, lecture, playback, 12, 110, 120, T0 + 120)
    again = beat(participant, lecture, playback, 13, 110, 120, T0 + 120.01, release=True)
    assert closing.outcome == again.outcome == BeatOutcome.CREDITED
    assert again.message == "" and again.completed and again.watched_seconds == 120


def test_a_span_overlapping_the_position_counts_only_its_new_part(store, lecture, participant):
    playback = uuid.uuid4()
    beat(participant, lecture, playback, 0, 0, 0, T0)
    beat(participant, lecture, playback, 1, 0, 10, T0 + 10)
    # The answer to seq 1 was lost: the player sends the whole stretch since what it knows was received.
    result = beat(participant, lecture, playback, 2, 0, 20, T0 + 20)
    assert result.outcome == BeatOutcome.CREDITED and result.watched_seconds == 20
    # Overlapping cannot buy time: the span after the position is still capped by the wall time.
    capped = beat(participant, lecture, playback, 3, 0, 60, T0 + 25)
    assert capped.outcome == BeatOutcome.CAPPED and capped.watched_seconds <= 20 + 5 + 2


def test_a_rewind_is_named_in_plain_words_and_counts_nothing_twice(store, lecture, participant):
    playback = uuid.uuid4()
    watch(participant, lecture, playback, seconds=60)
    rewound = beat(participant, lecture, playback, 7, 10, 10, T0 + 61)
    assert rewound.outcome == BeatOutcome.REWOUND
    assert rewound.message.startswith("The video was rewound past what you watched")
    assert beat(participant, lecture, playback, 8, 10, 20, T0 + 71).watched_seconds == 60


def test_a_released_lease_lets_the_next_lecture_start_at_once(store, course, lecture, participant):
    """The player lets the lease go at `ended` and when the page goes; the next lecture is credited
    from its first beat, and an existing playback elsewhere may take the free lease at once."""
    other = lecture_make(course=course)
    first, second = uuid.uuid4(), uuid.uuid4()
    beat(participant, other, second, 0, 0, 0, T0 - 1)
    watch(participant, lecture, first, seconds=120)
    beat(participant, lecture, first, 13, 120, 120, T0 + 120, release=True)
    beat(participant, other, second, 1, 0, 0, T0 + 121)
    assert beat(participant, other, second, 2, 0, 10, T0 + 131).watched_seconds == 10


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
