from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
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
from assessments.selectors.interviews import (
    DIRECTION_LEVELS,
    candidates_csv,
    candidates_list,
    candidates_xlsx,
    slot_list_free,
)
from assessments.selectors.quizzes import attempt_detail, quiz_list_for_participant
from assessments.selectors.slots import expert_timezone, slot_list_for_expert
from assessments.services.admission import admission_run_publish, admission_run_start, decision_override_add
from assessments.services.interviews import (
    interview_book,
    interview_cancel,
    interview_sheet_submit,
    presentation_start,
    presentation_stop,
)
from assessments.services.quizzes import answer_save, attempt_close_if_expired, attempt_start, attempt_submit
from assessments.services.slots import (
    SERIES_MAX_SLOTS,
    SLOT_MINUTES_MAX,
    SLOT_MINUTES_MIN,
    expert_check,
    interview_slot_create,
    interview_slot_delete,
    interview_slot_series_create,
)
from lms import roles
from lms.api import openapi_error
from lms.numbers import whole_number
from lms.selectors import participant_current, participant_get, season_get, user_has_role

if TYPE_CHECKING:
    from lms.models import Participant, Season


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict"


_ERROR_SCHEMA = openapi_error("")["content"]["application/json"]["schema"]
_ERROR_TEXTS = {
    400: "Bad input or a rule refused it: messages per field (or `detail`); nothing was changed.",
    403: "Not allowed for this user: `detail` says why.",
    404: "No such object.",
    409: "A conflict with the current state or a concurrent request: `detail` says what to do.",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error answers of a view, in the shape lms.api.exception_handler gives them."""
    return {code: OpenApiResponse(response=_ERROR_SCHEMA, description=_ERROR_TEXTS[code]) for code in codes}


_FORMAT = OpenApiParameter(
    "format", str, enum=["json", "csv", "xlsx"], required=False, description="`csv` or `xlsx` downloads the list."
)


def _season_or_404(season_id: int) -> "Season":
    season = season_get(season_id=season_id)
    if season is None:
        raise Http404
    return season


def _participant_or_404(request) -> "Participant":
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


class CompletenessOutputSerializer(serializers.Serializer):
    participant_id = serializers.IntegerField()
    modules = CompletenessSerializer(many=True)


class MeCompletenessApi(APIView):
    @extend_schema(responses={200: CompletenessOutputSerializer, **_errors(403)})
    def get(self, request):
        participant = _participant_or_404(request)
        items = participant_completeness(participant=participant)
        return Response({"participant_id": participant.id, "modules": CompletenessSerializer(items, many=True).data})


class ParticipantCompletenessApi(APIView):
    @extend_schema(responses={200: CompletenessOutputSerializer, **_errors(403, 404)})
    def get(self, request, participant_id: int):
        participant = participant_get(participant_id=participant_id)
        if participant is None:
            raise Http404
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


class RunDetailOutputSerializer(RunOutputSerializer):
    decisions = DecisionOutputSerializer(many=True, required=False, help_text="Only once the run is done.")


class AdmissionRunCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        track = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: RunOutputSerializer, **_errors(400, 403, 404)})
    def post(self, request, season_id: int):
        season = _season_or_404(season_id)
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

    @extend_schema(
        parameters=[_FORMAT],
        responses={
            (200, "application/json"): RunDetailOutputSerializer,
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XlsxRenderer.media_type): OpenApiTypes.BINARY,
            **_errors(403, 404, 409),
        },
    )
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
    @extend_schema(request=None, responses={200: RunOutputSerializer, **_errors(400, 403, 404)})
    def post(self, request, run_id: int):
        run = get_object_or_404(AdmissionRun, pk=run_id)
        run = admission_run_publish(run=run, user=request.user)
        return Response(RunOutputSerializer(run).data)


class _StringField(serializers.CharField):
    """DRF's CharField turns a number into text (1e999 would be saved as "inf"): require a string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Enter text, not a number or a list."))
        return super().to_internal_value(data)


class DecisionOverrideCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        decision = serializers.CharField()
        justification = _StringField(allow_blank=True)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        decision_id = serializers.IntegerField()
        value = serializers.CharField()
        justification = serializers.CharField()
        created_by = serializers.CharField(source="created_by.username")
        created_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, **_errors(400, 403, 404)})
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
    class OutputSerializer(serializers.Serializer):
        published = serializers.BooleanField()
        run_id = serializers.IntegerField(required=False)
        published_at = serializers.DateTimeField(required=False)
        decision = serializers.CharField(required=False)
        reasons = serializers.ListField(child=serializers.CharField(), required=False)
        overridden = serializers.BooleanField(required=False)
        override_justification = serializers.CharField(required=False, allow_null=True)
        figures = serializers.JSONField(required=False)

    @extend_schema(
        responses={200: OutputSerializer, **_errors(403)},
        description="`published: false` alone until the participant's admission list is published.",
    )
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
        deadline = serializers.DateTimeField(
            allow_null=True, help_text="The participant's own deadline: `closes_at`, or their extension's."
        )
        deadline_extended = serializers.SerializerMethodField()

        def get_deadline_extended(self, quiz) -> bool:
            return quiz.extended_deadline is not None

    @extend_schema(responses={200: OutputSerializer(many=True), **_errors(403)})
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
    @extend_schema(request=None, responses={201: AttemptOutputSerializer, **_errors(400, 403, 404, 409)})
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
    @extend_schema(responses={200: AttemptOutputSerializer, **_errors(403, 404)})
    def get(self, request, attempt_id: int):
        attempt = _own_attempt(request, attempt_id)
        attempt_close_if_expired(attempt=attempt)
        return Response(AttemptOutputSerializer(attempt_detail(attempt=attempt)).data)


class AnswerSaveApi(APIView):
    class InputSerializer(serializers.Serializer):
        value = serializers.JSONField(
            help_text="Single choice: an option's number; multiple: a list of them; number or short text: a string."
        )

    class OutputSerializer(serializers.Serializer):
        question_id = serializers.IntegerField()
        value = serializers.JSONField()
        saved_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, **_errors(400, 403, 404)})
    def put(self, request, attempt_id: int, question_id: int):
        attempt = _own_attempt(request, attempt_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = answer_save(
            attempt=attempt, question_id=question_id, value=data.validated_data["value"], user=request.user
        )
        return Response(self.OutputSerializer(answer).data)


class AttemptSubmitApi(APIView):
    @extend_schema(request=None, responses={200: AttemptOutputSerializer, **_errors(400, 403, 404)})
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
        online = serializers.SerializerMethodField()
        room = serializers.CharField(help_text="Where an in-person slot takes place; empty for an online one.")

        def get_online(self, slot) -> bool:
            return not slot.room

    @extend_schema(responses={200: OutputSerializer(many=True), **_errors(403)})
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
    starts_at = serializers.SerializerMethodField()
    meeting_url = serializers.CharField(source="slot.meeting_url", allow_null=True, default=None)
    room = serializers.CharField(source="slot.room", allow_null=True, default=None)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_starts_at(self, interview) -> str:
        starts_at = interview.slot.starts_at if interview.slot_id else interview.meeting.starts_at
        return serializers.DateTimeField().to_representation(starts_at)


class SlotBookApi(APIView):
    @extend_schema(request=None, responses={201: InterviewOutputSerializer, **_errors(400, 403, 404, 409)})
    def post(self, request, slot_id: int):
        participant = _participant_or_404(request)
        slot = get_object_or_404(InterviewSlot, pk=slot_id)
        try:
            interview = interview_book(participant=participant, user=request.user, slot=slot)
        except ConflictError as error:
            raise Conflict(str(error)) from error
        return Response(InterviewOutputSerializer(interview).data, status=status.HTTP_201_CREATED)


class MeetingRegisterApi(APIView):
    @extend_schema(request=None, responses={201: InterviewOutputSerializer, **_errors(400, 403, 404, 409)})
    def post(self, request, meeting_id: int):
        participant = _participant_or_404(request)
        meeting = get_object_or_404(OfflineMeeting, pk=meeting_id)
        try:
            interview = interview_book(participant=participant, user=request.user, meeting=meeting)
        except ConflictError as error:
            raise Conflict(str(error)) from error
        return Response(InterviewOutputSerializer(interview).data, status=status.HTTP_201_CREATED)


class InterviewCancelApi(APIView):
    @extend_schema(request=None, responses={200: InterviewOutputSerializer, **_errors(400, 403, 404)})
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
    @extend_schema(request=None, responses={200: SheetOutputSerializer, **_errors(400, 403, 404)})
    def post(self, request, interview_id: int):
        sheet = presentation_start(interview=_interview(interview_id), expert=request.user)
        return Response(SheetOutputSerializer(sheet).data)


class PresentationStopApi(APIView):
    @extend_schema(request=None, responses={200: SheetOutputSerializer, **_errors(400, 403, 404)})
    def post(self, request, interview_id: int):
        sheet = presentation_stop(interview=_interview(interview_id), expert=request.user)
        return Response(SheetOutputSerializer(sheet).data)


class SheetSubmitApi(APIView):
    class InputSerializer(serializers.Serializer):
        topics = serializers.JSONField()
        rubric = serializers.JSONField()
        comment = serializers.CharField(allow_blank=True, required=False, default="")
        recommended_level = serializers.CharField(allow_blank=True, required=False, default="")

    @extend_schema(request=InputSerializer, responses={200: SheetOutputSerializer, **_errors(400, 403, 404)})
    def put(self, request, interview_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sheet = interview_sheet_submit(interview=_interview(interview_id), expert=request.user, **data.validated_data)
        return Response(SheetOutputSerializer(sheet).data)


class CandidatesListApi(APIView):
    """Candidates per direction (`?direction=roiv|foiv`), experts' scores averaged; a participant
    whose experts recommend, on average, a level of the other direction is listed there (`moved`).
    `?format=csv|xlsx` downloads the list."""

    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CsvRenderer, XlsxRenderer]

    class OutputSerializer(serializers.Serializer):
        participant_id = serializers.IntegerField()
        name = serializers.CharField()
        level = serializers.CharField(help_text="The participant's level now.")
        recommended_level = serializers.CharField(help_text="The experts' recommendations averaged.")
        direction = serializers.CharField()
        moved = serializers.BooleanField(help_text="Listed here because of the recommended level.")
        federal_district = serializers.CharField()
        experts = serializers.IntegerField()
        average = serializers.FloatField()
        criteria = serializers.DictField(child=serializers.FloatField(), help_text="Rubric averages, 0..5.")
        overrun_seconds = serializers.IntegerField()
        recommended_levels = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        parameters=[
            OpenApiParameter("direction", str, enum=sorted(DIRECTION_LEVELS), required=True),
            _FORMAT,
        ],
        responses={
            (200, "application/json"): OutputSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XlsxRenderer.media_type): OpenApiTypes.BINARY,
            **_errors(400, 403, 404),
        },
    )
    def get(self, request, season_id: int):
        staff_check(user=request.user)
        direction = request.query_params.get("direction", "")
        if direction not in DIRECTION_LEVELS:
            return Response({"direction": [_("Choose roiv or foiv.")]}, status=status.HTTP_400_BAD_REQUEST)
        rows = candidates_list(season_id=_season_or_404(season_id).id, direction=direction)
        export = request.accepted_renderer.format
        if export in ("csv", "xlsx"):
            content = candidates_csv(rows=rows) if export == "csv" else candidates_xlsx(rows=rows, direction=direction)
            response = HttpResponse(content, content_type=request.accepted_renderer.media_type)
            response["Content-Disposition"] = f'attachment; filename="candidates-{season_id}-{direction}.{export}"'
            return response
        return Response(self.OutputSerializer(rows, many=True).data)


# ---------------------------------------------------------------- experts' own availability


class ExpertSlotOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    season_id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    duration_minutes = serializers.SerializerMethodField()
    meeting_url = serializers.CharField()
    room = serializers.CharField()
    booked = serializers.SerializerMethodField()
    interview_id = serializers.IntegerField(
        source="booked_interview_id", allow_null=True, default=None, help_text="The booking, if any."
    )
    participant_name = serializers.CharField(source="booked_name", allow_null=True, default=None)

    def get_duration_minutes(self, slot) -> int:
        return int((slot.ends_at - slot.starts_at).total_seconds() // 60)

    def get_booked(self, slot) -> bool:
        return getattr(slot, "booked_interview_id", None) is not None


class _PlaceInputSerializer(serializers.Serializer):
    season_id = serializers.IntegerField()
    duration_minutes = serializers.IntegerField(min_value=SLOT_MINUTES_MIN, max_value=SLOT_MINUTES_MAX)
    meeting_url = serializers.URLField(required=False, allow_blank=True, default="", max_length=500)
    room = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


def _season_or_400(season_id: int) -> "Season":
    season = season_get(season_id=season_id)
    if season is None:
        raise serializers.ValidationError({"season_id": [_("There is no such season.")]})
    return season


class ExpertSlotListApi(APIView):
    """The caller's own published slots (experts), with their bookings; `?season=` narrows them."""

    @extend_schema(
        parameters=[OpenApiParameter("season", int, required=False)],
        responses={200: ExpertSlotOutputSerializer(many=True), **_errors(400, 403)},
    )
    def get(self, request):
        expert_check(user=request.user)
        season = request.query_params.get("season")
        season_id = whole_number(season) if season else None
        if season is not None and season_id is None:
            return Response({"season": [_("Give a season's id.")]}, status=status.HTTP_400_BAD_REQUEST)
        slots = slot_list_for_expert(expert=request.user, season_id=season_id)
        return Response(ExpertSlotOutputSerializer(slots, many=True).data)


class _DateTimeField(serializers.DateTimeField):
    """DRF's field overflows (a 500) moving 0001-01-01 or 9999-12-31 into a zone: a 400 instead."""

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except OverflowError as error:
            raise serializers.ValidationError(_("This is not a valid date.")) from error


class ExpertSlotCreateApi(APIView):
    """Publish one slot. `starts_at` with an offset is taken as given; without one, it is read in
    the expert's own time zone. Rules: within the season's interview period, in the future, not
    overlapping another of the expert's slots; an online link or a room."""

    class InputSerializer(_PlaceInputSerializer):
        starts_at = _DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: ExpertSlotOutputSerializer, **_errors(400, 403, 409)})
    def post(self, request):
        expert_check(user=request.user)
        data = self.InputSerializer(data=request.data)
        with timezone.override(expert_timezone(user=request.user)):
            data.is_valid(raise_exception=True)
        fields = data.validated_data
        try:
            slot = interview_slot_create(
                expert=request.user,
                season=_season_or_400(fields["season_id"]),
                starts_at=fields["starts_at"],
                duration_minutes=fields["duration_minutes"],
                meeting_url=fields["meeting_url"],
                room=fields["room"],
            )
        except ConflictError as error:
            raise Conflict(str(error)) from error
        return Response(ExpertSlotOutputSerializer(slot).data, status=status.HTTP_201_CREATED)


class ExpertSlotSeriesCreateApi(APIView):
    """Publish a day's series of slots in the expert's own time zone (e.g. 10:00 to 14:00 in
    30-minute slots): all of them, or none with every problem named."""

    class InputSerializer(_PlaceInputSerializer):
        day = serializers.DateField()
        from_time = serializers.TimeField()
        until_time = serializers.TimeField()
        break_minutes = serializers.IntegerField(min_value=0, max_value=SLOT_MINUTES_MAX, required=False, default=0)

    @extend_schema(
        request=InputSerializer,
        responses={201: ExpertSlotOutputSerializer(many=True), **_errors(400, 403, 409)},
        description=f"At most {SERIES_MAX_SLOTS} slots in one series.",
    )
    def post(self, request):
        expert_check(user=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        try:
            slots = interview_slot_series_create(
                expert=request.user,
                season=_season_or_400(fields["season_id"]),
                day=fields["day"],
                from_time=fields["from_time"],
                until_time=fields["until_time"],
                duration_minutes=fields["duration_minutes"],
                break_minutes=fields["break_minutes"],
                meeting_url=fields["meeting_url"],
                room=fields["room"],
            )
        except ConflictError as error:
            raise Conflict(str(error)) from error
        return Response(ExpertSlotOutputSerializer(slots, many=True).data, status=status.HTTP_201_CREATED)


class ExpertSlotDeleteApi(APIView):
    """Remove one of the caller's unbooked slots (staff: anyone's); a booked slot answers 409."""

    @extend_schema(request=None, responses={204: None, **_errors(403, 404, 409)})
    def delete(self, request, slot_id: int):
        slot = get_object_or_404(InterviewSlot, pk=slot_id, published=True)
        try:
            interview_slot_delete(slot=slot, user=request.user)
        except ConflictError as error:
            raise Conflict(str(error)) from error
        return Response(status=status.HTTP_204_NO_CONTENT)
