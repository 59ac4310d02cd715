"""The season's interview results for staff: the list (the experts' recommendation and staff's
choice), one participant's result chosen, the recommended level changes applied in bulk, and the
publication (once)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.apis.common import StringField, error_responses, season_or_404
from assessments.models import InterviewResult
from assessments.permissions import staff_check
from assessments.selectors.interviews import interview_plan_of
from assessments.selectors.results import interview_results_list
from assessments.services.results import interview_levels_apply, interview_result_choose, interview_results_publish


def _season_id(*, request, season_id: int) -> int:
    # Refused before the look-up, as the other staff endpoints are.
    staff_check(user=request.user)
    return season_or_404(season_id).id


class InterviewResultListApi(APIView):
    """Every interviewed participant of the season, by name, with the result that is (or on
    publishing will be) published."""

    class OutputSerializer(serializers.Serializer):
        class RowSerializer(serializers.Serializer):
            participant_id = serializers.IntegerField()
            name = serializers.CharField()
            level = serializers.CharField(help_text="The participant's level now.")
            recommended_level = serializers.CharField(help_text="The experts' recommendations averaged.")
            suggested = serializers.CharField(help_text="The experts' recommendation as a result (one of `result`'s).")
            chosen = serializers.CharField(help_text="Staff's choice, or empty.")
            result = serializers.ChoiceField(choices=InterviewResult.choices, help_text="What is or will be published.")
            average = serializers.FloatField()
            experts = serializers.IntegerField()
            interview_id = serializers.IntegerField()

        published_at = serializers.DateTimeField(allow_null=True)
        results = RowSerializer(many=True)

    @extend_schema(responses={200: OutputSerializer, **error_responses(403, 404)})
    def get(self, request, season_id: int):
        season_id = _season_id(request=request, season_id=season_id)
        body = {
            "published_at": interview_plan_of(season_id=season_id).results_published_at,
            "results": interview_results_list(season_id=season_id),
        }
        return Response(self.OutputSerializer(body).data)


class InterviewResultChooseApi(APIView):
    """Staff set an interviewed participant's result before publishing; "" goes back to the
    experts' recommendation."""

    class InputSerializer(serializers.Serializer):
        result = StringField(allow_blank=True, help_text="roiv, foiv, not_selected, or empty for the experts'.")

    @extend_schema(request=InputSerializer, responses={204: None, **error_responses(400, 403, 404, 409)})
    def put(self, request, season_id: int, participant_id: int):
        season_id = _season_id(request=request, season_id=season_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        interview_result_choose(
            season_id=season_id, participant_id=participant_id, result=data.validated_data["result"], user=request.user
        )
        return Response(status=204)


class InterviewLevelsApplyApi(APIView):
    """Move each listed participant to the level the experts recommend, each kept as a level change
    with the reason; all or none."""

    class InputSerializer(serializers.Serializer):
        participant_ids = serializers.ListField(child=serializers.IntegerField(min_value=1))
        reason = StringField(allow_blank=True)

    class OutputSerializer(serializers.Serializer):
        changed = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request, season_id: int):
        season_id = _season_id(request=request, season_id=season_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = interview_levels_apply(season_id=season_id, user=request.user, **data.validated_data)
        return Response(self.OutputSerializer({"changed": changed}).data)


class InterviewResultsPublishApi(APIView):
    """Publish the season's interview results, once (a second call is 409); each participant is
    e-mailed their result after the commit."""

    class OutputSerializer(serializers.Serializer):
        published = serializers.IntegerField(help_text="How many participants' results were published.")
        published_at = serializers.DateTimeField()

    @extend_schema(request=None, responses={200: OutputSerializer, **error_responses(403, 404, 409)})
    def post(self, request, season_id: int):
        season_id = _season_id(request=request, season_id=season_id)
        count = interview_results_publish(season_id=season_id, user=request.user)
        body = {"published": count, "published_at": interview_plan_of(season_id=season_id).results_published_at}
        return Response(self.OutputSerializer(body).data)
