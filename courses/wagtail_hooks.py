from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.viewsets.model import ModelViewSet

from courses.models import CoursePage, DeadlineExtension, LecturePage
from courses.services import deadline_extension_delete, deadline_extension_grant
from courses.views import course_page_serve, lecture_page_serve
from lms.extension_admin import extension_admin_views


def _extension_grant(*, data, granted_by, extension):
    return deadline_extension_grant(
        user=data["user"],
        deadline=data["deadline"],
        reason=data["reason"],
        granted_by=granted_by,
        lecture=data.get("lecture"),
        course=data.get("course"),
        extension=extension,
    )


_extension_views = extension_admin_views(grant=_extension_grant, withdraw=deadline_extension_delete)


class DeadlineExtensionViewSet(ModelViewSet):
    """Staff extend a participant's deadline for one lecture or a whole course, saying why."""

    model = DeadlineExtension
    icon = "time"
    menu_label = _("Deadline extensions")
    add_to_admin_menu = True
    menu_order = 310
    add_view_class, edit_view_class, delete_view_class = _extension_views
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
    """A lecture page is shown only through the access rules, with the reason (403) when refused;
    a course page lists its lectures as the viewer may see them."""

    def serve_lecture(page, request, args, kwargs):
        if isinstance(page, LecturePage):
            return lecture_page_serve(request, page)
        if isinstance(page, CoursePage):
            return course_page_serve(request, page)
        return serve(page, request, args, kwargs)

    return serve_lecture
