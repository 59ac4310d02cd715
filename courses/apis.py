import math
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.authentication import RememberedSessionAuthentication, RememberedTokenAuthentication
from courses.selectors import (
    LectureRow,
    LectureState,
    lecture_get_live,
    lecture_playback_url,
    lecture_row_for_user,
    lecture_rows_for_participant,
)
from courses.services import lecture_progress_record
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

    def get_course(self, row: LectureRow) -> dict:
        return {"id": row.course.id, "title": row.course.title} if row.course else None

    def get_playback_url(self, row: LectureRow) -> str | None:
        if not self.context.get("with_playback"):
            return None
        return lecture_playback_url(row=row, user_id=self.context["request"].user.pk)


class LectureListApi(APIView):
    """The participant's lectures, open, upcoming and closed, with their progress."""

    @extend_schema(responses=LectureOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        participant = participant_current(user=request.user)
        rows = lecture_rows_for_participant(participant=participant) if participant else []
        serializer = LectureOutputSerializer(rows, many=True, context={"request": request, "with_playback": True})
        return Response(serializer.data)


def _row_or_error(request: Request, lecture_id: int) -> LectureRow:
    lecture = lecture_get_live(lecture_id=lecture_id)
    if lecture is None:
        raise Http404(_("There is no such lecture."))
    row = lecture_row_for_user(user=request.user, lecture=lecture)
    if row.access.state == LectureState.NOT_ENROLLED:
        raise PermissionDenied(row.access.reason)
    return row


class LectureDetailApi(APIView):
    @extend_schema(responses=LectureOutputSerializer)
    def get(self, request: Request, lecture_id: int) -> Response:
        row = _row_or_error(request, lecture_id)
        serializer = LectureOutputSerializer(row, context={"request": request, "with_playback": True})
        return Response(serializer.data)


class LecturePlaybackCreateApi(APIView):
    """A fresh signed playlist URL: the player renews it before the previous one expires. Refused
    with the reason once the lecture is closed (or not open yet)."""

    class OutputSerializer(serializers.Serializer):
        playback_url = serializers.CharField()

    @extend_schema(request=None, responses=OutputSerializer)
    def post(self, request: Request, lecture_id: int) -> Response:
        row = _row_or_error(request, lecture_id)
        if not row.access.allowed:
            raise PermissionDenied(row.access.reason)
        url = lecture_playback_url(row=row, user_id=request.user.pk)
        if url is None:
            raise PermissionDenied(_("The video of this lecture is not ready yet."))
        return Response(self.OutputSerializer({"playback_url": url}).data)


class JsonOnlyNegotiation(BaseContentNegotiation):
    """The beat endpoint speaks JSON only; parsing the Accept header on every beat buys nothing."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


BEAT_FIELDS = {
    "playback_id": serializers.UUIDField(),
    "seq": serializers.IntegerField(min_value=0, max_value=10**9),
    "from": serializers.FloatField(min_value=0),
    "to": serializers.FloatField(min_value=0),
    "rate": serializers.FloatField(),
    "visible": serializers.BooleanField(),
}


def beat_input_parse(data) -> dict:
    """Type-check a beat (the fields of BEAT_FIELDS; numbers as JSON numbers). Written out by hand
    because at ~1,000 beats/s a DRF serializer's per-request field set-up was the largest cost of
    the endpoint (bench/bench_beats.py measures it)."""
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


class LectureProgressCreateApi(APIView):
    """A heartbeat of the player: media seconds [from, to] played since the previous beat."""

    authentication_classes = [RememberedSessionAuthentication, RememberedTokenAuthentication]
    # JSON in, JSON out: no content negotiation or form parsing on the hottest path of the site.
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnlyNegotiation
    throttle_classes: list = []

    @extend_schema(
        request=inline_serializer("LectureBeatInput", fields=BEAT_FIELDS),
        responses=inline_serializer(
            "LectureBeatOutput",
            fields={
                "progress": serializers.FloatField(),
                "watched_seconds": serializers.FloatField(),
                "completed": serializers.BooleanField(),
                "credited": serializers.BooleanField(),
                "outcome": serializers.CharField(),
                "message": serializers.CharField(),
            },
        ),
    )
    def post(self, request: Request, lecture_id: int) -> Response:
        data = beat_input_parse(request.data)
        result = lecture_progress_record(
            user=request.user,
            lecture_id=lecture_id,
            playback_id=data["playback_id"],
            seq=data["seq"],
            start=data["from"],
            end=data["to"],
            rate=data["rate"],
            visible=data["visible"],
        )
        return Response(
            {
                "progress": result.progress,
                "watched_seconds": result.watched_seconds,
                "completed": result.completed,
                "credited": result.credited,
                "outcome": result.outcome,
                "message": result.message,
            }
        )
