from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
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


class LectureProgressCreateApi(APIView):
    """A heartbeat of the player: media seconds [from, to] played since the previous beat."""

    authentication_classes = [RememberedSessionAuthentication, RememberedTokenAuthentication]

    class InputSerializer(serializers.Serializer):
        playback_id = serializers.UUIDField()
        seq = serializers.IntegerField(min_value=0, max_value=10**9)
        # "from" is a Python keyword, so the field is put into the class namespace by name.
        vars()["from"] = serializers.FloatField(min_value=0)
        to = serializers.FloatField(min_value=0)
        rate = serializers.FloatField()
        visible = serializers.BooleanField()

    class OutputSerializer(serializers.Serializer):
        progress = serializers.FloatField()
        watched_seconds = serializers.FloatField()
        completed = serializers.BooleanField()
        credited = serializers.BooleanField()
        outcome = serializers.CharField()
        message = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: Request, lecture_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
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
        return Response(self.OutputSerializer(result).data)
