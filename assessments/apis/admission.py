"""Admission runs (start, follow, download, publish), overrides of a decision, and the
participant's own published decision."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.apis.common import (
    EXPORT_FORMAT,
    EXPORT_RENDERERS,
    StringField,
    XlsxRenderer,
    error_responses,
    participant_or_403,
    season_or_404,
)
from assessments.models import AdmissionDecision, AdmissionRun, RunStatus
from assessments.permissions import staff_check, staff_or_expert_check
from assessments.selectors.admission import (
    admission_run_replicated,
    admission_run_table,
    decision_published_for,
    decisions_effective,
)
from assessments.services.admission import admission_run_start
from assessments.services.admission_publish import admission_run_publish, decision_override_add
from lms.exports import EXPORT_FORMATS, export_response
from lms.replica import replica_reads


class RunOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    season_id = serializers.IntegerField()
    track = serializers.CharField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    error = serializers.CharField()
    policy_version = serializers.IntegerField()
    policy_content = serializers.JSONField()
    participant_count = serializers.IntegerField()
    content_hash = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField()
    provisional = serializers.BooleanField(help_text="Made while required items of the track were still open.")
    open_items = serializers.JSONField(help_text='[{"module", "until"}]: what was still open on the track.')
    open_lines = serializers.JSONField(help_text='{participant id: [{"module", "title", "until"}]}: own extensions.')
    publish_reason = serializers.CharField()


class AdmissionRunCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        track = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: RunOutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request, season_id: int):
        season = season_or_404(season_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = admission_run_start(season=season, track=data.validated_data["track"], user=request.user)
        run.refresh_from_db()
        return Response(RunOutputSerializer(run).data, status=status.HTTP_201_CREATED)


class AdmissionRunDetailApi(APIView):
    """The run's status; when done, its decisions (experts: only their participants).
    `?format=csv|xlsx` exports the list."""

    renderer_classes = EXPORT_RENDERERS

    class OutputSerializer(RunOutputSerializer):
        class DecisionSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            participant_id = serializers.IntegerField()
            name = serializers.CharField()
            federal_district = serializers.CharField()
            level = serializers.CharField()
            figures = serializers.JSONField()
            score = serializers.FloatField()
            rank = serializers.IntegerField(allow_null=True)
            decision = serializers.CharField()
            reasons = serializers.ListField(child=serializers.CharField())
            override_value = serializers.CharField(allow_null=True)
            override_justification = serializers.CharField(allow_null=True)
            override_by = serializers.CharField(allow_null=True)
            override_at = serializers.DateTimeField(allow_null=True)
            effective = serializers.CharField()

        decisions = DecisionSerializer(many=True, required=False, help_text="Only once the run is done.")

    @extend_schema(
        parameters=[EXPORT_FORMAT],
        responses={
            (200, "application/json"): OutputSerializer,
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XlsxRenderer.media_type): OpenApiTypes.BINARY,
            **error_responses(403, 404, 409),
        },
    )
    def get(self, request, run_id: int):
        run = get_object_or_404(AdmissionRun, pk=run_id)
        staff_or_expert_check(user=request.user, message=_("Only programme staff and experts see admission runs."))
        fmt = request.accepted_renderer.format
        if fmt in EXPORT_FORMATS:
            with replica_reads(fresh=lambda alias: admission_run_replicated(run=run, using=alias)):
                header, rows = admission_run_table(run=run, user=request.user)
                return export_response(
                    fmt=fmt, header=header, rows=rows, title=_("Admission"), filename=f"admission-run-{run.id}"
                )
        body = RunOutputSerializer(run).data
        if run.status == RunStatus.DONE:
            body["decisions"] = self.OutputSerializer.DecisionSerializer(
                decisions_effective(run=run, user=request.user), many=True
            ).data
        return Response(body)


class AdmissionRunPublishApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = StringField(
            required=False, allow_blank=True, default="", help_text="Required when the run is provisional."
        )

    @extend_schema(request=InputSerializer, responses={200: RunOutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request, run_id: int):
        run = get_object_or_404(AdmissionRun, pk=run_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = admission_run_publish(run=run, user=request.user, reason=data.validated_data["reason"])
        return Response(RunOutputSerializer(run).data)


class DecisionOverrideCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        decision = serializers.CharField()
        justification = StringField(allow_blank=True)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        decision_id = serializers.IntegerField()
        value = serializers.CharField()
        justification = serializers.CharField()
        created_by = serializers.CharField(source="created_by.username")
        created_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request, decision_id: int):
        # Refused before the look-up: who may not override learns nothing of which decisions exist.
        staff_check(user=request.user)
        decision = get_object_or_404(AdmissionDecision, pk=decision_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        override = decision_override_add(
            decision=decision,
            value=data.validated_data["decision"],
            justification=data.validated_data["justification"],
            user=request.user,
        )
        return Response(self.OutputSerializer(override).data, status=status.HTTP_201_CREATED)


class MeAdmissionDetailApi(APIView):
    class OutputSerializer(serializers.Serializer):
        published = serializers.BooleanField()
        run_id = serializers.IntegerField(required=False)
        published_at = serializers.DateTimeField(required=False)
        decision = serializers.CharField(required=False)
        reasons = serializers.ListField(child=serializers.CharField(), required=False)
        overridden = serializers.BooleanField(required=False)
        override_justification = serializers.CharField(required=False, allow_null=True)
        figures = serializers.JSONField(required=False)
        missing = serializers.ListField(
            child=serializers.CharField(), required=False, help_text="What was missing when the run was made."
        )
        changed = serializers.JSONField(
            required=False, allow_null=True, help_text="When the published decision was changed after publication."
        )

    @extend_schema(
        responses={200: OutputSerializer, **error_responses(403)},
        description="`published: false` alone until the participant's admission list is published.",
    )
    def get(self, request):
        decision = decision_published_for(participant=participant_or_403(request.user))
        if decision is None:
            return Response({"published": False})
        return Response({"published": True, **{k: v for k, v in decision.items() if k != "decision_label"}})
