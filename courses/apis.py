import json
import math
import re
import time
import uuid
from functools import cache

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.beats.keys import HEADER, BeatKeyStale, beat_key_read
from courses.beats.rules import BeatResult, ProgressStoreUnavailable, outcome_message
from courses.selectors import LectureRow, lecture_beat_key, lecture_get_live, lecture_playback_url
from courses.services import (
    lecture_playback_renew,
    lecture_progress_record,
    lecture_row_for_player,
    lecture_rows_for_player,
)
from lms.beatviews import SessionlessBeatView, error_payload, json_answer

# A UUID as str(uuid.UUID) writes it.
CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Redis restarts in about a second (it reads its append-only file back): the player retries then.
RETRY_AFTER_SECONDS = 1


class LectureOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="lecture.id")
    title = serializers.CharField(source="lecture.title")
    course = serializers.SerializerMethodField()
    url = serializers.CharField(source="lecture.url")
    duration = serializers.FloatField()
    available_from = serializers.DateTimeField(source="access.available_from", allow_null=True)
    deadline = serializers.DateTimeField(source="access.deadline", allow_null=True)
    state = serializers.CharField(source="access.state")
    reason = serializers.CharField(source="access.reason")
    required = serializers.BooleanField(source="lecture.required")
    progress = serializers.FloatField()
    completed = serializers.BooleanField()
    position = serializers.FloatField(source="snapshot.position")
    playback_url = serializers.SerializerMethodField()
    beat_key = serializers.SerializerMethodField(
        help_text="Send it as the X-Beat-Key header of progress beats; renewed with the playback URL."
    )

    def get_course(self, row: LectureRow) -> dict:
        return {"id": row.course.id, "title": row.course.title} if row.course else None

    def get_playback_url(self, row: LectureRow) -> str | None:
        if not self.context.get("with_playback"):
            return None
        return lecture_playback_url(row=row, user_id=self.context["request"].user.pk)

    def get_beat_key(self, row: LectureRow) -> str | None:
        if not self.context.get("with_playback"):
            return None
        return lecture_beat_key(row=row, user_id=self.context["request"].user.pk)


class LectureListApi(APIView):
    """The participant's lectures, open, upcoming and closed, with their progress."""

    @extend_schema(responses=LectureOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = lecture_rows_for_player(user=request.user)
        serializer = LectureOutputSerializer(rows, many=True, context={"request": request, "with_playback": True})
        return Response(serializer.data)


class LectureDetailApi(APIView):
    @extend_schema(responses=LectureOutputSerializer)
    def get(self, request: Request, lecture_id: int) -> Response:
        row = lecture_row_for_player(user=request.user, lecture_id=lecture_id)
        serializer = LectureOutputSerializer(row, context={"request": request, "with_playback": True})
        return Response(serializer.data)


class LecturePlaybackCreateApi(APIView):
    """A fresh signed playlist URL and beat key: the player renews them before the previous ones
    expire. Refused with the reason once the lecture is closed (or not open yet)."""

    class OutputSerializer(serializers.Serializer):
        playback_url = serializers.CharField()
        beat_key = serializers.CharField()
        renew_seconds = serializers.FloatField(help_text="Ask for the next grant within this many seconds.")

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request: Request, lecture_id: int) -> Response:
        grant = lecture_playback_renew(user=request.user, lecture_id=lecture_id)
        return Response(self.OutputSerializer(grant._asdict()).data)


def beat_input_parse(data: dict) -> dict:
    """Type-check a beat ({"playback_id": uuid, "seq": n ≥ 0, "from": s ≥ 0, "to": s ≥ 0, "rate": r,
    "visible": bool, optionally "release": bool and "key": the beat key when no header can carry it,
    as from navigator.sendBeacon; numbers as JSON numbers). Written out by hand because at ~1,000 beats/s a DRF
    serializer's per-request field set-up was the largest cost of the endpoint (bench/bench_beats.py
    measures it)."""
    errors: dict[str, list] = {}
    parsed: dict = {}
    playback_id = data.get("playback_id")
    if not (isinstance(playback_id, str) and CANONICAL_UUID.fullmatch(playback_id)):
        # Players send the canonical form, taken as it is: building a UUID object and writing it
        # out again cost more than the rest of this function. Any other spelling is written out so.
        try:
            playback_id = str(uuid.UUID(str(playback_id)))
        except (ValueError, TypeError, AttributeError):
            playback_id = None
            errors["playback_id"] = [_("A playback id (UUID) is required.")]
    parsed["playback_id"] = playback_id
    seq = data.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= 10**9:
        errors["seq"] = [_("seq must be a whole number from 0.")]
    parsed["seq"] = seq
    for name in ("from", "to", "rate"):
        value = data.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            errors[name] = [_("A number is required.")]
        elif name != "rate" and value < 0:
            errors[name] = [_("Media positions cannot be negative.")]
        else:
            parsed[name] = float(value)
    if not isinstance(data.get("visible"), bool):
        errors["visible"] = [_("visible must be true or false.")]
    parsed["visible"] = data.get("visible")
    release = data.get("release", False)
    if not isinstance(release, bool):
        errors["release"] = [_("release must be true or false.")]
    parsed["release"] = release
    if errors:
        raise ValidationError(errors)
    return parsed


class LectureProgressCreateApi(SessionlessBeatView):
    """A heartbeat of the player: media seconds [from, to] played since the previous beat.

    A plain Django view among the DRF APIs, on purpose (see lms.beatviews): it is the hottest path
    of the site (~1,000 beats/s at 10,000 viewers). Thin: parse, one service, serialize. The caller
    is whoever holds a signed beat key (courses/beats/keys.py) in the X-Beat-Key header."""

    key_meta = "HTTP_" + HEADER.upper().replace("-", "_")

    def post(self, request: HttpRequest, lecture_id: int) -> HttpResponse:
        beat_key = self.key_from(request)
        try:
            body = self.json_body(request)
            # navigator.sendBeacon (the player's last beat as the page goes) cannot set a header.
            if beat_key is None and isinstance(body.get("key"), str):
                beat_key = body["key"]
            data = beat_input_parse(body)
            result = lecture_progress_record(
                beat_key=beat_key,
                lecture_id=lecture_id,
                playback_id=data["playback_id"],
                seq=data["seq"],
                start=data["from"],
                end=data["to"],
                rate=data["rate"],
                visible=data["visible"],
                release=data["release"],
            )
        except ProgressStoreUnavailable:
            # Not a 500: nothing is wrong with the beat, the player keeps it and sends it again.
            answer = json_answer({"detail": _("Progress cannot be saved this second: the player will retry.")}, 503)
            answer["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return answer
        except ValidationError as error:
            return _refusal(lecture_id=lecture_id, beat_key=beat_key) or json_answer(error_payload(error), 400)
        except PermissionDenied as error:
            return _refusal(lecture_id=lecture_id, beat_key=beat_key, denied=error)
        # The language LocaleMiddleware chose (the active one, looked up again, where it did not run).
        language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
        return HttpResponse(beat_answer_json(result, language=language), content_type="application/json")


def beat_answer_json(result: BeatResult, *, language: str) -> bytes:
    """The answer to an accepted beat: {"progress", "watched_seconds", "completed", "credited",
    "outcome", "message"}, the message in `language`.

    Written out here rather than by a JSON encoder, because at every beat the encoder and gettext's
    look-up of the active language cost more than the rest of the answer: the two numbers are
    written as json writes them (repr), the rest follows from the outcome alone and is encoded once
    per outcome and language."""
    return (
        f'{{"progress": {result.progress!r}, "watched_seconds": {result.watched_seconds!r}, '
        f'"completed": {"true" if result.completed else "false"}, '
        f"{_beat_answer_tail(result.outcome, result.credited, language)}"
    ).encode()


@cache
def _beat_answer_tail(outcome: str, credited: bool, language: str) -> str:
    # Few entries: the outcomes (BeatOutcome) by the site's LANGUAGES.
    with translation.override(language):
        message = outcome_message(outcome)
    fields = {"credited": credited, "outcome": outcome, "message": message}
    return json.dumps(fields, ensure_ascii=False).removeprefix("{")


def _refusal(*, lecture_id: int, beat_key: str | None, denied: PermissionDenied | None = None) -> HttpResponse | None:
    """The answer to a caller without a valid key, or None when the key is fine (then a 400 says
    what is wrong with the beat). Only refused beats get here, so the query costs the hot path
    nothing: an unknown lecture is a 404 for anyone, a caller without a key learns nothing more."""
    if denied is None:
        try:
            beat_key_read(key=beat_key, lecture_id=lecture_id, now=time.time())
        except PermissionDenied as error:
            denied = error
        else:
            return None
    if lecture_get_live(lecture_id=lecture_id) is None:
        return json_answer({"detail": _("There is no such lecture.")}, 404)
    # `renew`: the key was genuine but is stale; the player renews it (the renewal decides with the
    # database, so an extension granted meanwhile counts) and sends the beat again.
    return json_answer({"detail": str(denied), "renew": isinstance(denied, BeatKeyStale)}, 403)
