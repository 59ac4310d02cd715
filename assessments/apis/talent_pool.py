"""The talent pool across seasons (issue 15 §5), for staff: paginated, filtered like the page."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from assessments.apis.common import error_responses
from assessments.permissions import staff_check
from assessments.selectors.internships import STATES
from assessments.selectors.talent_pool import talent_pool_filters_check, talent_pool_ids, talent_pool_rows
from lms.api import PagePagination, paginated_response


class TalentPoolListApi(APIView):
    """Staff: the pool's participations of every season (a finalist or a finished internship, with
    the talent-pool consent in force), each with all that person's seasons in the pool; filtered and
    paginated in SQL."""

    pagination_class = PagePagination

    class OutputSerializer(serializers.Serializer):
        class InternshipSerializer(serializers.Serializer):
            host_id = serializers.IntegerField()
            host = serializers.CharField()
            state = serializers.CharField(help_text="One of: " + ", ".join(STATES) + ".")

        class SeasonSerializer(serializers.Serializer):
            participant_id = serializers.IntegerField()
            season_id = serializers.IntegerField()
            season = serializers.CharField()
            finalist = serializers.BooleanField()
            awards = serializers.ListField(child=serializers.CharField())

        participant_id = serializers.IntegerField()
        user_id = serializers.IntegerField()
        name = serializers.CharField()
        season_id = serializers.IntegerField()
        season = serializers.CharField()
        region_code = serializers.CharField()
        region = serializers.CharField()
        level = serializers.CharField()
        left = serializers.BooleanField(help_text="Left the season after finishing the internship.")
        finalist = serializers.BooleanField()
        awards = serializers.ListField(child=serializers.CharField())
        internships = InternshipSerializer(many=True)
        seasons = SeasonSerializer(many=True)

    @extend_schema(
        parameters=[
            OpenApiParameter("region", str, description="A region code."),
            OpenApiParameter("level", str),
            OpenApiParameter("host", int, description="A host body: its internship or ministry decision."),
            OpenApiParameter("award", str, description="An award kind."),
            OpenApiParameter("person", int, description="A person (user id): all their seasons in the pool."),
        ],
        responses={200: OutputSerializer(many=True), **error_responses(400, 403)},
    )
    def get(self, request):
        staff_check(user=request.user)
        filters = talent_pool_filters_check(
            region_code=request.query_params.get("region", ""),
            level=request.query_params.get("level", ""),
            host_id=request.query_params.get("host", ""),
            award_kind=request.query_params.get("award", ""),
            user_id=request.query_params.get("person", ""),
        )
        return paginated_response(
            queryset=talent_pool_ids(**filters),
            serializer_class=self.OutputSerializer,
            request=request,
            view=self,
            page_rows=lambda ids: talent_pool_rows(participant_ids=ids),
        )
