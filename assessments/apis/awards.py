"""The closing of a season over the API: staff list, give and withdraw awards, list, issue and
revoke certificates; a participant lists their own certificates (the PDF is the cabinet's link)."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.apis.common import StringField, error_responses, season_or_404
from assessments.models import AwardKind, Certificate
from assessments.permissions import staff_check
from assessments.selectors.awards import award_rows, certificate_get, certificate_list, certificates_of_user
from assessments.services.awards import award_change, certificate_revoke, certificates_issue
from lms.api import PagePagination, paginated_response
from lms.selectors import participant_list


def _season(*, request, season_id: int):
    # Refused before the look-up, as the other staff endpoints are.
    staff_check(user=request.user)
    return season_or_404(season_id)


class CertificateOutputSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    revoked = serializers.BooleanField()

    class Meta:
        model = Certificate
        fields = ["id", "code", "participant_id", "season_id", "kind", "kind_label", "holder_name", "issued_at"]
        fields += ["revoked", "revoked_at"]


class AwardListApi(APIView):
    """The season's awards, by the holder's name (two queries whatever the count)."""

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        participant_id = serializers.IntegerField()
        name = serializers.CharField()
        kind = serializers.ChoiceField(choices=AwardKind.choices)
        kind_label = serializers.CharField()
        note = serializers.CharField()
        awarded_by = serializers.CharField()
        awarded_at = serializers.DateTimeField()

    @extend_schema(responses={200: OutputSerializer(many=True), **error_responses(403, 404)})
    def get(self, request, season_id: int):
        season = _season(request=request, season_id=season_id)
        return Response(self.OutputSerializer(award_rows(season_id=season.id), many=True).data)


class AwardChangeApi(APIView):
    """Give (`grant: true`) or withdraw an award of a participant of the season; a withdrawal needs
    the reason in `note`. Each change is audited; 200 with `changed: false` when it stood so."""

    class InputSerializer(serializers.Serializer):
        participant_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
        kind = serializers.ChoiceField(choices=AwardKind.choices)
        grant = serializers.BooleanField()
        note = StringField(allow_blank=True, required=False, default="", max_length=1000)

    class OutputSerializer(serializers.Serializer):
        changed = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request, season_id: int):
        season = _season(request=request, season_id=season_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not participant_list(season=season).filter(pk=data.validated_data["participant_id"]).exists():
            raise serializers.ValidationError({"participant_id": [_("Awards go to participants of the season.")]})
        change = award_change(actor=request.user, **data.validated_data)
        return Response(self.OutputSerializer({"changed": change is not None}).data)


class CertificateListApi(APIView):
    """The season's certificates, by holder (paginated: a count and a page query)."""

    pagination_class = PagePagination

    @extend_schema(responses={200: CertificateOutputSerializer(many=True), **error_responses(403, 404)})
    def get(self, request, season_id: int):
        season = _season(request=request, season_id=season_id)
        return paginated_response(
            queryset=certificate_list(season_id=season.id),
            serializer_class=CertificateOutputSerializer,
            request=request,
            view=self,
        )


class CertificatesIssueApi(APIView):
    """Issue the season's missing certificates (idempotent); a big season is queued for the worker
    (`queued: true`)."""

    class OutputSerializer(serializers.Serializer):
        issued = serializers.IntegerField()
        queued = serializers.BooleanField()

    @extend_schema(request=None, responses={200: OutputSerializer, **error_responses(403, 404)})
    def post(self, request, season_id: int):
        season = _season(request=request, season_id=season_id)
        issued, batch = certificates_issue(season=season, actor=request.user)
        return Response(self.OutputSerializer({"issued": issued, "queued": batch is not None}).data)


class CertificateRevokeApi(APIView):
    """Revoke a certificate with the reason (kept for staff, never shown publicly); 409 when it is
    revoked already."""

    class InputSerializer(serializers.Serializer):
        reason = StringField(max_length=2000)

    @extend_schema(
        request=InputSerializer, responses={200: CertificateOutputSerializer, **error_responses(400, 403, 404, 409)}
    )
    def post(self, request, certificate_id: int):
        staff_check(user=request.user)
        certificate = certificate_get(certificate_id=certificate_id)
        if certificate is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        revoked = certificate_revoke(certificate=certificate, actor=request.user, **data.validated_data)
        return Response(CertificateOutputSerializer(revoked).data)


class MeCertificateListApi(APIView):
    """The caller's own certificates of every season (one query)."""

    class OutputSerializer(CertificateOutputSerializer):
        season_name = serializers.CharField(source="season.name")

        class Meta(CertificateOutputSerializer.Meta):
            fields = [*CertificateOutputSerializer.Meta.fields, "season_name"]

    @extend_schema(responses={200: OutputSerializer(many=True), **error_responses(403)})
    def get(self, request):
        return Response(self.OutputSerializer(certificates_of_user(user_id=request.user.pk), many=True).data)
