from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from live.models import LiveSession, Speaker


class SpeakerViewSet(SnippetViewSet):
    model = Speaker
    icon = "user"
    menu_label = _("Speakers")
    list_display = ["name", "user"]
    search_fields = ["name", "bio"]
    form_fields = ["user", "name", "bio", "photo"]


register_snippet(SpeakerViewSet)


def _recording_button(session: LiveSession, *, priority: int) -> Button:
    # The recording page is the site's (the same one the speakers' console links to); editors,
    # who never see the console, reach it from the session here.
    return Button(
        _("Attach recording"),
        url=reverse("live-session-recording", args=[session.pk]),
        icon_name="media",
        priority=priority,
    )


class LiveSessionIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        return [*super().get_list_more_buttons(instance), _recording_button(instance, priority=15)]


class LiveSessionEditView(generic.EditView):
    @property
    def header_more_buttons(self):
        return [*super().header_more_buttons, _recording_button(self.object, priority=5)]


class LiveSessionViewSet(ModelViewSet):
    model = LiveSession
    index_view_class = LiveSessionIndexView
    edit_view_class = LiveSessionEditView
    icon = "date"
    menu_label = _("Live sessions")
    add_to_admin_menu = True
    list_display = ["title", "starts_at", "kind", "track", "delivery", "required"]
    list_filter = ["season", "kind", "track", "delivery", "required"]
    search_fields = ["title"]
    form_fields = [
        "title",
        "kind",
        "course",
        "season",
        "track",
        "parent",
        "capacity",
        "starts_at",
        "ends_at",
        "required",
        "threshold_percent",
        "join_opens_minutes",
        "delivery",
        "room_url",
        "place",
        "external_meeting_id",
        "speakers",
    ]


@hooks.register("register_admin_viewset")
def register_live_session_viewset():
    return LiveSessionViewSet("live_sessions")
