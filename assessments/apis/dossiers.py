"""The regional dossiers' outbox over the API (staff only): list, prepare, send."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.apis.common import error_responses, season_or_404
from assessments.models import DossierStatus
from assessments.permissions import staff_check
from assessments.selectors.dossiers import dossier_outbox
from assessments.services.dossiers import dossiers_prepare, dossiers_send


def _season(*, request, season_id: int):
    staff_check(user=request.user)
    return season_or_404(season_id)


class DossierOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="dossier.id")
    region_code = serializers.CharField(source="dossier.region_code")
    region = serializers.CharField()
    finalists_count = serializers.IntegerField(source="dossier.finalists_count")
    left_out_count = serializers.IntegerField(source="dossier.left_out_count")
    content_hash = serializers.CharField(source="dossier.content_hash")
    status = serializers.ChoiceField(choices=DossierStatus.choices, source="dossier.status")
    blocked = serializers.BooleanField()
    sendable = serializers.BooleanField()
    recipients = serializers.ListField(child=serializers.CharField())
    attempts = serializers.IntegerField(source="dossier.attempts")
    last_error = serializers.CharField(source="dossier.last_error")
    prepared_at = serializers.DateTimeField(source="dossier.prepared_at")
    sent_at = serializers.DateTimeField(source="dossier.sent_at")


class DossierListApi(APIView):
    """The season's outbox: each region's dossier, its status and addresses (two queries)."""

    @extend_schema(responses={200: DossierOutputSerializer(many=True), **error_responses(403, 404)})
    def get(self, request, season_id: int):
        season = _season(request=request, season_id=season_id)
        return Response(DossierOutputSerializer(dossier_outbox(season_id=season.pk), many=True).data)


class DossierPrepareApi(APIView):
    """Freeze the season's dossiers as they are now (those queued or sent keep theirs)."""

    @extend_schema(request=None, responses={200: DossierOutputSerializer(many=True), **error_responses(403, 404)})
    def post(self, request, season_id: int):
        season = _season(request=request, season_id=season_id)
        dossiers_prepare(season=season, actor=request.user)
        return Response(DossierOutputSerializer(dossier_outbox(season_id=season.pk), many=True).data)


class DossierSendApi(APIView):
    """Queue the named dossiers (`ids`), or every ready one without ids; 409 for a blocked one or
    one sent or on its way."""

    class InputSerializer(serializers.Serializer):
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), required=False, max_length=100
        )

    class OutputSerializer(serializers.Serializer):
        queued = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, **error_responses(400, 403, 404, 409)})
    def post(self, request, season_id: int):
        season = _season(request=request, season_id=season_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        queued = dossiers_send(season=season, actor=request.user, dossier_ids=data.validated_data.get("ids"))
        return Response(self.OutputSerializer({"queued": queued}).data)
