from django.templatetags.static import static
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import DateColumn
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet

from media import admin_views
from media.models import VideoAsset


class VideoAssetViewSet(ModelViewSet):
    model = VideoAsset
    icon = "media"
    menu_label = _("Videos")
    menu_order = 250
    add_to_admin_menu = True
    url_prefix = "videos"
    name = "media_videos"
    index_view_class = admin_views.VideoAssetIndexView
    add_view_class = admin_views.VideoAssetCreateView
    edit_view_class = admin_views.VideoAssetEditView
    delete_view_class = admin_views.VideoAssetDeleteView
    edit_template_name = "media/admin/edit.html"
    list_display = [
        "title",
        admin_views.VideoStatusColumn("state", label=_("State")),
        admin_views.DurationColumn("duration", label=_("Duration")),
        DateColumn("updated_at", label=_("Updated")),
    ]
    list_filter = ["state"]
    search_fields = ["title"]
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return admin_views.VideoAssetEditForm if for_update else admin_views.VideoAssetCreateForm

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("retranscode/<int:pk>/", admin_views.video_asset_retranscode_view, name="retranscode"),
        ]


class VideoChooserViewSet(ChooserViewSet):
    """The chooser a LecturePage's `FieldPanel("video")` gets automatically (register_widget)."""

    model = VideoAsset
    icon = "media"
    choose_one_text = _("Choose a video")
    choose_another_text = _("Choose another video")
    edit_item_text = _("Edit video")
    page_title = _("Choose a video")
    per_page = 20
    choose_view_class = admin_views.VideoChooseView
    choose_results_view_class = admin_views.VideoChooseResultsView


video_viewset = VideoAssetViewSet()
video_chooser_viewset = VideoChooserViewSet("video_chooser")


@hooks.register("register_admin_viewset")
def register_video_viewsets():
    return [video_viewset, video_chooser_viewset]


@hooks.register("insert_global_admin_js")
def video_status_js():
    return format_html('<script src="{}" defer></script>', static("media/js/video-status.js"))


@hooks.register("insert_global_admin_css")
def video_status_css():
    return format_html('<link rel="stylesheet" href="{}">', static("media/css/video-admin.css"))
