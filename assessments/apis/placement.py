"""Placement runs (issue 15 §3): start one, read one (its stored inputs and placement, every line
with its reasons in words), publish one; the participant's own published placement and its
decline; a host's placements and its confirmations and declines; staff's moves."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.apis.common import error_responses, participant_or_403, season_or_404
from assessments.models import PlacementDecisionKind, RunStatus
from assessments.permissions import staff_check
from assessments.selectors.placement import (
    placement_host_lines,
    placement_published_for,
    placement_run_get,
    placement_run_table,
)
from assessments.services.placement import (
    placement_host_decide,
    placement_move,
    placement_participant_decline,
    placement_run_publish,
    placement_run_start,
)
from lms.hosts.selectors import host_of_user

# Plain text in the schema: "kind" names other enums of the API already.
KIND_HELP = "One of: " + ", ".join(PlacementDecisionKind.values) + "."


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
        class DecisionSerializer(serializers.Serializer):
            kind = serializers.CharField(help_text=KIND_HELP)
            offer_id = serializers.IntegerField()
            reason = serializers.CharField()
            decided_at = serializers.DateTimeField()

        run_id = serializers.IntegerField(source="run.id")
        output_hash = serializers.CharField(source="run.output_hash")
        state = serializers.CharField(
            help_text="pending, confirmed, moved, declined_by_host, declined_by_participant; empty: no placement."
        )
        decisions = DecisionSerializer(many=True)
        can_decline = serializers.BooleanField()

    @extend_schema(responses={200: OutputSerializer, **error_responses(403, 404)})
    def get(self, request):
        placement = placement_published_for(participant=participant_or_403(request.user))
        if placement is None:
            raise Http404(_("The placement is not published yet."))
        return Response(self.OutputSerializer(placement).data)


class PlacementDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    run_id = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    offer_id = serializers.IntegerField()
    from_offer_id = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField(help_text=KIND_HELP)
    reason = serializers.CharField()
    decided_at = serializers.DateTimeField()


class MePlacementDeclineApi(APIView):
    """The participant declines their placement in the latest published run (`confirm` must be
    true): the seat goes back into the next run, which does not place them on that offer again."""

    class InputSerializer(serializers.Serializer):
        confirm = serializers.BooleanField(help_text="Must be true: the participant confirms they decline.")
        reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer, responses={201: PlacementDecisionSerializer, **error_responses(400, 403, 409)}
    )
    def post(self, request):
        participant = participant_or_403(request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data["confirm"]:
            raise ValidationError({"confirm": [_("Confirm that you decline the placement.")]})
        decision = placement_participant_decline(
            participant=participant, user=request.user, reason=data.validated_data["reason"]
        )
        return Response(PlacementDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class HostPlacementListApi(APIView):
    """A host body's people: the participants placed on its offers in the latest published run,
    and where each placement stands (`pending`, `confirmed`, `moved`, `declined_by_host`,
    `declined_by_participant`)."""

    class OutputSerializer(serializers.Serializer):
        class LineSerializer(serializers.Serializer):
            participant_id = serializers.IntegerField()
            name = serializers.CharField()
            offer_id = serializers.IntegerField()
            offer = serializers.CharField()
            how = serializers.CharField()
            choice = serializers.IntegerField(allow_null=True)
            state = serializers.CharField()
            state_label = serializers.CharField()
            open = serializers.BooleanField(help_text="The host may still confirm or decline it.")

        run_id = serializers.IntegerField(allow_null=True)
        lines = LineSerializer(many=True)

    @extend_schema(responses={200: OutputSerializer, **error_responses(403)})
    def get(self, request):
        host = host_of_user(user=request.user)
        if host is None:
            raise PermissionDenied(_("Only the people of a host body confirm its placements."))
        run, rows = placement_host_lines(host_id=host.pk)
        return Response(self.OutputSerializer({"run_id": run.pk if run else None, "lines": rows}).data)


class PlacementHostDecisionCreateApi(APIView):
    """A host body's people confirm or decline one placement on its offers in the latest published
    run (a decline says why). 409: decided already, or not the latest published run."""

    class InputSerializer(serializers.Serializer):
        participant_id = serializers.IntegerField(min_value=1, max_value=2**62)
        decision = serializers.ChoiceField(choices=[("confirm", "confirm"), ("decline", "decline")])
        reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer, responses={201: PlacementDecisionSerializer, **error_responses(400, 403, 404, 409)}
    )
    def post(self, request, run_id: int):
        run = _run_or_404(run_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = placement_host_decide(
            run=run,
            participant_id=data.validated_data["participant_id"],
            confirm=data.validated_data["decision"] == "confirm",
            reason=data.validated_data["reason"],
            user=request.user,
        )
        return Response(PlacementDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class PlacementMoveCreateApi(APIView):
    """Staff move a participant of the run's season to another offer with a written reason: every
    later run keeps them there (a fixed placement)."""

    class InputSerializer(serializers.Serializer):
        participant_id = serializers.IntegerField(min_value=1, max_value=2**62)
        offer_id = serializers.IntegerField(min_value=1, max_value=2**62)
        reason = serializers.CharField(max_length=1000)

    @extend_schema(
        request=InputSerializer, responses={201: PlacementDecisionSerializer, **error_responses(400, 403, 404, 409)}
    )
    def post(self, request, run_id: int):
        staff_check(user=request.user)
        run = _run_or_404(run_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = placement_move(run=run, user=request.user, **data.validated_data)
        return Response(PlacementDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)
