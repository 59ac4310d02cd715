import json
import math
import time
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.beats.keys import HEADER, BeatKeyStale, beat_key_read
from courses.selectors import (
    LectureRow,
    LectureState,
    lecture_beat_key,
    lecture_get_live,
    lecture_playback_url,
    lecture_row_for_user,
    lecture_rows_for_participant,
)
from courses.services import lecture_progress_record, lecture_progress_seed
from lms.middleware import sessionless
from lms.selectors import participant_current


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
        participant = participant_current(user=request.user)
        rows = lecture_rows_for_participant(participant=participant) if participant else []
        lecture_progress_seed(user_id=request.user.pk, rows=rows)
        serializer = LectureOutputSerializer(rows, many=True, context={"request": request, "with_playback": True})
        return Response(serializer.data)


def _row_or_error(request: Request, lecture_id: int) -> LectureRow:
    lecture = lecture_get_live(lecture_id=lecture_id)
    if lecture is None:
        raise Http404(_("There is no such lecture."))
    row = lecture_row_for_user(user=request.user, lecture=lecture)
    if row.access.state == LectureState.NOT_ENROLLED:
        raise PermissionDenied(row.access.reason)
    # Both callers hand out a beat key: the participant's first beat then finds their progress.
    lecture_progress_seed(user_id=request.user.pk, rows=[row])
    return row


class LectureDetailApi(APIView):
    @extend_schema(responses=LectureOutputSerializer)
    def get(self, request: Request, lecture_id: int) -> Response:
        row = _row_or_error(request, lecture_id)
        serializer = LectureOutputSerializer(row, context={"request": request, "with_playback": True})
        return Response(serializer.data)


class LecturePlaybackCreateApi(APIView):
    """A fresh signed playlist URL and beat key: the player renews them before the previous ones
    expire. Refused with the reason once the lecture is closed (or not open yet). The renewal is
    where a deadline change (an extension) reaches the beats: the new key carries the new deadline."""

    class OutputSerializer(serializers.Serializer):
        playback_url = serializers.CharField()
        beat_key = serializers.CharField()

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request: Request, lecture_id: int) -> Response:
        row = _row_or_error(request, lecture_id)
        if not row.access.allowed:
            raise PermissionDenied(row.access.reason)
        url = lecture_playback_url(row=row, user_id=request.user.pk)
        if url is None:
            raise PermissionDenied(_("The video of this lecture is not ready yet."))
        beat_key = lecture_beat_key(row=row, user_id=request.user.pk)
        return Response(self.OutputSerializer({"playback_url": url, "beat_key": beat_key}).data)


HEADER_META_KEY = "HTTP_" + HEADER.upper().replace("-", "_")


def beat_input_parse(data) -> dict:
    """Type-check a beat ({"playback_id": uuid, "seq": n ≥ 0, "from": s ≥ 0, "to": s ≥ 0, "rate": r,
    "visible": bool}; numbers as JSON numbers). Written out by hand because at ~1,000 beats/s a DRF
    serializer's per-request field set-up was the largest cost of the endpoint (bench/bench_beats.py
    measures it)."""
    if not isinstance(data, dict):
        raise ValidationError({"detail": [_("A JSON object is expected.")]})
    errors: dict[str, list] = {}
    parsed: dict = {}
    try:
        parsed["playback_id"] = uuid.UUID(str(data["playback_id"]))
    except (KeyError, ValueError, TypeError, AttributeError):
        errors["playback_id"] = [_("A playback id (UUID) is required.")]
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
    if errors:
        raise ValidationError(errors)
    return parsed


class LectureProgressCreateApi(View):
    """A heartbeat of the player: media seconds [from, to] played since the previous beat.

    The one plain Django view among the DRF APIs, on purpose: it is the hottest path of the site
    (~1,000 beats/s at 10,000 viewers), and DRF's request wrapping, authentication classes and
    exception handling cost more than the whole crediting. It is still thin (parse, one service,
    serialize) and answers errors in the shape of the project's DRF exception handler. It is not
    cookie-authenticated: the caller is whoever holds a signed beat key (courses/beats/keys.py) in the
    X-Beat-Key header, so there is nothing for CSRF to protect and no session or token to look up."""

    http_method_names = ["post"]

    @classmethod
    def as_view(cls, **initkwargs):
        # Exempt once here, as DRF's APIView does, rather than wrapping dispatch anew per request.
        return sessionless(csrf_exempt(super().as_view(**initkwargs)))

    def post(self, request: HttpRequest, lecture_id: int) -> HttpResponse:
        # META directly: `request.headers` parses every header of the request to read this one.
        beat_key = request.META.get(HEADER_META_KEY)
        try:
            try:
                body = json.loads(request.body)
            except (ValueError, RecursionError):
                raise ValidationError({"detail": [_("A JSON object is expected.")]}) from None
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
            )
        except ValidationError as error:
            return _refusal(lecture_id=lecture_id, beat_key=beat_key) or _json(
                error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}, 400
            )
        except PermissionDenied as error:
            return _refusal(lecture_id=lecture_id, beat_key=beat_key, denied=error)
        return _json(
            {
                "progress": result.progress,
                "watched_seconds": result.watched_seconds,
                "completed": result.completed,
                "credited": result.credited,
                "outcome": result.outcome,
                "message": result.message,
            },
            200,
        )


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
        return _json({"detail": _("There is no such lecture.")}, 404)
    # `renew`: the key was genuine but is stale; the player renews it (the renewal decides with the
    # database, so an extension granted meanwhile counts) and sends the beat again.
    return _json({"detail": str(denied), "renew": isinstance(denied, BeatKeyStale)}, 403)


def _json(payload: dict, status: int) -> HttpResponse:
    return HttpResponse(json.dumps(payload), status=status, content_type="application/json")
