from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.numbers import whole_number
from media.selectors import video_asset_list_by_ids

MAX_IDS = 100


class CanViewVideoAssets(permissions.BasePermission):
    message = _("Only editors and staff may see the state of video transcoding.")

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("media.view_videoasset") or request.user.has_perm("media.change_videoasset")


class VideoAssetStatusListApi(APIView):
    """The transcoding state and progress of some videos; polled by the admin's progress bars."""

    permission_classes = [permissions.IsAuthenticated, CanViewVideoAssets]

    @extend_schema_serializer(component_name="VideoAssetStatusQuery")
    class InputSerializer(serializers.Serializer):
        ids = serializers.CharField(help_text=_("Comma-separated video ids"))

        def validate_ids(self, value: str) -> list[int]:
            ids = [whole_number(part.strip()) for part in value.split(",") if part.strip()]
            if not ids or None in ids:
                raise serializers.ValidationError(_("Give video ids as whole numbers separated by commas."))
            if len(ids) > MAX_IDS:
                raise serializers.ValidationError(_("Ask for at most %(count)d videos at once.") % {"count": MAX_IDS})
            return ids

    @extend_schema_serializer(component_name="VideoAssetStatus")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        state = serializers.CharField()
        state_label = serializers.CharField(source="get_state_display")
        progress = serializers.IntegerField()
        error_message = serializers.CharField()
        duration = serializers.FloatField(allow_null=True)
        published = serializers.SerializerMethodField()

        def get_published(self, asset) -> bool:
            return bool(asset.hls_path)

    @extend_schema(parameters=[InputSerializer], responses={200: OutputSerializer(many=True)})
    def get(self, request):
        query = self.InputSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        assets = video_asset_list_by_ids(asset_ids=query.validated_data["ids"])
        return Response({"results": self.OutputSerializer(assets, many=True).data})
