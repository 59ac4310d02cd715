"""The address book over the API (staff only): every region with its body; a region's body saved."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.api import error_responses
from lms.regions import region_get
from lms.youthbodies.permissions import youth_body_staff_check
from lms.youthbodies.selectors import youth_bodies_by_region
from lms.youthbodies.services import youth_body_save


class YouthBodyOutputSerializer(serializers.Serializer):
    region_code = serializers.CharField()
    name = serializers.CharField()
    emails = serializers.ListField(child=serializers.EmailField())
    active = serializers.BooleanField()
    updated_at = serializers.DateTimeField()
    updated_by = serializers.CharField(source="updated_by.username")


class YouthBodyListApi(APIView):
    """Every region (89), its body or null: one query."""

    class OutputSerializer(serializers.Serializer):
        region_code = serializers.CharField()
        region = serializers.CharField()
        deliverable = serializers.BooleanField()
        body = YouthBodyOutputSerializer(allow_null=True)

    @extend_schema(responses={200: OutputSerializer(many=True), **error_responses(403)})
    def get(self, request):
        youth_body_staff_check(user=request.user)
        return Response(self.OutputSerializer(youth_bodies_by_region(), many=True).data)


class YouthBodyUpdateApi(APIView):
    """Create or replace the region's body (name, addresses, active)."""

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=300)
        emails = serializers.ListField(child=serializers.EmailField(), max_length=10, allow_empty=True)
        active = serializers.BooleanField(default=True)

    @extend_schema(
        request=InputSerializer, responses={200: YouthBodyOutputSerializer, **error_responses(400, 403, 404)}
    )
    def put(self, request, region_code: str):
        youth_body_staff_check(user=request.user)
        if region_get(region_code) is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = youth_body_save(region_code=region_code, actor=request.user, **data.validated_data)
        return Response(YouthBodyOutputSerializer(body).data)
