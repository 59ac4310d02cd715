from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views.generic import CreateView, DeleteView, EditView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from assessments.models import Question, QuestionBank, Quiz, QuizDeadlineExtension
from assessments.services.quizzes import quiz_deadline_extension_delete, quiz_deadline_extension_grant


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


class _GrantMixin:
    """Through the service, so who granted it is recorded and the rules hold; a refusal is shown on
    the form's fields (the service holds every rule, the form none of its own)."""

    def save_instance(self):
        data = self.form.cleaned_data
        return quiz_deadline_extension_grant(
            user=data["user"],
            quiz=data["quiz"],
            deadline=data["deadline"],
            reason=data["reason"],
            granted_by=self.request.user,
            extension=self.form.instance if self.form.instance.pk else None,
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class QuizDeadlineExtensionCreateView(_GrantMixin, CreateView):
    pass


class QuizDeadlineExtensionEditView(_GrantMixin, EditView):
    pass


class QuizDeadlineExtensionDeleteView(DeleteView):
    def delete_action(self):
        quiz_deadline_extension_delete(extension=self.object)


class QuizDeadlineExtensionViewSet(ModelViewSet):
    """Staff give one participant a later deadline for one test, saying why."""

    model = QuizDeadlineExtension
    icon = "time"
    menu_label = _("Test deadline extensions")
    add_view_class = QuizDeadlineExtensionCreateView
    edit_view_class = QuizDeadlineExtensionEditView
    delete_view_class = QuizDeadlineExtensionDeleteView
    list_display = ["user", "quiz", "deadline", "policy_deadline", "granted_by", "granted_at"]
    list_filter = ["quiz"]
    search_fields = ["user__username", "user__last_name", "reason"]
    edit_handler = ObjectList([FieldPanel("user"), FieldPanel("quiz"), FieldPanel("deadline"), FieldPanel("reason")])


class AssessmentsViewSetGroup(ViewSetGroup):
    menu_label = _("Assessments")
    menu_icon = "tasks"
    items = (
        QuizViewSet("quizzes"),
        QuestionBankViewSet("question_banks"),
        QuestionViewSet("questions"),
        QuizDeadlineExtensionViewSet("quiz_deadline_extensions"),
    )


@hooks.register("register_admin_viewset")
def register_assessments_viewsets():
    return AssessmentsViewSetGroup()
