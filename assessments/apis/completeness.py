"""How far a participant is along each score module (the cabinet's "55% of 70% needed")."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.apis.common import error_responses, participant_or_403
from assessments.permissions import participant_read_check
from assessments.selectors.completeness import participant_completeness
from lms.selectors import participant_get


class CompletenessSerializer(serializers.Serializer):
    module = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField()
    minimum = serializers.FloatField(allow_null=True)
    meets_minimum = serializers.BooleanField()
    summary = serializers.CharField()
    status = serializers.CharField()
    done = serializers.ListField(child=serializers.CharField())
    missing = serializers.ListField(child=serializers.CharField())
    applicable = serializers.BooleanField(help_text="False: nothing is required on the participant's track.")


class CompletenessOutputSerializer(serializers.Serializer):
    participant_id = serializers.IntegerField()
    modules = CompletenessSerializer(many=True)


def _completeness(participant) -> dict:
    items = participant_completeness(participant=participant)
    return {"participant_id": participant.id, "modules": CompletenessSerializer(items, many=True).data}


class MeCompletenessDetailApi(APIView):
    @extend_schema(responses={200: CompletenessOutputSerializer, **error_responses(403)})
    def get(self, request):
        return Response(_completeness(participant_or_403(request.user)))


class ParticipantCompletenessDetailApi(APIView):
    @extend_schema(responses={200: CompletenessOutputSerializer, **error_responses(403, 404)})
    def get(self, request, participant_id: int):
        participant = participant_get(participant_id=participant_id)
        if participant is None:
            raise Http404
        participant_read_check(user=request.user, participant=participant)
        return Response(_completeness(participant))
