from django.contrib import messages
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from assessments.models import Question, QuestionBank, Quiz, QuizDeadlineExtension, Rubric, RubricCriterion
from assessments.models.quizzes import ReviewMoment
from assessments.selectors.quizzes import question_count_per_competence
from assessments.services.quizzes import (
    blueprint_shortfall,
    quiz_deadline_extension_delete,
    quiz_deadline_extension_grant,
)
from lms.extension_admin import extension_admin_views


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


class QuizForm(WagtailAdminModelForm):
    """The model refuses a review option that would leak (Quiz.clean); the form adds what needs the
    chosen banks: each competence of the blueprint must be fillable from them."""

    def clean(self):
        cleaned = super().clean()
        if "blueprint" in cleaned and cleaned["blueprint"] is None:
            # An emptied field means "no blueprint", not a NULL the column refuses.
            cleaned["blueprint"] = {}
        blueprint, banks = cleaned.get("blueprint"), cleaned.get("banks")
        if blueprint and isinstance(blueprint, dict) and banks is not None and "blueprint" not in self.errors:
            shortfall = blueprint_shortfall(
                blueprint=blueprint, available=question_count_per_competence(bank_ids=[bank.pk for bank in banks])
            )
            if shortfall:
                self.add_error("blueprint", shortfall)
        return cleaned


class _LastAttemptWarningMixin:
    def form_valid(self, form):
        response = super().form_valid(form)
        if form.instance.pk and form.instance.key_shown == ReviewMoment.LAST_ATTEMPT:
            messages.warning(
                self.request,
                _(
                    "Right answers are shown to each participant after their last attempt: they can pass them "
                    "on to peers who still have attempts. “Once the test has closed for everyone” cannot leak."
                ),
            )
        return response


class QuizCreateView(_LastAttemptWarningMixin, CreateView):
    pass


class QuizEditView(_LastAttemptWarningMixin, EditView):
    pass


class QuizViewSet(ModelViewSet):
    model = Quiz
    icon = "tasks"
    menu_label = _("Tests")
    add_view_class = QuizCreateView
    edit_view_class = QuizEditView
    list_display = ["title", "season", "track", "required", "diagnostic_phase", "closes_at"]
    list_filter = ["season", "track", "required", "diagnostic_phase"]
    search_fields = ["title"]
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("season"),
            FieldPanel("track"),
            FieldPanel("page"),
            FieldPanel("banks"),
            FieldPanel("question_count"),
            FieldPanel("blueprint"),
            FieldPanel("time_limit_minutes"),
            FieldPanel("attempts_allowed"),
            FieldPanel("pass_mark"),
            FieldPanel("score_policy"),
            FieldPanel("opens_at"),
            FieldPanel("closes_at"),
            FieldPanel("required"),
            FieldPanel("diagnostic_phase"),
            MultiFieldPanel(
                [FieldPanel("score_shown"), FieldPanel("answers_shown"), FieldPanel("key_shown")],
                heading=_("Review after an attempt"),
                help_text=_(
                    "When the participant sees each part of a closed attempt. Right answers never show while "
                    "they may still start an attempt, whatever is chosen."
                ),
            ),
        ],
        base_form_class=QuizForm,
    )


def _quiz_extension_grant(*, data, granted_by, extension):
    return quiz_deadline_extension_grant(
        user=data["user"],
        quiz=data["quiz"],
        deadline=data["deadline"],
        reason=data["reason"],
        granted_by=granted_by,
        extension=extension,
    )


_extension_views = extension_admin_views(grant=_quiz_extension_grant, withdraw=quiz_deadline_extension_delete)


class QuizDeadlineExtensionViewSet(ModelViewSet):
    """Staff give one participant a later deadline for one test, saying why."""

    model = QuizDeadlineExtension
    icon = "time"
    menu_label = _("Test deadline extensions")
    add_view_class, edit_view_class, delete_view_class = _extension_views
    list_display = ["user", "quiz", "deadline", "policy_deadline", "granted_by", "granted_at"]
    list_filter = ["quiz"]
    search_fields = ["user__username", "user__last_name", "reason"]
    edit_handler = ObjectList([FieldPanel("user"), FieldPanel("quiz"), FieldPanel("deadline"), FieldPanel("reason")])


class RubricViewSet(ModelViewSet):
    """Interview rubrics, one per season or per ministry (host body): the criteria are edited beside."""

    model = Rubric
    icon = "list-ol"
    menu_label = _("Interview rubrics")
    list_display = ["title", "season", "host", "max_score"]
    form_fields = ["owner_kind", "season", "host", "title", "max_score"]


class RubricCriterionViewSet(ModelViewSet):
    model = RubricCriterion
    icon = "list-ul"
    menu_label = _("Rubric criteria")
    list_display = ["label", "rubric", "key", "position"]
    list_filter = ["rubric"]
    form_fields = ["rubric", "key", "label", "descriptors", "position"]


class AssessmentsViewSetGroup(ViewSetGroup):
    menu_label = _("Assessments")
    menu_icon = "tasks"
    items = (
        QuizViewSet("quizzes"),
        QuestionBankViewSet("question_banks"),
        QuestionViewSet("questions"),
        QuizDeadlineExtensionViewSet("quiz_deadline_extensions"),
        RubricViewSet("interview_rubrics"),
        RubricCriterionViewSet("rubric_criteria"),
    )


@hooks.register("register_admin_viewset")
def register_assessments_viewsets():
    return AssessmentsViewSetGroup()
