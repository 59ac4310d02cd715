"""Offline district meetings' panels for staff: the season's meetings, one meeting's panel with
who is registered and who may be, the panel's experts set, and the district's admitted
participants registered in bulk."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.apis.common import error_responses, season_or_404
from assessments.models import OfflineMeeting
from assessments.permissions import staff_check
from assessments.selectors.panels import meeting_list_for_staff, meeting_panel_page
from assessments.services.panels import meeting_panel_set, meeting_participants_assign


def _meeting(*, request, meeting_id: int) -> OfflineMeeting:
    # Refused before the look-up: who may not manage panels learns nothing of which meetings exist.
    staff_check(user=request.user)
    return get_object_or_404(OfflineMeeting, pk=meeting_id)


class MeetingListApi(APIView):
    """The season's offline meetings with their seats taken and panel size."""

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        federal_district = serializers.CharField()
        starts_at = serializers.DateTimeField()
        place = serializers.CharField()
        capacity = serializers.IntegerField()
        booked = serializers.IntegerField(help_text="Participants registered (booked).")
        panel_size = serializers.IntegerField(help_text="Experts on the panel.")

    @extend_schema(responses={200: OutputSerializer(many=True), **error_responses(403, 404)})
    def get(self, request, season_id: int):
        staff_check(user=request.user)
        meetings = meeting_list_for_staff(season_id=season_or_404(season_id).id)
        return Response(self.OutputSerializer(meetings, many=True).data)


class MeetingPanelOutputSerializer(serializers.Serializer):
    class ExpertSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        on_panel = serializers.BooleanField()

    class RegisteredSerializer(serializers.Serializer):
        interview_id = serializers.IntegerField()
        participant_id = serializers.IntegerField()
        name = serializers.CharField()

    class UnassignedSerializer(serializers.Serializer):
        participant_id = serializers.IntegerField()
        name = serializers.CharField()

    meeting_id = serializers.IntegerField()
    capacity = serializers.IntegerField()
    seats_left = serializers.IntegerField()
    experts = ExpertSerializer(many=True, help_text="Every expert to choose from; `on_panel` for the panel.")
    registered = RegisteredSerializer(many=True)
    unassigned = UnassignedSerializer(
        many=True, help_text="Admitted participants of the district with no booked interview, by name."
    )


def _panel_body(meeting: OfflineMeeting) -> dict:
    page = meeting_panel_page(meeting=meeting)
    experts = [
        {"id": user.pk, "name": user.get_full_name() or user.get_username(), "on_panel": on_panel}
        for user, on_panel in page.pop("experts")
    ]
    return MeetingPanelOutputSerializer(
        {"meeting_id": meeting.id, "capacity": meeting.capacity, "experts": experts, **page}
    ).data


class MeetingPanelDetailApi(APIView):
    @extend_schema(responses={200: MeetingPanelOutputSerializer, **error_responses(403, 404)})
    def get(self, request, meeting_id: int):
        return Response(_panel_body(_meeting(request=request, meeting_id=meeting_id)))


class MeetingPanelUpdateApi(APIView):
    """The meeting's panel becomes exactly these experts ([] empties it)."""

    class InputSerializer(serializers.Serializer):
        expert_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), allow_empty=True)

    @extend_schema(
        request=InputSerializer, responses={200: MeetingPanelOutputSerializer, **error_responses(400, 403, 404)}
    )
    def put(self, request, meeting_id: int):
        meeting = _meeting(request=request, meeting_id=meeting_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = meeting_panel_set(meeting=meeting, expert_ids=data.validated_data["expert_ids"], user=request.user)
        return Response(_panel_body(meeting))


class MeetingParticipantsAssignApi(APIView):
    """Register the listed participants to the meeting, or (`all: true`) every admitted participant
    of the district not yet assigned; all or none, within the seats left."""

    class InputSerializer(serializers.Serializer):
        participant_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1), required=False, default=list
        )
        all = serializers.BooleanField(required=False, default=False, help_text="Ignore the list: register all.")

    class OutputSerializer(serializers.Serializer):
        registered = serializers.IntegerField(help_text="How many were registered now.")
        interview_ids = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, **error_responses(400, 403, 404, 409)})
    def post(self, request, meeting_id: int):
        meeting = _meeting(request=request, meeting_id=meeting_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = None if data.validated_data["all"] else data.validated_data["participant_ids"]
        created = meeting_participants_assign(meeting=meeting, participant_ids=ids, user=request.user)
        body = {"registered": len(created), "interview_ids": [interview.id for interview in created]}
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)
