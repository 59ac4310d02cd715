from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
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


class LiveSessionViewSet(ModelViewSet):
    model = LiveSession
    icon = "date"
    menu_label = _("Live sessions")
    add_to_admin_menu = True
    list_display = ["title", "starts_at", "track", "delivery", "required"]
    list_filter = ["season", "track", "delivery", "required"]
    search_fields = ["title"]
    form_fields = [
        "title",
        "course",
        "season",
        "track",
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
