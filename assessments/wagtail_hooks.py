from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from assessments.models import Question, QuestionBank, Quiz


class QuestionBankViewSet(ModelViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    menu_label = _("Question banks")
    list_display = ["title"]
    search_fields = ["title"]
    form_fields = ["title"]


class QuestionViewSet(ModelViewSet):
    model = Question
    icon = "help"
    menu_label = _("Questions")
    list_display = ["text", "bank", "kind", "competence"]
    list_filter = ["bank", "kind"]
    search_fields = ["text"]
    form_fields = [
        "bank",
        "kind",
        "text",
        "competence",
        "options",
        "correct_options",
        "number_answer",
        "number_tolerance",
        "accepted_answers",
    ]


class QuizViewSet(ModelViewSet):
    model = Quiz
    icon = "tasks"
    menu_label = _("Tests")
    list_display = ["title", "season", "track", "required", "diagnostic_phase", "closes_at"]
    list_filter = ["season", "track", "required", "diagnostic_phase"]
    search_fields = ["title"]
    form_fields = [
        "title",
        "season",
        "track",
        "page",
        "banks",
        "question_count",
        "time_limit_minutes",
        "attempts_allowed",
        "pass_mark",
        "score_policy",
        "opens_at",
        "closes_at",
        "required",
        "diagnostic_phase",
        "results_shown",
    ]


class AssessmentsViewSetGroup(ViewSetGroup):
    menu_label = _("Assessments")
    menu_icon = "tasks"
    items = (QuizViewSet("quizzes"), QuestionBankViewSet("question_banks"), QuestionViewSet("questions"))


@hooks.register("register_admin_viewset")
def register_assessments_viewsets():
    return AssessmentsViewSetGroup()
