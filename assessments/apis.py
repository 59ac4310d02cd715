from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import renderers, serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.errors import ConflictError
from assessments.models import AdmissionDecision, AdmissionRun, Attempt, Interview, InterviewSlot, OfflineMeeting, Quiz
from assessments.permissions import is_staff, participant_read_check, staff_check
from assessments.selectors.admission import (
    admission_run_csv,
    admission_run_xlsx,
    decision_published_for,
    decisions_effective,
)
from assessments.selectors.completeness import participant_completeness
from assessments.selectors.interviews import DIRECTION_LEVELS, candidates_csv, candidates_list, slot_list_free
from assessments.selectors.quizzes import attempt_detail, quiz_list_for_participant
from assessments.services.admission import admission_run_publish, admission_run_start, decision_override_add
from assessments.services.interviews import (
    interview_book,
    interview_cancel,
    interview_sheet_submit,
    presentation_start,
    presentation_stop,
)
from assessments.services.quizzes import answer_save, attempt_close_if_expired, attempt_start, attempt_submit
from lms import roles
from lms.models import Participant, Season
from lms.selectors import participant_current, user_has_role


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict"


def _participant_or_404(request) -> Participant:
    participant = participant_current(user=request.user)
    if participant is None:
        raise PermissionDenied(_("You are not a participant of a season."))
    return participant


class CompletenessSerializer(serializers.Serializer):
    module = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField()
    minimum = serializers.FloatField(allow_null=True)
    meets_minimum = serializers.BooleanField()
    summary = serializers.CharField()
    status = serializers.CharField()
    done = serializers.ListField(child=serializers.CharField())
    missing = serializers.ListField(child=serializers.CharField())


class MeCompletenessApi(APIView):
    def get(self, request):
        participant = _participant_or_404(request)
        items = participant_completeness(participant=participant)
        return Response({"participant_id": participant.id, "modules": CompletenessSerializer(items, many=True).data})


class ParticipantCompletenessApi(APIView):
    def get(self, request, participant_id: int):
        participant = get_object_or_404(Participant.objects.select_related("season"), pk=participant_id)
        participant_read_check(user=request.user, participant=participant)
        items = participant_completeness(participant=participant)
        return Response({"participant_id": participant.id, "modules": CompletenessSerializer(items, many=True).data})


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


class DecisionOutputSerializer(serializers.Serializer):
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


class AdmissionRunCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        track = serializers.CharField()

    def post(self, request, season_id: int):
        season = get_object_or_404(Season, pk=season_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = admission_run_start(season=season, track=data.validated_data["track"], user=request.user)
        run.refresh_from_db()
        return Response(RunOutputSerializer(run).data, status=status.HTTP_201_CREATED)


class _FileRenderer(renderers.BaseRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else renderers.JSONRenderer().render(data)


class CsvRenderer(_FileRenderer):
    media_type, format, charset = "text/csv", "csv", "utf-8"


class XlsxRenderer(_FileRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format, charset = "xlsx", None


class AdmissionRunDetailApi(APIView):
    """The run's status; when done, its decisions (experts: only their participants).
    `?format=csv|xlsx` exports the list."""

    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CsvRenderer, XlsxRenderer]

    def get(self, request, run_id: int):
        run = get_object_or_404(AdmissionRun, pk=run_id)
        if not (is_staff(request.user) or user_has_role(user=request.user, role=roles.EXPERT)):
            raise PermissionDenied(_("Only programme staff and experts see admission runs."))
        export = request.accepted_renderer.format
        if export in ("csv", "xlsx"):
            if run.status != "done":
                return Response({"detail": _("The run is not finished yet.")}, status=status.HTTP_409_CONFLICT)
            content = (admission_run_csv if export == "csv" else admission_run_xlsx)(run=run, user=request.user)
            response = HttpResponse(content, content_type=request.accepted_renderer.media_type)
            response["Content-Disposition"] = f'attachment; filename="admission-run-{run.id}.{export}"'
            return response
        body = RunOutputSerializer(run).data
        if run.status == "done":
            body["decisions"] = DecisionOutputSerializer(
                decisions_effective(run=run, user=request.user), many=True
            ).data
        return Response(body)


class AdmissionRunPublishApi(APIView):
    def post(self, request, run_id: int):
        run = get_object_or_404(AdmissionRun, pk=run_id)
        run = admission_run_publish(run=run, user=request.user)
        return Response(RunOutputSerializer(run).data)


class DecisionOverrideCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        decision = serializers.CharField()
        justification = serializers.CharField(allow_blank=True)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        decision_id = serializers.IntegerField()
        value = serializers.CharField()
        justification = serializers.CharField()
        created_by = serializers.CharField(source="created_by.username")
        created_at = serializers.DateTimeField()

    def post(self, request, decision_id: int):
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


class MeAdmissionApi(APIView):
    def get(self, request):
        participant = _participant_or_404(request)
        decision = decision_published_for(participant=participant)
        if decision is None:
            return Response({"published": False})
        return Response({"published": True, **{k: v for k, v in decision.items() if k != "decision_label"}})


class QuizListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        track = serializers.CharField()
        question_count = serializers.IntegerField()
        time_limit_minutes = serializers.IntegerField(allow_null=True)
        attempts_allowed = serializers.IntegerField()
        pass_mark = serializers.FloatField()
        score_policy = serializers.CharField()
        opens_at = serializers.DateTimeField(allow_null=True)
        closes_at = serializers.DateTimeField(allow_null=True)
        required = serializers.BooleanField()
        diagnostic_phase = serializers.CharField()
        page_id = serializers.IntegerField(allow_null=True)

    def get(self, request):
        participant = _participant_or_404(request)
        return Response(self.OutputSerializer(quiz_list_for_participant(participant=participant), many=True).data)


class AttemptOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    quiz_id = serializers.IntegerField()
    quiz_title = serializers.CharField()
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)
    remaining_seconds = serializers.IntegerField(allow_null=True)
    closed = serializers.BooleanField()
    timed_out = serializers.BooleanField()
    score = serializers.FloatField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    questions = serializers.JSONField()


class AttemptCreateApi(APIView):
    def post(self, request, quiz_id: int):
        quiz = get_object_or_404(Quiz, pk=quiz_id)
        try:
            attempt = attempt_start(quiz=quiz, user=request.user)
        except ConflictError as error:
            raise Conflict(str(error)) from error
        return Response(AttemptOutputSerializer(attempt_detail(attempt=attempt)).data, status=status.HTTP_201_CREATED)


def _own_attempt(request, attempt_id: int) -> Attempt:
    attempt = get_object_or_404(Attempt.objects.select_related("quiz"), pk=attempt_id)
    if attempt.user_id != request.user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    return attempt


class AttemptDetailApi(APIView):
    def get(self, request, attempt_id: int):
        attempt = _own_attempt(request, attempt_id)
        attempt_close_if_expired(attempt=attempt)
        return Response(AttemptOutputSerializer(attempt_detail(attempt=attempt)).data)


class AnswerSaveApi(APIView):
    class InputSerializer(serializers.Serializer):
        value = serializers.JSONField()

    def put(self, request, attempt_id: int, question_id: int):
        attempt = _own_attempt(request, attempt_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = answer_save(
            attempt=attempt, question_id=question_id, value=data.validated_data["value"], user=request.user
        )
        return Response({"question_id": answer.question_id, "value": answer.value, "saved_at": answer.saved_at})


class AttemptSubmitApi(APIView):
    def post(self, request, attempt_id: int):
        attempt = _own_attempt(request, attempt_id)
        attempt = attempt_submit(attempt=attempt, user=request.user)
        return Response(AttemptOutputSerializer(attempt_detail(attempt=attempt)).data)


class SlotListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        starts_at = serializers.DateTimeField()
        ends_at = serializers.DateTimeField()
        expert = serializers.CharField(source="expert.get_full_name")

    def get(self, request):
        participant = _participant_or_404(request)
        slots = slot_list_free(season_id=participant.season_id, now=timezone.now())
        return Response(self.OutputSerializer(slots, many=True).data)


class InterviewOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    participant_id = serializers.IntegerField()
    slot_id = serializers.IntegerField(allow_null=True)
    meeting_id = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class SlotBookApi(APIView):
    def post(self, request, slot_id: int):
        participant = _participant_or_404(request)
        slot = get_object_or_404(InterviewSlot, pk=slot_id)
        try:
            interview = interview_book(participant=participant, user=request.user, slot=slot)
        except ConflictError as error:
            raise Conflict(str(error)) from error
        return Response(InterviewOutputSerializer(interview).data, status=status.HTTP_201_CREATED)


class MeetingRegisterApi(APIView):
    def post(self, request, meeting_id: int):
        participant = _participant_or_404(request)
        meeting = get_object_or_404(OfflineMeeting, pk=meeting_id)
        try:
            interview = interview_book(participant=participant, user=request.user, meeting=meeting)
        except ConflictError as error:
            raise Conflict(str(error)) from error
        return Response(InterviewOutputSerializer(interview).data, status=status.HTTP_201_CREATED)


class InterviewCancelApi(APIView):
    def post(self, request, interview_id: int):
        interview = get_object_or_404(Interview, pk=interview_id)
        return Response(InterviewOutputSerializer(interview_cancel(interview=interview, user=request.user)).data)


class SheetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    interview_id = serializers.IntegerField()
    presentation_started_at = serializers.DateTimeField(allow_null=True)
    presentation_seconds = serializers.IntegerField(allow_null=True)
    overrun_seconds = serializers.IntegerField()
    topics = serializers.JSONField()
    rubric = serializers.JSONField()
    comment = serializers.CharField()
    recommended_level = serializers.CharField()
    total = serializers.FloatField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)


def _interview(interview_id: int) -> Interview:
    return get_object_or_404(Interview.objects.select_related("slot"), pk=interview_id)


class PresentationStartApi(APIView):
    def post(self, request, interview_id: int):
        sheet = presentation_start(interview=_interview(interview_id), expert=request.user)
        return Response(SheetOutputSerializer(sheet).data)


class PresentationStopApi(APIView):
    def post(self, request, interview_id: int):
        sheet = presentation_stop(interview=_interview(interview_id), expert=request.user)
        return Response(SheetOutputSerializer(sheet).data)


class SheetSubmitApi(APIView):
    class InputSerializer(serializers.Serializer):
        topics = serializers.JSONField()
        rubric = serializers.JSONField()
        comment = serializers.CharField(allow_blank=True, required=False, default="")
        recommended_level = serializers.CharField(allow_blank=True, required=False, default="")

    def put(self, request, interview_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sheet = interview_sheet_submit(interview=_interview(interview_id), expert=request.user, **data.validated_data)
        return Response(SheetOutputSerializer(sheet).data)


class CandidatesListApi(APIView):
    """Candidates per direction (`?direction=roiv|foiv`), experts' scores averaged; `?format=csv`."""

    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CsvRenderer]

    class OutputSerializer(serializers.Serializer):
        participant_id = serializers.IntegerField()
        name = serializers.CharField()
        level = serializers.CharField()
        federal_district = serializers.CharField()
        experts = serializers.IntegerField()
        average = serializers.FloatField()
        overrun_seconds = serializers.IntegerField()
        recommended_levels = serializers.ListField(child=serializers.CharField())

    def get(self, request, season_id: int):
        staff_check(user=request.user)
        direction = request.query_params.get("direction", "")
        if direction not in DIRECTION_LEVELS:
            return Response({"direction": [_("Choose roiv or foiv.")]}, status=status.HTTP_400_BAD_REQUEST)
        rows = candidates_list(season_id=get_object_or_404(Season, pk=season_id).id, direction=direction)
        if request.accepted_renderer.format == "csv":
            response = HttpResponse(candidates_csv(rows=rows), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="candidates-{direction}.csv"'
            return response
        return Response(self.OutputSerializer(rows, many=True).data)
