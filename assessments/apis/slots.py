"""The experts' own availability: their published interview slots, one or a day's series."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.apis.common import DateTimeField, error_responses
from assessments.models import InterviewSlot
from assessments.selectors.slots import expert_timezone, slot_list_for_expert
from assessments.services.slots import (
    SERIES_MAX_SLOTS,
    SLOT_MINUTES_MAX,
    SLOT_MINUTES_MIN,
    expert_check,
    interview_slot_create,
    interview_slot_delete,
    interview_slot_series_create,
)
from lms.numbers import whole_number
from lms.selectors import season_get


class ExpertSlotOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    season_id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    duration_minutes = serializers.SerializerMethodField()
    meeting_url = serializers.CharField()
    room = serializers.CharField()
    booked = serializers.SerializerMethodField()
    interview_id = serializers.IntegerField(
        source="booked_interview_id", allow_null=True, default=None, help_text="The booking, if any."
    )
    participant_name = serializers.CharField(source="booked_name", allow_null=True, default=None)

    def get_duration_minutes(self, slot) -> int:
        return int((slot.ends_at - slot.starts_at).total_seconds() // 60)

    def get_booked(self, slot) -> bool:
        return getattr(slot, "booked_interview_id", None) is not None


class _PlaceInputSerializer(serializers.Serializer):
    """The fields both ways of publishing share; the validated data are the service's arguments."""

    season_id = serializers.IntegerField(source="season")
    duration_minutes = serializers.IntegerField(min_value=SLOT_MINUTES_MIN, max_value=SLOT_MINUTES_MAX)
    meeting_url = serializers.URLField(required=False, allow_blank=True, default="", max_length=500)
    room = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    def validate_season_id(self, value: int):
        # The season itself, for the service: a missing one is a message on the field (400).
        season = season_get(season_id=value)
        if season is None:
            raise serializers.ValidationError(_("There is no such season."))
        return season


class ExpertSlotListApi(APIView):
    """The caller's own published slots (experts), with their bookings; `?season=` narrows them."""

    class FilterSerializer(serializers.Serializer):
        season = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)

        def validate_season(self, value: str) -> int | None:
            season_id = whole_number(value)
            if season_id is None:
                raise serializers.ValidationError(_("Give a season's id."))
            return season_id

    @extend_schema(
        parameters=[OpenApiParameter("season", int, required=False)],
        responses={200: ExpertSlotOutputSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request):
        expert_check(user=request.user)
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slots = slot_list_for_expert(expert=request.user, season_id=query.validated_data.get("season"))
        return Response(ExpertSlotOutputSerializer(slots, many=True).data)


class ExpertSlotCreateApi(APIView):
    """Publish one slot. `starts_at` with an offset is taken as given; without one, it is read in
    the expert's own time zone. Rules: within the season's interview period, in the future, not
    overlapping another of the expert's slots; an online link or a room."""

    class InputSerializer(_PlaceInputSerializer):
        starts_at = DateTimeField()

    @extend_schema(
        request=InputSerializer, responses={201: ExpertSlotOutputSerializer, **error_responses(400, 403, 409)}
    )
    def post(self, request):
        expert_check(user=request.user)
        data = self.InputSerializer(data=request.data)
        with timezone.override(expert_timezone(user=request.user)):
            data.is_valid(raise_exception=True)
        slot = interview_slot_create(expert=request.user, **data.validated_data)
        return Response(ExpertSlotOutputSerializer(slot).data, status=status.HTTP_201_CREATED)


class ExpertSlotSeriesCreateApi(APIView):
    """Publish a day's series of slots in the expert's own time zone (e.g. 10:00 to 14:00 in
    30-minute slots): all of them, or none with every problem named."""

    class InputSerializer(_PlaceInputSerializer):
        day = serializers.DateField()
        from_time = serializers.TimeField()
        until_time = serializers.TimeField()
        break_minutes = serializers.IntegerField(min_value=0, max_value=SLOT_MINUTES_MAX, required=False, default=0)

    @extend_schema(
        request=InputSerializer,
        responses={201: ExpertSlotOutputSerializer(many=True), **error_responses(400, 403, 409)},
        description=f"At most {SERIES_MAX_SLOTS} slots in one series.",
    )
    def post(self, request):
        expert_check(user=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        slots = interview_slot_series_create(expert=request.user, **data.validated_data)
        return Response(ExpertSlotOutputSerializer(slots, many=True).data, status=status.HTTP_201_CREATED)


class ExpertSlotDeleteApi(APIView):
    """Remove one of the caller's unbooked slots (staff: anyone's); a booked slot answers 409."""

    @extend_schema(request=None, responses={204: None, **error_responses(403, 404, 409)})
    def delete(self, request, slot_id: int):
        interview_slot_delete(slot=get_object_or_404(InterviewSlot, pk=slot_id, published=True), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
