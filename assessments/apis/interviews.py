"""Interviews: a participant books a slot or registers for a meeting (or cancels); an expert runs
the self-presentation clock and submits the sheet; staff read the candidates per direction."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.apis.common import (
    EXPORT_FORMAT,
    EXPORT_RENDERERS,
    XlsxRenderer,
    error_responses,
    participant_or_403,
    season_or_404,
)
from assessments.models import Interview, InterviewSlot, OfflineMeeting
from assessments.permissions import staff_check
from assessments.selectors.interviews import DIRECTION_LEVELS, candidates_list, candidates_table
from assessments.selectors.rubrics import rubric_for_season
from assessments.selectors.slots import slot_page_for_participant
from assessments.services.interviews import (
    interview_book,
    interview_cancel,
    interview_cancel_by_staff,
    interview_sheet_submit,
    presentation_start,
    presentation_stop,
)
from lms.exports import EXPORT_FORMATS, export_response
from lms.replica import replica_reads


class ParticipantSlotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField(source="local_starts_at")
    ends_at = serializers.DateTimeField(source="local_ends_at")
    expert = serializers.CharField(source="expert.get_full_name")
    online = serializers.SerializerMethodField()
    room = serializers.CharField(help_text="Where an in-person slot takes place; empty for an online one.")
    night = serializers.BooleanField(help_text="Starts before 08:00 or ends after 22:00 in the participant's zone.")

    def get_online(self, slot) -> bool:
        return not slot.room


class SlotListApi(APIView):
    """The free slots of the caller's season, a page at a time, in the participant's own time zone
    (the times carry its offset): `?day=YYYY-MM-DD` is a day in that zone, `?daytime=true` keeps
    the slots within 08:00–22:00 there, `?page=` pages on (20 a page; past the end, the last)."""

    class FilterSerializer(serializers.Serializer):
        day = serializers.DateField(required=False, default=None)
        daytime = serializers.BooleanField(required=False, default=False)
        page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=1_000_000)

    class OutputSerializer(serializers.Serializer):
        count = serializers.IntegerField()
        page = serializers.IntegerField(source="number")
        pages = serializers.IntegerField()
        timezone = serializers.CharField(source="tz.key")
        results = ParticipantSlotSerializer(source="slots", many=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("day", OpenApiTypes.DATE, required=False),
            OpenApiParameter("daytime", bool, required=False),
            OpenApiParameter("page", int, required=False),
        ],
        responses={200: OutputSerializer, **error_responses(400, 403)},
    )
    def get(self, request):
        participant = participant_or_403(request.user)
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = slot_page_for_participant(participant=participant, now=timezone.now(), **query.validated_data)
        with timezone.override(page.tz):
            return Response(self.OutputSerializer(page).data)


class InterviewOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    slot_id = serializers.IntegerField(allow_null=True)
    meeting_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    starts_at = serializers.SerializerMethodField()
    meeting_url = serializers.CharField(source="slot.meeting_url", allow_null=True, default=None)
    room = serializers.CharField(source="slot.room", allow_null=True, default=None)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_starts_at(self, interview) -> str:
        starts_at = interview.slot.starts_at if interview.slot_id else interview.meeting.starts_at
        return serializers.DateTimeField().to_representation(starts_at)


class SlotBookApi(APIView):
    @extend_schema(request=None, responses={201: InterviewOutputSerializer, **error_responses(400, 403, 404, 409)})
    def post(self, request, slot_id: int):
        participant = participant_or_403(request.user)
        slot = get_object_or_404(InterviewSlot, pk=slot_id)
        interview = interview_book(participant=participant, user=request.user, slot=slot)
        return Response(InterviewOutputSerializer(interview).data, status=status.HTTP_201_CREATED)


class MeetingRegisterApi(APIView):
    @extend_schema(request=None, responses={201: InterviewOutputSerializer, **error_responses(400, 403, 404, 409)})
    def post(self, request, meeting_id: int):
        participant = participant_or_403(request.user)
        meeting = get_object_or_404(OfflineMeeting, pk=meeting_id)
        interview = interview_book(participant=participant, user=request.user, meeting=meeting)
        return Response(InterviewOutputSerializer(interview).data, status=status.HTTP_201_CREATED)


class InterviewCancelApi(APIView):
    @extend_schema(request=None, responses={200: InterviewOutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request, interview_id: int):
        interview = interview_cancel(interview=get_object_or_404(Interview, pk=interview_id), user=request.user)
        return Response(InterviewOutputSerializer(interview).data)


class InterviewStaffCancelApi(APIView):
    """Staff cancel someone's booking, with the reason the participant and the expert are e-mailed."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(
        request=InputSerializer, responses={200: InterviewOutputSerializer, **error_responses(400, 403, 404)}
    )
    def post(self, request, interview_id: int):
        staff_check(user=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interview = interview_cancel_by_staff(
            interview=get_object_or_404(Interview, pk=interview_id),
            user=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(InterviewOutputSerializer(interview).data)


class SheetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    interview_id = serializers.IntegerField()
    presentation_started_at = serializers.DateTimeField(allow_null=True)
    presentation_seconds = serializers.IntegerField(allow_null=True)
    overrun_seconds = serializers.IntegerField()
    topics = serializers.JSONField()
    rubric = serializers.JSONField()
    comment = serializers.CharField()
    recommended_level = serializers.CharField()
    total = serializers.FloatField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)


def _interview(interview_id: int) -> Interview:
    return get_object_or_404(Interview.objects.select_related("slot"), pk=interview_id)


class PresentationStartApi(APIView):
    @extend_schema(request=None, responses={200: SheetOutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request, interview_id: int):
        sheet = presentation_start(interview=_interview(interview_id), expert=request.user)
        return Response(SheetOutputSerializer(sheet).data)


class PresentationStopApi(APIView):
    @extend_schema(request=None, responses={200: SheetOutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request, interview_id: int):
        sheet = presentation_stop(interview=_interview(interview_id), expert=request.user)
        return Response(SheetOutputSerializer(sheet).data)


class SheetSubmitApi(APIView):
    class InputSerializer(serializers.Serializer):
        topics = serializers.JSONField()
        rubric = serializers.JSONField()
        comment = serializers.CharField(allow_blank=True, required=False, default="")
        recommended_level = serializers.CharField(allow_blank=True, required=False, default="")

    @extend_schema(request=InputSerializer, responses={200: SheetOutputSerializer, **error_responses(400, 403, 404)})
    def put(self, request, interview_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sheet = interview_sheet_submit(interview=_interview(interview_id), expert=request.user, **data.validated_data)
        return Response(SheetOutputSerializer(sheet).data)


class CandidatesListApi(APIView):
    """Candidates per direction (`?direction=roiv|foiv`), experts' scores averaged, each with their
    earlier seasons; a participant whose experts recommend, on average, a level of the other
    direction is listed there (`moved`).
    `?format=csv|xlsx` downloads the list."""

    renderer_classes = EXPORT_RENDERERS

    class FilterSerializer(serializers.Serializer):
        # A plain field with its own message: the choice field's "not a valid choice" would not
        # say what to give.
        direction = serializers.CharField(required=False, default="", allow_blank=True, trim_whitespace=False)

        def validate_direction(self, value: str) -> str:
            if value not in DIRECTION_LEVELS:
                raise serializers.ValidationError(_("Choose roiv or foiv."))
            return value

    class OutputSerializer(serializers.Serializer):
        class EarlierSeasonSerializer(serializers.Serializer):
            season_id = serializers.IntegerField()
            season = serializers.CharField()
            left = serializers.BooleanField(help_text="They left that season.")
            in_pool = serializers.BooleanField(
                help_text="That participation is in the talent pool (its consent in force): the facts below are known."
            )
            finalist = serializers.BooleanField(allow_null=True, help_text="Null when not in the talent pool.")
            awards = serializers.ListField(child=serializers.CharField())
            internship_host = serializers.CharField(allow_null=True, help_text="The host of the finished internship.")

        participant_id = serializers.IntegerField()
        name = serializers.CharField()
        level = serializers.CharField(help_text="The participant's level now.")
        recommended_level = serializers.CharField(help_text="The experts' recommendations averaged.")
        direction = serializers.CharField()
        moved = serializers.BooleanField(help_text="Listed here because of the recommended level.")
        federal_district = serializers.CharField()
        experts = serializers.IntegerField()
        average = serializers.FloatField()
        criteria = serializers.DictField(child=serializers.FloatField(), help_text="Rubric averages, 0..5.")
        overrun_seconds = serializers.IntegerField()
        recommended_levels = serializers.ListField(child=serializers.CharField())
        interview_id = serializers.IntegerField()
        spread = serializers.FloatField(
            allow_null=True, help_text="How far apart the experts' totals are, percentage points (null under two)."
        )
        discussion = serializers.BooleanField(help_text="The spread exceeds the season's discussion threshold.")
        earlier_seasons = EarlierSeasonSerializer(
            many=True, help_text="The same person's participations in earlier seasons, earliest first."
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("direction", str, enum=sorted(DIRECTION_LEVELS), required=True),
            EXPORT_FORMAT,
        ],
        responses={
            (200, "application/json"): OutputSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XlsxRenderer.media_type): OpenApiTypes.BINARY,
            **error_responses(400, 403, 404),
        },
    )
    def get(self, request, season_id: int):
        staff_check(user=request.user)
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        direction = query.validated_data["direction"]
        season_id = season_or_404(season_id).id
        fmt = request.accepted_renderer.format
        if fmt in EXPORT_FORMATS:
            with replica_reads():
                rows = candidates_list(season_id=season_id, direction=direction)
                header, lines = candidates_table(rows=rows, rubric=rubric_for_season(season_id=season_id))
                filename = f"candidates-{season_id}-{direction}"
                return export_response(fmt=fmt, header=header, rows=lines, title=direction.upper(), filename=filename)
        rows = candidates_list(season_id=season_id, direction=direction)
        return Response(self.OutputSerializer(rows, many=True).data)
