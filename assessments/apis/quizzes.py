"""A participant's tests: the list with their own deadlines, attempts, answers, submission."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.apis.common import error_responses, participant_or_403
from assessments.models import Attempt, Quiz
from assessments.selectors.quizzes import attempt_detail, quiz_list_for_participant
from assessments.services.quizzes import answer_save, attempt_close_if_expired, attempt_start, attempt_submit


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
        attempts_used = serializers.IntegerField()
        in_progress = serializers.BooleanField(help_text="The participant has an attempt not yet closed.")
        score_shown = serializers.CharField(help_text="When the score of a closed attempt is shown.")
        answers_shown = serializers.CharField(help_text="When the participant's own answers are shown.")
        key_shown = serializers.CharField(
            help_text="When the right answers are shown; never while the participant may still start an attempt."
        )

        def get_deadline_extended(self, quiz) -> bool:
            return quiz.extended_deadline is not None

    @extend_schema(responses={200: OutputSerializer(many=True), **error_responses(403)})
    def get(self, request):
        participant = participant_or_403(request.user)
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

    class AttemptReviewSerializer(serializers.Serializer):
        score = serializers.BooleanField()
        answers = serializers.BooleanField()
        key = serializers.BooleanField()

    review = AttemptReviewSerializer(help_text="What this attempt shows now, as the test's review options allow.")
    review_notes = serializers.ListField(
        child=serializers.CharField(), help_text="When each part not shown yet will be shown."
    )
    questions = serializers.JSONField(
        help_text="Each question with `answer` (as saved) and `answer_text` while the attempt is open or own "
        "answers are shown; `correct`, `key` and `key_text` only when the right answers are shown."
    )


def _own_attempt(request, attempt_id: int) -> Attempt:
    attempt = get_object_or_404(Attempt.objects.select_related("quiz"), pk=attempt_id)
    if attempt.user_id != request.user.pk:
        raise PermissionDenied(_("This is not your attempt."))
    return attempt


class AttemptCreateApi(APIView):
    @extend_schema(request=None, responses={201: AttemptOutputSerializer, **error_responses(400, 403, 404, 409)})
    def post(self, request, quiz_id: int):
        attempt = attempt_start(quiz=get_object_or_404(Quiz, pk=quiz_id), user=request.user)
        return Response(AttemptOutputSerializer(attempt_detail(attempt=attempt)).data, status=status.HTTP_201_CREATED)


class AttemptDetailApi(APIView):
    @extend_schema(responses={200: AttemptOutputSerializer, **error_responses(403, 404)})
    def get(self, request, attempt_id: int):
        attempt = _own_attempt(request, attempt_id)
        # A timed attempt past its end is closed as it is read (no worker watches the clock).
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

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer, **error_responses(400, 403, 404)})
    def put(self, request, attempt_id: int, question_id: int):
        attempt = _own_attempt(request, attempt_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answer = answer_save(
            attempt=attempt, question_id=question_id, value=data.validated_data["value"], user=request.user
        )
        return Response(self.OutputSerializer(answer).data)


class AttemptSubmitApi(APIView):
    @extend_schema(request=None, responses={200: AttemptOutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request, attempt_id: int):
        attempt = attempt_submit(attempt=_own_attempt(request, attempt_id), user=request.user)
        return Response(AttemptOutputSerializer(attempt_detail(attempt=attempt)).data)
