"""The API of host bodies and offers: staff manage every body; a body's own people read it and
manage its offers. Lists are paginated (lms.api.PagePagination); refusals come from the services
and are answered once by lms.api.exception_handler."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.api import PagePagination, error_responses, paginated_response
from lms.choices import Level
from lms.hosts.models import MAX_SEATS, HostBody, HostKind, InternshipOffer
from lms.hosts.permissions import host_access_check, host_people_check, host_staff_check
from lms.hosts.selectors import host_get, host_list, host_members, offer_get, offer_list
from lms.hosts.services import host_create, host_update, hosts_import, offer_create, offer_update
from lms.hosts.sheets import MAX_UPLOAD_BYTES
from lms.regions import region_get
from lms.selectors import season_get


def _host(host_id: int) -> HostBody:
    host = host_get(host_id=host_id)
    if host is None:
        raise Http404
    return host


def _offer(offer_id: int) -> InternshipOffer:
    offer = offer_get(offer_id=offer_id)
    if offer is None:
        raise Http404
    return offer


def _season(season_id: int):
    season = season_get(season_id=season_id)
    if season is None:
        raise Http404
    return season


class HostOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=HostKind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    region_code = serializers.CharField(help_text="A ROIV's region code; empty for a federal body.")
    region = serializers.SerializerMethodField()
    address = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    website = serializers.CharField()
    active = serializers.BooleanField()

    def get_region(self, host) -> str:
        region = region_get(host.region_code)
        return region.name if region else ""


class HostInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=HostKind.choices)
    region_code = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    website = serializers.URLField(required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True)


class HostListApi(APIView):
    """The bodies the caller may see (staff: all; a body's people: their own), by name:
    `?q=` (name, e-mail, address), `?kind=`, `?region=`, `?season=` (which season `offer_count` counts)."""

    pagination_class = PagePagination

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
        kind = serializers.ChoiceField(choices=HostKind.choices, required=False, default="", allow_blank=True)
        region = serializers.CharField(required=False, default="", allow_blank=True, max_length=10)
        season = serializers.IntegerField(required=False, default=None, min_value=1, max_value=2**62)

    class OutputSerializer(HostOutputSerializer):
        offer_count = serializers.IntegerField(help_text="Its offers in `?season=` (0 without it).")

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=False),
            OpenApiParameter("kind", str, enum=HostKind.values, required=False),
            OpenApiParameter("region", str, required=False),
            OpenApiParameter("season", int, required=False),
        ],
        responses={200: OutputSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request):
        host_people_check(user=request.user)
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        hosts = host_list(
            user=request.user,
            query=data["q"],
            kind=data["kind"],
            region_code=data["region"],
            season_id=data["season"],
        )
        return paginated_response(queryset=hosts, serializer_class=self.OutputSerializer, request=request, view=self)


class HostCreateApi(APIView):
    """Staff add a body."""

    class InputSerializer(HostInputSerializer):
        pass

    @extend_schema(request=InputSerializer, responses={201: HostOutputSerializer, **error_responses(400, 403)})
    def post(self, request):
        host_staff_check(user=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        host = host_create(actor=request.user, fields=data.validated_data)
        return Response(HostOutputSerializer(host).data, status=status.HTTP_201_CREATED)


class HostDetailApi(APIView):
    """A body with its people: for staff and the body's own people."""

    class OutputSerializer(HostOutputSerializer):
        class MemberSerializer(serializers.Serializer):
            user_id = serializers.IntegerField()
            name = serializers.CharField(source="user.get_full_name")
            position = serializers.CharField()

        members = MemberSerializer(many=True)

    @extend_schema(responses={200: OutputSerializer, **error_responses(403, 404)})
    def get(self, request, host_id: int):
        host = _host(host_id)
        host_access_check(user=request.user, host=host)
        host.members = host_members(host=host)
        return Response(self.OutputSerializer(host).data)


class HostUpdateApi(APIView):
    """Staff change a body: only the fields sent."""

    class InputSerializer(HostInputSerializer):
        pass

    @extend_schema(request=InputSerializer, responses={200: HostOutputSerializer, **error_responses(400, 403, 404)})
    def patch(self, request, host_id: int):
        host_staff_check(user=request.user)
        host = _host(host_id)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        host = host_update(host=host, actor=request.user, changes=data.validated_data)
        return Response(HostOutputSerializer(host).data)


class OfferHostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=HostKind.choices)
    region_code = serializers.CharField()


class OfferOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    season_id = serializers.IntegerField()
    host = OfferHostSerializer()
    title = serializers.CharField()
    seats = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    days = serializers.IntegerField(help_text="Both ends counted.")
    levels = serializers.ListField(child=serializers.ChoiceField(choices=Level.choices))
    pro_other_regions = serializers.BooleanField()
    other_regions_cap = serializers.IntegerField(
        allow_null=True, help_text="The most seats for PRO from other regions (a placement cap); null: none."
    )
    description = serializers.CharField()
    length_override_reason = serializers.CharField(help_text="Staff's reason for another length; usually empty.")
    length_override_by_id = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField()


class OfferInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    seats = serializers.IntegerField(min_value=1, max_value=MAX_SEATS)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    levels = serializers.ListField(child=serializers.ChoiceField(choices=Level.choices), allow_empty=False)
    pro_other_regions = serializers.BooleanField(required=False, default=False)
    other_regions_cap = serializers.IntegerField(
        min_value=1,
        max_value=MAX_SEATS,
        required=False,
        allow_null=True,
        help_text="Staff only: the most seats for PRO from other regions (up to the seats); null: no limit.",
    )
    description = serializers.CharField(max_length=2000)
    length_override_reason = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        help_text="Staff only: why another length than two weeks to a month; empty clears it.",
    )


class InternshipOfferListApi(APIView):
    """A season's offers the caller may see (staff: all; a body's people: their body's), by body and
    title: `?q=` (title, body, the work), `?host=`, `?kind=`."""

    pagination_class = PagePagination

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
        host = serializers.IntegerField(required=False, default=None, min_value=1, max_value=2**62)
        kind = serializers.ChoiceField(choices=HostKind.choices, required=False, default="", allow_blank=True)

    class OutputSerializer(OfferOutputSerializer):
        pass

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=False),
            OpenApiParameter("host", int, required=False),
            OpenApiParameter("kind", str, enum=HostKind.values, required=False),
        ],
        responses={200: OutputSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request, season_id: int):
        host_people_check(user=request.user)
        season = _season(season_id)
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        offers = offer_list(
            user=request.user, season_id=season.pk, query=data["q"], host_id=data["host"], kind=data["kind"]
        )
        return paginated_response(queryset=offers, serializer_class=self.OutputSerializer, request=request, view=self)


class InternshipOfferCreateApi(APIView):
    """Staff, or the body's own people, add an offer of the body for a season."""

    class InputSerializer(OfferInputSerializer):
        host_id = serializers.IntegerField(min_value=1, max_value=2**62)
        season_id = serializers.IntegerField(min_value=1, max_value=2**62)

    @extend_schema(request=InputSerializer, responses={201: OfferOutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request):
        host_people_check(user=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        host, season = _host(fields.pop("host_id")), _season(fields.pop("season_id"))
        offer = offer_create(host=host, season=season, actor=request.user, fields=fields)
        return Response(OfferOutputSerializer(offer).data, status=status.HTTP_201_CREATED)


class InternshipOfferDetailApi(APIView):
    @extend_schema(responses={200: OfferOutputSerializer, **error_responses(403, 404)})
    def get(self, request, offer_id: int):
        offer = _offer(offer_id)
        host_access_check(user=request.user, host=offer.host)
        return Response(OfferOutputSerializer(offer).data)


class InternshipOfferUpdateApi(APIView):
    """Staff, or the body's own people, change an offer: only the fields sent. New dates sent by the
    body's people clear a length staff agreed to."""

    class InputSerializer(OfferInputSerializer):
        pass

    @extend_schema(request=InputSerializer, responses={200: OfferOutputSerializer, **error_responses(400, 403, 404)})
    def patch(self, request, offer_id: int):
        offer = _offer(offer_id)
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        offer = offer_update(offer=offer, actor=request.user, changes=data.validated_data)
        return Response(OfferOutputSerializer(offer).data)


class HostImportCreateApi(APIView):
    """Import a season's bodies and offers from a CSV or XLSX file (the staff page's columns;
    lms/hosts/sheets.py). All or nothing: with `dry_run` the answer is what the import would do,
    every bad row listed; without it a bad row refuses the whole file (400, each row's line and
    reason under `rows`)."""

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()
        dry_run = serializers.BooleanField(required=False, default=False)

    class OutputSerializer(serializers.Serializer):
        class LineSerializer(serializers.Serializer):
            line = serializers.IntegerField()
            host = serializers.CharField()
            host_action = serializers.CharField(help_text="created, updated or unchanged")
            offer = serializers.CharField()
            offer_action = serializers.CharField(help_text="created, updated, or empty: the row names a body only")

        class RowErrorSerializer(serializers.Serializer):
            line = serializers.IntegerField()
            reason = serializers.CharField()

        applied = serializers.BooleanField()
        summary = serializers.DictField(child=serializers.IntegerField())
        lines = LineSerializer(many=True)
        errors = RowErrorSerializer(many=True)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={
            200: OutputSerializer,
            201: OpenApiResponse(OutputSerializer, description="Imported."),
            **error_responses(400, 403, 404),
        },
    )
    def post(self, request, season_id: int):
        host_staff_check(user=request.user)
        season = _season(season_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        report = hosts_import(
            season=season,
            content=upload.read(MAX_UPLOAD_BYTES + 1),
            actor=request.user,
            dry_run=data.validated_data["dry_run"],
        )
        if report.errors and not data.validated_data["dry_run"]:
            raise ValidationError(
                {
                    "rows": [
                        _("Line %(line)s: %(reason)s") % {"line": error.line, "reason": error.reason}
                        for error in report.errors
                    ]
                }
            )
        body = self.OutputSerializer(
            {"applied": report.applied, "summary": report.summary, "lines": report.lines, "errors": report.errors}
        ).data
        return Response(body, status=status.HTTP_201_CREATED if report.applied else status.HTTP_200_OK)
