"""Placement runs (issue 15 §3): start one, read one (its stored inputs and placement, every line
with its reasons in words), publish one; the participant's own published placement."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.apis.common import error_responses, participant_or_403, season_or_404
from assessments.models import RunStatus
from assessments.permissions import staff_check
from assessments.selectors.placement import placement_published_for, placement_run_get, placement_run_table
from assessments.services.placement import placement_run_publish, placement_run_start


class PlacementRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    season_id = serializers.IntegerField()
    status = serializers.CharField()
    error = serializers.CharField()
    seed = serializers.IntegerField()
    inputs_hash = serializers.CharField()
    output_hash = serializers.CharField()
    participant_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField()


class ReasonSerializer(serializers.Serializer):
    offer_id = serializers.IntegerField()
    offer = serializers.CharField()
    code = serializers.CharField(help_text="cutoff, regional_cap, not_eligible or full_by_fixed (docs/placement.md).")
    text = serializers.CharField()


class LineSerializer(serializers.Serializer):
    participant_id = serializers.IntegerField()
    offer_id = serializers.IntegerField(allow_null=True)
    offer = serializers.CharField()
    how = serializers.CharField()
    choice = serializers.IntegerField(allow_null=True)
    lottery = serializers.IntegerField()
    reasons = ReasonSerializer(many=True)


def _run_or_404(run_id: int):
    run = placement_run_get(run_id=run_id)
    if run is None:
        raise Http404(_("There is no such placement run."))
    return run


class PlacementRunCreateApi(APIView):
    @extend_schema(request=None, responses={201: PlacementRunSerializer, **error_responses(400, 403, 404)})
    def post(self, request, season_id: int):
        staff_check(user=request.user)
        run = placement_run_start(season=season_or_404(season_id), user=request.user)
        return Response(PlacementRunSerializer(run).data, status=status.HTTP_201_CREATED)


class PlacementRunDetailApi(APIView):
    """The run; once done, its stored inputs and placement (canonical JSON, which hash to
    `inputs_hash` and `output_hash`: enough to compute it again) and its lines."""

    class RunSerializer(PlacementRunSerializer):
        market = serializers.CharField(help_text="The inputs as the engine's canonical JSON.")
        outcome = serializers.CharField(help_text="The placement as the engine's canonical JSON.")

    class OutputSerializer(RunSerializer):
        # Described for the schema; filled from the run's table (the run's own `lines` are rows).
        lines = serializers.ListField(child=LineSerializer(), required=False, help_text="Only once the run is done.")

    @extend_schema(responses={200: OutputSerializer, **error_responses(403, 404)})
    def get(self, request, run_id: int):
        staff_check(user=request.user)
        run = _run_or_404(run_id)
        body = self.RunSerializer(run).data
        if run.status == RunStatus.DONE:
            body["lines"] = LineSerializer(placement_run_table(run=run), many=True).data
        return Response(body)


class PlacementRunPublishApi(APIView):
    @extend_schema(request=None, responses={200: PlacementRunSerializer, **error_responses(400, 403, 404)})
    def post(self, request, run_id: int):
        staff_check(user=request.user)
        run = placement_run_publish(run=_run_or_404(run_id), user=request.user)
        return Response(PlacementRunSerializer(run).data)


class MePlacementDetailApi(APIView):
    """The participant's line of the latest published run (404 before one is published)."""

    class OutputSerializer(LineSerializer):
        run_id = serializers.IntegerField(source="run.id")
        output_hash = serializers.CharField(source="run.output_hash")

    @extend_schema(responses={200: OutputSerializer, **error_responses(403, 404)})
    def get(self, request):
        placement = placement_published_for(participant=participant_or_403(request.user))
        if placement is None:
            raise Http404(_("The placement is not published yet."))
        return Response(self.OutputSerializer(placement).data)
