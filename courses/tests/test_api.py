import json
import time
import uuid
import zoneinfo
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone, translation

from courses import conf
from courses.apis import beat_answer_json
from courses.beats.rules import OUTCOME_MESSAGES, BeatOutcome, BeatResult
from courses.beats.stores import progress_store
from courses.models import DeadlineExtension, LecturePage, LectureProgress
from courses.selectors import required_lectures_completion
from courses.services import deadline_extension_grant, lecture_draft_create
from courses.tests.factories import beat_key_for, course_make, lecture_make, participant_make, video_make

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def client_of(api_client):
    def make(participant):
        api_client.force_authenticate(participant.user)
        return api_client

    return make


def post_beat(client, lecture_id: int, body, *, key: str | None):
    """Beats are not cookie- or token-authenticated: the signed beat key is the credential."""
    headers = {"HTTP_X_BEAT_KEY": key} if key is not None else {}
    return client.post(f"/api/v1/lectures/{lecture_id}/progress/", body, format="json", **headers)


def opening(**fields) -> dict:
    return {"playback_id": str(uuid.uuid4()), "seq": 0, "from": 0, "to": 0, "rate": 1, "visible": True, **fields}


def test_list_shows_open_upcoming_and_closed_with_playback_only_when_open(store, course, participant, client_of):
    now = timezone.now()
    open_ = lecture_make(course=course)
    upcoming = lecture_make(course=course, available_from=now + timedelta(days=2), deadline=now + timedelta(days=9))
    closed = lecture_make(course=course, available_from=now - timedelta(days=9), deadline=now - timedelta(days=2))
    lecture_make(course=course, live=False)  # a draft is not shown
    response = client_of(participant).get("/api/v1/lectures/")
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()}
    assert set(rows) == {open_.id, upcoming.id, closed.id}
    assert rows[open_.id]["state"] == "open" and "/hls/" in rows[open_.id]["playback_url"]
    assert rows[upcoming.id]["state"] == "upcoming" and rows[upcoming.id]["playback_url"] is None
    assert rows[closed.id]["state"] == "closed" and rows[closed.id]["playback_url"] is None
    assert "closed on" in rows[closed.id]["reason"] or "закрыт" in rows[closed.id]["reason"]
    assert set(rows[open_.id]) >= {
        "id",
        "title",
        "course",
        "duration",
        "available_from",
        "deadline",
        "state",
        "progress",
    }
    assert rows[open_.id]["duration"] == 120.0 and rows[open_.id]["course"]["id"] == course.id


def test_other_tracks_lectures_are_not_listed_and_answer_403(store, season, course, client_of):
    lecture = lecture_make(course=course)
    pro = participant_make(season=season, level="pro")
    client = client_of(pro)
    assert client.get("/api/v1/lectures/").json() == []
    response = client.get(f"/api/v1/lectures/{lecture.id}/")
    assert response.status_code == 403 and "not enrolled" in response.json()["detail"]
    assert client.post(f"/api/v1/lectures/{lecture.id}/playback/").status_code == 403


def test_detail_applies_the_extension_and_progress(store, course, participant, client_of, django_user_model):
    deadline = timezone.now() + timedelta(days=1)
    lecture = lecture_make(course=course, deadline=deadline)
    deadline_extension_grant(
        user=participant.user,
        course=course,
        deadline=deadline + timedelta(days=3),
        reason="Сессия в вузе",
        granted_by=django_user_model.objects.create(username="curator"),
    )
    client = client_of(participant)
    key = client.get(f"/api/v1/lectures/{lecture.id}/").json()["beat_key"]
    assert post_beat(client, lecture.id, opening(), key=key).status_code == 200
    row = client.get(f"/api/v1/lectures/{lecture.id}/").json()
    assert row["deadline"].startswith(
        str((deadline + timedelta(days=3)).astimezone(timezone.get_current_timezone()).date())
    )
    assert row["progress"] == 0


def test_playback_url_renewal_is_refused_after_the_deadline(store, course, participant, client_of):
    lecture = lecture_make(course=course)
    client = client_of(participant)
    renewed = client.post(f"/api/v1/lectures/{lecture.id}/playback/")
    assert renewed.status_code == 200 and "token=" in renewed.json()["playback_url"]
    assert renewed.json()["beat_key"].startswith(f"{participant.user_id}:{lecture.id}:")
    LecturePage.objects.filter(pk=lecture.pk).update(
        available_from=timezone.now() - timedelta(days=3), deadline=timezone.now() - timedelta(minutes=1)
    )
    refused = client.post(f"/api/v1/lectures/{lecture.id}/playback/")
    assert refused.status_code == 403 and "closed" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"from": -1, "to": 0}, 400, "from"),
        ({"from": 10, "to": 5, "seq": 1}, 400, "to"),
        ({"from": 0, "to": 500, "seq": 1}, 400, "to"),
        ({"rate": 50}, 400, "rate"),
        ({"playback_id": "not-a-uuid"}, 400, "playback_id"),
        ({"seq": -1}, 400, "seq"),
        ({"visible": "maybe"}, 400, "visible"),
        ({"seq": True}, 400, "seq"),
        ({"from": "0"}, 400, "from"),
        ({"rate": None}, 400, "rate"),
    ],
)
def test_bad_beats_answer_400_with_a_message(store, lecture, participant, client_of, body, status, field):
    key = beat_key_for(user=participant.user, lecture_id=lecture.id)
    response = post_beat(client_of(participant), lecture.id, opening(**body), key=key)
    assert response.status_code == status and field in response.json()
    assert not LectureProgress.objects.filter(lecture=lecture).exists()


@pytest.mark.parametrize("body", [[1, 2], "not json"])
def test_a_beat_that_is_not_an_object_is_refused(store, lecture, participant, api_client, body):
    key = beat_key_for(user=participant.user, lecture_id=lecture.id)
    if body == "not json":
        response = api_client.post(
            f"/api/v1/lectures/{lecture.id}/progress/", body, content_type="application/json", HTTP_X_BEAT_KEY=key
        )
    else:
        response = post_beat(api_client, lecture.id, body, key=key)
    assert response.status_code == 400 and response.json()["detail"]


def test_unknown_lecture_is_404_and_a_beat_without_a_key_is_refused(store, lecture, participant, api_client):
    missing = post_beat(api_client, lecture.id, opening(), key=None)
    assert missing.status_code == 403 and "X-Beat-Key" in missing.json()["detail"]
    # Cookies or a token do not stand in for the key: beats are judged without the session store.
    api_client.force_authenticate(participant.user)
    assert post_beat(api_client, lecture.id, opening(), key=None).status_code == 403
    key = beat_key_for(user=participant.user, lecture_id=lecture.id)
    response = post_beat(api_client, 987654, opening(), key=key)
    assert response.status_code == 404 and response.json()["detail"]
    assert post_beat(api_client, 987654, [1], key=None).status_code == 404


def test_a_key_is_handed_out_only_while_the_participant_may_watch(store, course, participant, client_of):
    now = timezone.now()
    open_ = lecture_make(course=course)
    closed = lecture_make(course=course, available_from=now - timedelta(days=9), deadline=now - timedelta(days=2))
    rows = {row["id"]: row for row in client_of(participant).get("/api/v1/lectures/").json()}
    assert rows[open_.id]["beat_key"] and rows[closed.id]["beat_key"] is None


def _resigned(key: str, **changes) -> str:
    """A key with some claims rewritten and the old signature kept: what a forger can make."""
    *values, signature = key.split(":")
    claims = dict(
        zip(["user_id", "lecture_id", "expires", "deadline", "duration", "threshold", "zone"], values, strict=True)
    )
    claims.update({name: str(value) for name, value in changes.items()})
    return ":".join([*claims.values(), signature])


def test_forged_keys_are_refused_with_a_message_and_change_nothing(store, season, lecture, participant, api_client):
    key = beat_key_for(user=participant.user, lecture_id=lecture.id)
    other = participant_make(season=season)
    _user, _lecture, expires, deadline, *_rest = key.split(":")
    forged = [
        key[:-2] + ("AA" if not key.endswith("AA") else "BB"),  # a signature that does not match
        _resigned(key, user_id=other.user_id),  # another participant's progress
        _resigned(key, expires=float(expires) + 86400),  # a longer life
        _resigned(key, deadline=float(deadline) + 86400 * 30),  # a later deadline
        _resigned(key, threshold=0.01),
        "garbage",
        "",
    ]
    playback = str(uuid.uuid4())
    assert post_beat(api_client, lecture.id, opening(playback_id=playback), key=key).status_code == 200
    for seq, bad in enumerate(forged, start=1):
        # One media second within the jitter allowance: it would be credited with a genuine key.
        response = post_beat(api_client, lecture.id, opening(playback_id=playback, seq=seq, to=1.0), key=bad)
        assert response.status_code == 403, bad
        answer = response.json()
        assert "not valid" in answer["detail"] or "X-Beat-Key" in answer["detail"]
        assert answer["renew"] is False
    for person in (participant, other):
        snapshot = progress_store().snapshots(user_id=person.user_id, lecture_ids=[lecture.id]).get(lecture.id)
        assert snapshot is None or snapshot.spans == []
    genuine = post_beat(api_client, lecture.id, opening(playback_id=playback, seq=1, to=1.0), key=key)
    assert genuine.status_code == 200 and genuine.json()["watched_seconds"] == 1.0


def test_a_key_for_another_lecture_is_refused(store, course, lecture, participant, api_client):
    other = lecture_make(course=course)
    key = beat_key_for(user=participant.user, lecture_id=lecture.id)
    response = post_beat(api_client, other.id, opening(), key=key)
    assert response.status_code == 403 and "another lecture" in response.json()["detail"]


def test_an_expired_key_is_refused_and_the_player_is_told_to_renew(store, lecture, participant, api_client):
    key = beat_key_for(user=participant.user, lecture_id=lecture.id, at=time.time() - conf.beat_key_seconds() - 1)
    response = post_beat(api_client, lecture.id, opening(), key=key)
    assert response.status_code == 403 and "expired" in response.json()["detail"]
    assert response.json()["renew"] is True


def test_a_beat_after_the_keys_deadline_is_refused_until_a_renewal_brings_an_extension(
    store, course, participant, client_of, django_user_model
):
    deadline = timezone.now() - timedelta(seconds=10)
    lecture = lecture_make(course=course, available_from=deadline - timedelta(days=5), deadline=deadline)
    client = client_of(participant)
    # Handed out a minute before the deadline, still unexpired: the deadline it carries has passed.
    key = beat_key_for(user=participant.user, lecture_id=lecture.id, at=deadline.timestamp() - 60)
    refused = post_beat(client, lecture.id, opening(), key=key)
    assert refused.status_code == 403 and refused.json()["renew"] is True and "closed" in refused.json()["detail"]
    assert client.post(f"/api/v1/lectures/{lecture.id}/playback/").status_code == 403  # the renewal agrees
    deadline_extension_grant(
        user=participant.user,
        lecture=lecture,
        deadline=deadline + timedelta(days=2),
        reason="Болел",
        granted_by=django_user_model.objects.create(username="curator"),
    )
    renewed = client.post(f"/api/v1/lectures/{lecture.id}/playback/")
    assert renewed.status_code == 200
    assert post_beat(client, lecture.id, opening(), key=key).status_code == 403  # the old key keeps its deadline
    assert post_beat(client, lecture.id, opening(), key=renewed.json()["beat_key"]).status_code == 200


def test_a_refusal_after_the_deadline_names_it_in_the_participants_own_time(store, course, participant, client_of):
    deadline = timezone.now() - timedelta(seconds=10)
    lecture = lecture_make(course=course, available_from=deadline - timedelta(days=5), deadline=deadline)
    kamchatka = zoneinfo.ZoneInfo("Asia/Kamchatka")  # UTC+12, nine hours ahead of Moscow
    with timezone.override(kamchatka):
        key = beat_key_for(user=participant.user, lecture_id=lecture.id, at=deadline.timestamp() - 60)
    refused = post_beat(client_of(participant), lecture.id, opening(), key=key)
    assert refused.status_code == 403 and refused.json()["renew"] is True
    detail = refused.json()["detail"]
    assert deadline.astimezone(kamchatka).strftime("%H:%M") in detail
    assert deadline.astimezone(zoneinfo.ZoneInfo("Europe/Moscow")).strftime("%H:%M") not in detail


def test_a_key_of_an_older_shape_is_stale_not_an_error(store, lecture, participant, client_of):
    from courses.beats.keys import PURPOSE
    from lms.signing import token_sign

    key = beat_key_for(user=participant.user, lecture_id=lecture.id)
    fields = key.split(":")[:-3]  # without the zone, as keys were before it
    older = token_sign(purpose=PURPOSE, fields=fields, expires=time.time() + 60)
    response = post_beat(client_of(participant), lecture.id, opening(), key=older)
    assert response.status_code == 403 and response.json()["renew"] is True


def test_progress_answer_tells_when_a_beat_got_no_credit(store, lecture, participant, client_of):
    client = client_of(participant)
    key = beat_key_for(user=participant.user, lecture_id=lecture.id)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    post_beat(client, lecture.id, opening(playback_id=first), key=key)
    post_beat(client, lecture.id, opening(playback_id=second), key=key)
    answer = post_beat(client, lecture.id, opening(playback_id=first, seq=1, to=0.5), key=key).json()
    assert answer["credited"] is False and answer["outcome"] == "other_playback" and answer["message"]
    assert set(answer) >= {"progress", "watched_seconds", "completed"}


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("completed", [True, False])
def test_the_written_out_beat_answer_is_the_json_of_the_result(language, completed):
    outcomes = [value for name, value in vars(BeatOutcome).items() if name.isupper()]
    for outcome in outcomes:
        result = BeatResult(outcome, 1234.567, 0.3429, completed)
        with translation.override(language):
            expected = {
                "progress": 0.3429,
                "watched_seconds": 1234.567,
                "completed": completed,
                "credited": result.credited,
                "outcome": outcome,
                "message": result.message,
            }
        assert json.loads(beat_answer_json(result, language=language)) == expected
    # The Russian lines are sent as UTF-8 text, as the JSON encoder with ensure_ascii=False wrote them.
    hidden = beat_answer_json(BeatResult(BeatOutcome.HIDDEN, 0.0, 0.0, False), language="ru").decode()
    assert "\\u" not in hidden and "скрыт" in hidden


def test_the_answer_speaks_the_language_of_the_request(store, lecture, participant, client_of):
    client = client_of(participant)
    key = beat_key_for(user=participant.user, lecture_id=lecture.id)
    playback = str(uuid.uuid4())
    post_beat(client, lecture.id, opening(playback_id=playback), key=key)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ru"
    answer = post_beat(client, lecture.id, opening(playback_id=playback, seq=1, visible=False), key=key).json()
    with translation.override("ru"):
        assert answer["outcome"] == "hidden" and answer["message"] == str(OUTCOME_MESSAGES["hidden"])
    assert answer["message"] != "The page was hidden: time watched in a hidden tab is not counted."


def test_a_playback_id_in_another_spelling_is_the_same_playback(store, lecture, participant, client_of):
    client = client_of(participant)
    key = beat_key_for(user=participant.user, lecture_id=lecture.id)
    playback = uuid.uuid4()
    assert post_beat(client, lecture.id, opening(playback_id=str(playback).upper()), key=key).status_code == 200
    later = opening(playback_id="{" + playback.hex + "}", seq=1, to=1.0)
    answer = post_beat(client, lecture.id, later, key=key).json()
    assert answer["outcome"] == "credited" and answer["watched_seconds"] == 1.0


@pytest.mark.parametrize("count", [2, 3])
def test_list_query_count_is_fixed(store, season, participant, client_of, django_assert_num_queries, count):
    for _ in range(2):
        course = course_make(season=season)
        for _ in range(count):
            lecture_make(course=course)
    client = client_of(participant)
    # session-less auth (force_authenticate); participant + season, courses, lectures, their videos,
    # progress rows (the Redis store adds no query), Wagtail's site root paths for the page URLs
    # (once, then cached). Nobody has an extension: none are read.
    with django_assert_num_queries(6):
        response = client.get("/api/v1/lectures/")
    assert len(response.json()) == 2 * count


@pytest.mark.parametrize("people", [3, 4])
def test_required_lectures_completion_query_count_is_fixed(season, course, django_assert_num_queries, people):
    lectures = [lecture_make(course=course) for _ in range(3)]
    lecture_make(course=course, required=False)
    users = [participant_make(season=season).user_id for _ in range(people)]
    # courses, lectures, their videos, completions (nobody has an extension: none are read)
    with django_assert_num_queries(4):
        result = required_lectures_completion(season_id=season.id, track="introductory", user_ids=users)
    assert [item["id"] for item in result["lectures"]] == [lecture.id for lecture in lectures]


def test_extensions_only_move_the_deadline_later(course, participant, django_user_model):
    deadline = timezone.now() + timedelta(days=1)
    lecture = lecture_make(course=course, deadline=deadline)
    staff = django_user_model.objects.create(username="curator")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        deadline_extension_grant(
            user=participant.user, lecture=lecture, deadline=deadline - timedelta(hours=1), reason="x", granted_by=staff
        )
    assert "deadline" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        deadline_extension_grant(
            user=participant.user, lecture=lecture, deadline=deadline + timedelta(hours=1), reason=" ", granted_by=staff
        )
    assert "reason" in error.value.message_dict
    extension = deadline_extension_grant(
        user=participant.user, lecture=lecture, deadline=deadline + timedelta(hours=1), reason="Болел", granted_by=staff
    )
    assert extension.granted_by == staff and extension.granted_at is not None
    with pytest.raises(IntegrityError):
        DeadlineExtension.objects.filter(pk=extension.pk).update(deadline=deadline - timedelta(days=1))


def test_lecture_draft_create_makes_an_unpublished_draft(course):
    video = video_make()
    lecture = lecture_draft_create(
        course_id=course.id, title="Запись эфира", video_asset_id=video.id, source_live_session_id=42
    )
    lecture.refresh_from_db()
    assert not lecture.live and lecture.has_unpublished_changes
    assert lecture.get_parent().specific == course and lecture.source_live_session_id == 42
    assert lecture.video_id == video.id and lecture.get_latest_revision() is not None


@pytest.mark.parametrize("count", [2, 3])
def test_staff_figures_query_count_is_fixed(season, course, django_assert_num_queries, count):
    from courses.selectors import lecture_figures_for_staff

    for _ in range(count):
        lecture_make(course=course)
    # courses, lectures, their videos, progress aggregated per lecture
    with django_assert_num_queries(4):
        figures = lecture_figures_for_staff(season_id=season.id, track="introductory", participant_count=5)
    assert len(figures) == count


@pytest.mark.parametrize("count", [2, 3])
def test_cabinet_rows_query_count_is_fixed(store, season, course, participant, django_assert_num_queries, count):
    from courses.selectors import lecture_rows_for_participant

    for _ in range(count):
        lecture_make(course=course)
    # courses, lectures, their videos, progress rows (nobody has an extension: none are read)
    with django_assert_num_queries(4):
        rows = lecture_rows_for_participant(participant=participant)
    assert len(rows) == count


def test_required_lectures_completion_counts_only_completions_in_time_the_same_on_both_paths(
    season, course, django_user_model
):
    from courses.selectors import completion

    now = timezone.now()
    opened = now - timedelta(days=10)
    with_deadline = lecture_make(course=course, available_from=opened, deadline=now - timedelta(days=1))
    open_ended = lecture_make(course=course, available_from=opened, deadline=None)
    lecture_make(course=course, required=False, available_from=opened, deadline=now - timedelta(days=1))
    in_time, late, extended, nothing = (participant_make(season=season).user for _ in range(4))
    staff = django_user_model.objects.create(username="curator-both-paths")
    deadline_extension_grant(
        user=extended, lecture=with_deadline, deadline=now + timedelta(days=3), reason="Ill", granted_by=staff
    )

    def done(user, lecture, at):
        LectureProgress.objects.create(user=user, lecture=lecture, progress=1, completed_at=at)

    done(in_time, with_deadline, now - timedelta(days=2))
    done(in_time, open_ended, now)
    done(late, with_deadline, now)  # after the deadline, no extension
    done(late, open_ended, now - timedelta(days=5))
    done(extended, with_deadline, now)  # after the deadline, within the extension
    LectureProgress.objects.create(user=nothing, lecture=with_deadline, progress=0.5)

    expected = {
        in_time.id: {with_deadline.id, open_ended.id},
        late.id: {open_ended.id},
        extended.id: {with_deadline.id},
    }
    answer = required_lectures_completion(season_id=season.id, track="introductory")["completed"]
    assert {user_id: set(ids) for user_id, ids in answer.items()} == expected
    # The SQL path (this suite runs on PostgreSQL) and the embedded demo's row-by-row path agree.
    policy = {with_deadline.id: with_deadline.deadline, open_ended.id: None}
    extensions = {extended.id: {with_deadline.id: now + timedelta(days=3)}}
    for path in (completion._completions_in_time, completion._completions_in_time_sql):
        for user_ids in (None, [late.id, extended.id]):
            answer = path(policy=policy, extensions=extensions, user_ids=user_ids)
            wanted = {user_id: ids for user_id, ids in expected.items() if user_ids is None or user_id in user_ids}
            assert {user_id: set(ids) for user_id, ids in answer.items()} == wanted, (path, user_ids)


@pytest.mark.parametrize("store", ["redis"], indirect=True)
def test_a_beat_from_a_logged_in_browser_reads_neither_session_nor_database(
    store, lecture, participant, client, django_assert_num_queries
):
    # The player's fetch carries the session cookie; the signed key is what counts, and the beat
    # must not cost a session read (a database query per beat with the default session store).
    client.force_login(participant.user)
    key = beat_key_for(user=participant.user, lecture_id=lecture.id)
    with django_assert_num_queries(0):
        response = client.post(
            f"/api/v1/lectures/{lecture.id}/progress/",
            opening(),
            content_type="application/json",
            HTTP_X_BEAT_KEY=key,
        )
    assert response.status_code == 200, response.content


def test_the_grant_says_when_to_renew_before_the_url_or_the_key_expires(
    store, course, participant, client_of, client, settings
):
    lecture = lecture_make(course=course)
    # The defaults: both live five minutes, so the player renews every four (not every minute).
    client.force_login(participant.user)
    assert 'data-renew-seconds="240"' in client.get(lecture.url).content.decode()
    client = client_of(participant)
    assert client.post(f"/api/v1/lectures/{lecture.id}/playback/").json()["renew_seconds"] == 240.0
    # The shorter lifetime rules, whichever it is.
    settings.MEDIA_PLAYBACK_TOKEN_TTL = 100
    assert client.post(f"/api/v1/lectures/{lecture.id}/playback/").json()["renew_seconds"] == 80.0
    settings.COURSES_BEAT_KEY_SECONDS = 50
    assert client.post(f"/api/v1/lectures/{lecture.id}/playback/").json()["renew_seconds"] == 40.0
