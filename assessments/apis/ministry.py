"""The ministry (FOIV) interviews (issue 15 §2): a ministry's slots, candidates, scores and
decisions (its people; staff read them too), a candidate's booking, staff's waves of decisions,
the participant's applied decisions, and the ministry's own rubric."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.apis.common import DateTimeField, error_responses, participant_or_403, season_or_404
from assessments.models import MinistryVerdict
from assessments.permissions import ministry_access_check, ministry_candidate_check, staff_check
from assessments.selectors.ministry import (
    ministry_candidates,
    ministry_decision_of,
    ministry_decisions_applied_for,
    ministry_decisions_pending,
    ministry_get,
    ministry_interview_get,
    ministry_slot_get,
    ministry_slot_list,
    ministry_slots_free_for,
)
from assessments.selectors.rubrics import rubric_for_host
from assessments.services.ministry import (
    host_rubric_save,
    ministry_book,
    ministry_decide,
    ministry_interview_cancel,
    ministry_sheet_submit,
    ministry_slot_create,
    ministry_slot_delete,
    ministry_wave_apply,
)
from assessments.services.slots import SLOT_MINUTES_MAX, SLOT_MINUTES_MIN
from lms.numbers import whole_number
from lms.selectors import participant_get


def _ministry_or_404(host_id: int):
    host = ministry_get(host_id=host_id)
    if host is None:
        raise Http404(_("There is no such ministry."))
    return host


def _slot_or_404(slot_id: int):
    slot = ministry_slot_get(slot_id=slot_id)
    if slot is None:
        raise Http404(_("There is no such slot."))
    return slot


def _interview_or_404(interview_id: int):
    interview = ministry_interview_get(interview_id=interview_id)
    if interview is None:
        raise Http404(_("There is no such interview."))
    return interview


class _SeasonFilterSerializer(serializers.Serializer):
    season = serializers.CharField(trim_whitespace=False)

    def validate_season(self, value: str):
        season_id = whole_number(value)
        if season_id is None:
            raise serializers.ValidationError(_("Give a season's id."))
        return season_or_404(season_id)


class MinistrySlotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    season_id = serializers.IntegerField()
    host_id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    meeting_url = serializers.CharField()
    room = serializers.CharField()


class MinistryInterviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    host_id = serializers.IntegerField()
    slot = MinistrySlotSerializer()
    status = serializers.CharField()


class HostMinistrySlotListApi(APIView):
    """A ministry's published slots of a season with their bookings (its people and staff)."""

    class OutputSerializer(MinistrySlotSerializer):
        booked_interview_id = serializers.IntegerField(allow_null=True)
        booked_name = serializers.CharField(allow_null=True)

    @extend_schema(
        parameters=[OpenApiParameter("season", int, required=True)],
        responses={200: OutputSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request, host_id: int):
        host = _ministry_or_404(host_id)
        ministry_access_check(user=request.user, host=host)
        query = _SeasonFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slots = ministry_slot_list(host_id=host.pk, season_id=query.validated_data["season"].pk)
        return Response(self.OutputSerializer(slots, many=True).data)


class HostMinistrySlotCreateApi(APIView):
    """Publish one interview slot of the ministry: in the future, not overlapping its other slots,
    an online link or a room."""

    class InputSerializer(serializers.Serializer):
        season_id = serializers.IntegerField()
        starts_at = DateTimeField()
        duration_minutes = serializers.IntegerField(min_value=SLOT_MINUTES_MIN, max_value=SLOT_MINUTES_MAX)
        meeting_url = serializers.URLField(required=False, allow_blank=True, default="", max_length=500)
        room = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    @extend_schema(
        request=InputSerializer, responses={201: MinistrySlotSerializer, **error_responses(400, 403, 404, 409)}
    )
    def post(self, request, host_id: int):
        host = _ministry_or_404(host_id)
        ministry_access_check(user=request.user, host=host)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        season = season_or_404(fields.pop("season_id"))
        slot = ministry_slot_create(user=request.user, host=host, season=season, **fields)
        return Response(MinistrySlotSerializer(slot).data, status=status.HTTP_201_CREATED)


class MinistrySlotDeleteApi(APIView):
    """Remove an unbooked slot of the ministry; a booked one answers 409."""

    @extend_schema(request=None, responses={204: None, **error_responses(403, 404, 409)})
    def delete(self, request, slot_id: int):
        ministry_slot_delete(slot=_slot_or_404(slot_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MinistrySlotListApi(APIView):
    """The free slots of the ministries whose offers the caller ranked (recommended for the FOIV
    interviews only), soonest first, with the ministry's name."""

    class OutputSerializer(MinistrySlotSerializer):
        host_name = serializers.CharField(source="host.name")

    @extend_schema(responses={200: OutputSerializer(many=True), **error_responses(403)})
    def get(self, request):
        participant = participant_or_403(request.user)
        slots = ministry_slots_free_for(participant=participant, now=timezone.now())
        return Response(self.OutputSerializer(slots, many=True).data)


class MinistrySlotBookApi(APIView):
    """Book a ministry's slot (a booking with the same ministry moves). Taken meanwhile: 409."""

    @extend_schema(request=None, responses={201: MinistryInterviewSerializer, **error_responses(400, 403, 404, 409)})
    def post(self, request, slot_id: int):
        participant = participant_or_403(request.user)
        interview = ministry_book(participant=participant, user=request.user, slot=_slot_or_404(slot_id))
        return Response(MinistryInterviewSerializer(interview).data, status=status.HTTP_201_CREATED)


class MinistryInterviewCancelApi(APIView):
    @extend_schema(request=None, responses={200: MinistryInterviewSerializer, **error_responses(400, 403, 404)})
    def post(self, request, interview_id: int):
        interview = ministry_interview_cancel(interview=_interview_or_404(interview_id), user=request.user)
        return Response(MinistryInterviewSerializer(interview).data)


class DecisionSerializer(serializers.Serializer):
    verdict = serializers.CharField()
    comment = serializers.CharField()
    decided_at = serializers.DateTimeField()
    applied_at = serializers.DateTimeField(source="wave.applied_at", allow_null=True, default=None)


class MinistryCandidateListApi(APIView):
    """A ministry's candidates of a season (who ranked its offers, recommended for the FOIV
    interviews): their ranked offers, interview, score (0..1) and decision (its people and staff)."""

    class OutputSerializer(serializers.Serializer):
        participant_id = serializers.IntegerField()
        name = serializers.CharField()
        level = serializers.CharField()
        offers = serializers.ListField(child=serializers.DictField())
        interview_id = serializers.IntegerField(source="interview.id", allow_null=True, default=None)
        starts_at = serializers.DateTimeField(source="interview.slot.starts_at", allow_null=True, default=None)
        sheet_count = serializers.IntegerField()
        score = serializers.FloatField(allow_null=True)
        decision = DecisionSerializer(allow_null=True)

    @extend_schema(
        parameters=[OpenApiParameter("season", int, required=True)],
        responses={200: OutputSerializer(many=True), **error_responses(400, 403, 404)},
    )
    def get(self, request, host_id: int):
        host = _ministry_or_404(host_id)
        ministry_access_check(user=request.user, host=host)
        query = _SeasonFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = ministry_candidates(host_id=host.pk, season_id=query.validated_data["season"].pk)
        return Response(self.OutputSerializer(rows, many=True).data)


class MinistrySheetSubmitApi(APIView):
    """One of the ministry's people scores a booked interview, from its start, by the ministry's
    rubric (`GET /api/v1/hosts/{id}/rubric/`): every criterion, a whole number 0..highest."""

    class InputSerializer(serializers.Serializer):
        rubric = serializers.DictField(child=serializers.IntegerField())
        comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        interview_id = serializers.IntegerField()
        rubric = serializers.DictField(child=serializers.IntegerField())
        rubric_max = serializers.IntegerField()
        total = serializers.FloatField(allow_null=True)
        comment = serializers.CharField()
        submitted_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request, interview_id: int):
        interview = _interview_or_404(interview_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sheet = ministry_sheet_submit(
            interview=interview,
            user=request.user,
            scores=data.validated_data["rubric"],
            comment=data.validated_data["comment"],
        )
        return Response(self.OutputSerializer(sheet).data)


class MinistryDecisionSetApi(APIView):
    """The ministry's decision on one candidate (its people only): pending until staff apply it;
    an applied decision no longer changes (409)."""

    class InputSerializer(serializers.Serializer):
        participant_id = serializers.IntegerField()
        verdict = serializers.ChoiceField(choices=MinistryVerdict.choices)
        comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    class OutputSerializer(DecisionSerializer):
        id = serializers.IntegerField()
        host_id = serializers.IntegerField()
        participant_id = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, **error_responses(400, 403, 404, 409)})
    def post(self, request, host_id: int):
        host = _ministry_or_404(host_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        participant = participant_get(participant_id=data.validated_data["participant_id"])
        if participant is None:
            raise Http404(_("There is no such participant."))
        decision = ministry_decide(
            host=host,
            participant=participant,
            user=request.user,
            verdict=data.validated_data["verdict"],
            comment=data.validated_data["comment"],
        )
        return Response(self.OutputSerializer(decision).data)


class MinistryDecisionDetailApi(APIView):
    """A ministry's decision on one candidate, pending or applied (its people and staff)."""

    @extend_schema(responses={200: MinistryDecisionSetApi.OutputSerializer, **error_responses(403, 404)})
    def get(self, request, host_id: int, participant_id: int):
        host = _ministry_or_404(host_id)
        participant = participant_get(participant_id=participant_id)
        if participant is None:
            raise Http404(_("There is no such participant."))
        ministry_candidate_check(user=request.user, host=host, participant=participant)
        decision = ministry_decision_of(host_id=host.pk, participant_id=participant.pk)
        if decision is None:
            raise Http404(_("The ministry has not decided on this candidate yet."))
        return Response(MinistryDecisionSetApi.OutputSerializer(decision).data)


class PendingDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    participant_name = serializers.CharField()
    verdict = serializers.CharField()
    comment = serializers.CharField()
    decided_at = serializers.DateTimeField()


class MinistryDecisionPendingListApi(APIView):
    """Staff: the season's pending ministry decisions, by ministry."""

    class OutputSerializer(serializers.Serializer):
        host_id = serializers.IntegerField(source="host.id")
        host_name = serializers.CharField(source="host.name")
        decisions = PendingDecisionSerializer(many=True)

    @extend_schema(responses={200: OutputSerializer(many=True), **error_responses(403, 404)})
    def get(self, request, season_id: int):
        staff_check(user=request.user)
        groups = ministry_decisions_pending(season_id=season_or_404(season_id).pk)
        return Response(self.OutputSerializer(groups, many=True).data)


class MinistryWaveApplyApi(APIView):
    """Staff apply the chosen pending decisions of the season as one wave (all of them or none)."""

    class InputSerializer(serializers.Serializer):
        decision_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=10_000)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        season_id = serializers.IntegerField()
        applied_at = serializers.DateTimeField()
        applied_by_id = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request, season_id: int):
        staff_check(user=request.user)
        season = season_or_404(season_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wave = ministry_wave_apply(season=season, user=request.user, decision_ids=data.validated_data["decision_ids"])
        return Response(self.OutputSerializer(wave).data, status=status.HTTP_201_CREATED)


class MeMinistryDecisionListApi(APIView):
    """The caller's ministry decisions that staff have applied (pending ones are not shown)."""

    class OutputSerializer(serializers.Serializer):
        host_id = serializers.IntegerField()
        host_name = serializers.CharField(source="host.name")
        verdict = serializers.CharField()
        verdict_label = serializers.CharField(source="get_verdict_display")
        comment = serializers.CharField()
        applied_at = serializers.DateTimeField(source="wave.applied_at")

    @extend_schema(responses={200: OutputSerializer(many=True), **error_responses(403)})
    def get(self, request):
        participant = participant_or_403(request.user)
        return Response(self.OutputSerializer(ministry_decisions_applied_for(participant=participant), many=True).data)


class RubricCriterionSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=40)
    label = serializers.CharField(max_length=200)
    descriptors = serializers.ListField(child=serializers.CharField(max_length=500), max_length=11)


class HostRubricSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    max_score = serializers.IntegerField(min_value=1, max_value=10)
    criteria = RubricCriterionSerializer(many=True)


class HostRubricDetailApi(APIView):
    """The rubric the ministry scores by: its own, else the built-in one (its people and staff)."""

    @extend_schema(responses={200: HostRubricSerializer, **error_responses(403, 404)})
    def get(self, request, host_id: int):
        host = _ministry_or_404(host_id)
        ministry_access_check(user=request.user, host=host)
        rubric = rubric_for_host(host_id=host.pk)
        return Response(
            HostRubricSerializer(
                {
                    "title": rubric.title,
                    "max_score": rubric.max_score,
                    "criteria": [
                        {"key": c.key, "label": str(c.label), "descriptors": [str(d) for d in c.descriptors]}
                        for c in rubric.criteria
                    ],
                }
            ).data
        )


class HostRubricUpdateApi(APIView):
    """Set the ministry's own rubric (its people and staff): title, highest score, criteria with
    one line per score from 0."""

    @extend_schema(
        request=HostRubricSerializer, responses={200: HostRubricSerializer, **error_responses(400, 403, 404)}
    )
    def put(self, request, host_id: int):
        host = _ministry_or_404(host_id)
        data = HostRubricSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        host_rubric_save(
            host=host,
            user=request.user,
            title=fields["title"],
            max_score=fields["max_score"],
            criteria=[
                {"key": c["key"], "label": c["label"], "descriptors": "\n".join(c["descriptors"])}
                for c in fields["criteria"]
            ],
        )
        return Response(HostRubricSerializer(fields).data)
