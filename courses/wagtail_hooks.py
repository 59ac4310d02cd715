from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views.generic import CreateView, DeleteView, EditView
from wagtail.admin.viewsets.model import ModelViewSet

from courses.models import DeadlineExtension, LecturePage
from courses.services import deadline_extension_delete, deadline_extension_grant
from courses.views import lecture_page_serve


class _GrantMixin:
    """The admin saves through the service, whose rules are the only ones: what it refuses comes
    back as the form's errors (the save is rolled back with the view's transaction)."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)

    def save_instance(self):
        data = self.form.cleaned_data
        return deadline_extension_grant(
            user=data["user"],
            deadline=data["deadline"],
            reason=data["reason"],
            granted_by=self.request.user,
            lecture=data.get("lecture"),
            course=data.get("course"),
            extension=self.form.instance if self.form.instance.pk else None,
        )


class DeadlineExtensionCreateView(_GrantMixin, CreateView):
    pass


class DeadlineExtensionEditView(_GrantMixin, EditView):
    pass


class DeadlineExtensionDeleteView(DeleteView):
    def delete_action(self):
        deadline_extension_delete(extension=self.object)


class DeadlineExtensionViewSet(ModelViewSet):
    """Staff extend a participant's deadline for one lecture or a whole course, saying why."""

    model = DeadlineExtension
    icon = "time"
    menu_label = _("Deadline extensions")
    add_to_admin_menu = True
    menu_order = 310
    add_view_class = DeadlineExtensionCreateView
    edit_view_class = DeadlineExtensionEditView
    delete_view_class = DeadlineExtensionDeleteView
    list_display = ["user", "lecture", "course", "deadline", "granted_by", "granted_at"]
    search_fields = ["user__username", "user__last_name", "reason"]
    edit_handler = ObjectList(
        [
            FieldPanel("user"),
            FieldPanel("lecture"),
            FieldPanel("course"),
            FieldPanel("deadline"),
            FieldPanel("reason"),
        ],
    )


@hooks.register("register_admin_viewset")
def register_deadline_extensions():
    return DeadlineExtensionViewSet("deadline_extensions")


# Order 100: innermost in Wagtail's serve chain (hooks of a lower order wrap it), so Wagtail's view
# restrictions still run first, as they did when this was LecturePage.serve. A model that imported
# its view closed an import circle (models → views → selectors → beats → models).
@hooks.register("on_serve_page", order=100)
def lecture_page_serve_hook(serve):
    """A lecture page is shown only through the access rules, with the reason (403) when refused."""

    def serve_lecture(page, request, args, kwargs):
        if isinstance(page, LecturePage):
            return lecture_page_serve(request, page)
        return serve(page, request, args, kwargs)

    return serve_lecture
