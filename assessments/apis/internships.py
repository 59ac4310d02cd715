"""Internships (issue 15 §4): staff make them from the settled placements, list them by state and
reopen a feedback; a host body's people list their interns, set the supervisor and plan, confirm
the attendance week by week and give the final feedback; the intern reads theirs and writes this
week's log entry."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.apis.common import error_responses, participant_or_403, season_or_404
from assessments.permissions import internship_host_check, staff_check
from assessments.selectors.internships import (
    STATES,
    internship_counts,
    internship_detail,
    internship_get,
    internship_list,
    internship_of_participant,
    internships_of_host,
)
from assessments.services.internships import (
    internship_feedback_give,
    internship_feedback_reopen,
    internship_log_save,
    internship_plan_update,
    internship_supervisor_set,
    internship_week_confirm,
    internships_create_confirmed,
)
from lms.hosts.selectors import host_of_user

STATE_HELP = "One of: " + ", ".join(STATES) + "."


class FeedbackSerializer(serializers.Serializer):
    class ScoreSerializer(serializers.Serializer):
        key = serializers.CharField()
        label = serializers.CharField()
        score = serializers.IntegerField()

    given_at = serializers.DateTimeField()
    rubric = serializers.CharField()
    max_score = serializers.IntegerField()
    scores = ScoreSerializer(many=True)
    average = serializers.FloatField()
    comment = serializers.CharField()


class AttendanceSerializer(serializers.Serializer):
    started = serializers.BooleanField(help_text="False: the internship has not started yet.")
    weeks_confirmed = serializers.IntegerField()
    weeks_present = serializers.IntegerField()
    weeks_total = serializers.IntegerField()


class InternshipRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    name = serializers.CharField()
    host_id = serializers.IntegerField()
    host = serializers.CharField()
    offer = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    supervisor_name = serializers.CharField()
    supervisor_email = serializers.CharField()
    supervisor_user_id = serializers.IntegerField(
        allow_null=True, help_text="Set when the supervisor is one of the host body's people."
    )
    state = serializers.CharField(help_text=STATE_HELP + " Or cancelled (on the detail only).")
    attendance = AttendanceSerializer()
    flagged_at = serializers.DateTimeField(allow_null=True)
    feedback = FeedbackSerializer(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancel_cause = serializers.CharField()
    cancel_reason = serializers.CharField()


class InternshipDetailSerializer(InternshipRowSerializer):
    class LogSerializer(serializers.Serializer):
        week = serializers.DateField()
        text = serializers.CharField()

    class WeekSerializer(serializers.Serializer):
        week = serializers.DateField()
        last_day = serializers.DateField()
        status = serializers.CharField(source="answer.status", default="", help_text="present, absent or empty.")
        note = serializers.CharField(source="answer.note", default="")
        open = serializers.BooleanField(help_text="The host may confirm this week now.")

    class ReopeningSerializer(serializers.Serializer):
        reopened_at = serializers.DateTimeField()
        reason = serializers.CharField()
        feedback_at = serializers.DateTimeField()
        feedback_scores = serializers.DictField(child=serializers.IntegerField())
        feedback_comment = serializers.CharField()

    plan = serializers.CharField()
    log = LogSerializer(many=True)
    weeks = WeekSerializer(many=True)
    reopenings = ReopeningSerializer(many=True)
    log_open = serializers.BooleanField()
    feedback_open = serializers.BooleanField()


def _internship_for_host(request, internship_id: int):
    internship = internship_get(internship_id=internship_id)
    if internship is None:
        raise Http404(_("There is no such internship."))
    internship_host_check(user=request.user, internship=internship)
    return internship


class InternshipListApi(APIView):
    """Staff: the season's internships (optionally of one state) and the counts by state."""

    class OutputSerializer(serializers.Serializer):
        counts = serializers.DictField(child=serializers.IntegerField())
        internships = InternshipRowSerializer(many=True)

    @extend_schema(responses={200: OutputSerializer, **error_responses(403, 404)})
    def get(self, request, season_id: int):
        staff_check(user=request.user)
        season = season_or_404(season_id)
        state = request.query_params.get("state")
        rows = internship_list(season_id=season.pk, state=state if state in STATES else None)
        counts = internship_counts(season_id=season.pk)
        return Response(self.OutputSerializer({"counts": counts, "internships": rows}).data)


class InternshipBulkCreateApi(APIView):
    """Staff make an internship of every confirmed placement of the latest published run (again:
    only the new ones)."""

    class OutputSerializer(serializers.Serializer):
        created = serializers.IntegerField()

    @extend_schema(request=None, responses={201: OutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request, season_id: int):
        created = internships_create_confirmed(season=season_or_404(season_id), user=request.user)
        return Response(self.OutputSerializer({"created": created}).data, status=status.HTTP_201_CREATED)


class HostInternshipListApi(APIView):
    """A host body's people: their body's interns only."""

    @extend_schema(responses={200: InternshipRowSerializer(many=True), **error_responses(403)})
    def get(self, request):
        host = host_of_user(user=request.user)
        if host is None:
            raise PermissionDenied(_("Only the people of a host body see its interns."))
        return Response(InternshipRowSerializer(internships_of_host(host_id=host.pk), many=True).data)


class InternshipPlanUpdateApi(APIView):
    class InputSerializer(serializers.Serializer):
        plan = serializers.CharField(max_length=4000, allow_blank=True, default="")
        starts_on = serializers.DateField(required=False)
        ends_on = serializers.DateField(required=False)

    @extend_schema(
        request=InputSerializer, responses={200: InternshipDetailSerializer, **error_responses(400, 403, 404)}
    )
    def post(self, request, internship_id: int):
        internship = _internship_for_host(request, internship_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        internship = internship_plan_update(internship=internship, user=request.user, **data.validated_data)
        return Response(InternshipDetailSerializer(internship_detail(internship=internship)).data)


class InternshipSupervisorUpdateApi(APIView):
    """The host's people name the supervisor: one of the body's people (`supervisor_user_id`, see
    `GET /api/v1/hosts/{id}/` members) or an external person (`name` and `email`)."""

    class InputSerializer(serializers.Serializer):
        supervisor_user_id = serializers.IntegerField(required=False, allow_null=True, default=None)
        name = serializers.CharField(max_length=200, allow_blank=True, default="")
        email = serializers.EmailField(allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer, responses={200: InternshipDetailSerializer, **error_responses(400, 403, 404, 409)}
    )
    def post(self, request, internship_id: int):
        internship = _internship_for_host(request, internship_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        internship = internship_supervisor_set(internship=internship, user=request.user, **data.validated_data)
        return Response(InternshipDetailSerializer(internship_detail(internship=internship)).data)


class InternshipWeekCreateApi(APIView):
    """The host's people confirm one week (its Monday): present, or absent with a note; from the
    week's first day on (a future week 400), once (409 again)."""

    class InputSerializer(serializers.Serializer):
        week = serializers.DateField(help_text="The week's Monday.")
        status = serializers.ChoiceField(choices=["present", "absent"])
        note = serializers.CharField(max_length=2000, allow_blank=True, default="")

    class OutputSerializer(serializers.Serializer):
        week = serializers.DateField()
        status = serializers.CharField()
        note = serializers.CharField()
        confirmed_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, **error_responses(400, 403, 404, 409)})
    def post(self, request, internship_id: int):
        internship = _internship_for_host(request, internship_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = internship_week_confirm(internship=internship, user=request.user, **data.validated_data)
        return Response(self.OutputSerializer(row).data, status=status.HTTP_201_CREATED)


class InternshipFeedbackReopenApi(APIView):
    """Staff reopen a given feedback with a reason (kept with the earlier feedback; the host's
    people are e-mailed); a feedback not given (or reopened already) is 409."""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(
        request=InputSerializer, responses={200: InternshipDetailSerializer, **error_responses(400, 403, 404, 409)}
    )
    def post(self, request, internship_id: int):
        staff_check(user=request.user)
        internship = internship_get(internship_id=internship_id)
        if internship is None:
            raise Http404(_("There is no such internship."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        internship_feedback_reopen(internship=internship, user=request.user, reason=data.validated_data["reason"])
        return Response(InternshipDetailSerializer(internship_detail(internship=internship)).data)


class InternshipFeedbackCreateApi(APIView):
    """The final feedback: a score for every criterion of the body's rubric (or the built-in one)
    and a comment; from two days before the end on, once (409 again)."""

    class InputSerializer(serializers.Serializer):
        scores = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=10))
        comment = serializers.CharField(max_length=4000, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer, responses={201: InternshipRowSerializer, **error_responses(400, 403, 404, 409)}
    )
    def post(self, request, internship_id: int):
        internship = _internship_for_host(request, internship_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        internship = internship_feedback_give(internship=internship, user=request.user, **data.validated_data)
        return Response(
            InternshipRowSerializer(internship_detail(internship=internship)).data, status=status.HTTP_201_CREATED
        )


class MeInternshipDetailApi(APIView):
    """The intern's internship of their current season, with the plan and their log (404: none)."""

    @extend_schema(responses={200: InternshipDetailSerializer, **error_responses(403, 404)})
    def get(self, request):
        internship = internship_of_participant(participant=participant_or_403(request.user))
        if internship is None:
            raise Http404(_("You have no internship yet."))
        return Response(InternshipDetailSerializer(internship_detail(internship=internship)).data)


class MeInternshipLogSaveApi(APIView):
    """The intern writes (or rewrites) this week's log entry."""

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=2000)

    class OutputSerializer(serializers.Serializer):
        week = serializers.DateField()
        text = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request):
        internship = internship_of_participant(participant=participant_or_403(request.user))
        if internship is None:
            raise Http404(_("You have no internship yet."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = internship_log_save(internship=internship, user=request.user, text=data.validated_data["text"])
        return Response(self.OutputSerializer(entry).data)
