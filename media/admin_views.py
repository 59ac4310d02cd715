"""Wagtail admin views for video assets: upload through the service, a live status, re-run a transcode."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView
from wagtail.admin.widgets import Button

from media import conf
from media.models import VideoAsset
from media.services import file_too_large_message, video_asset_create, video_asset_delete, video_asset_retranscode


class VideoAssetCreateForm(WagtailAdminModelForm):
    """Upload a source; the file is streamed to a temporary file by Django's upload handlers, never
    held whole in memory, and then streamed on into the storage."""

    class Meta:
        model = VideoAsset
        fields = ["title", "source"]
        widgets = {"source": forms.ClearableFileInput(attrs={"accept": "video/*"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Leave empty to use the file name.")
        self.fields["source"].help_text = _(
            "A video file (MP4, MOV, MKV, WebM…) of at most %(limit)s. It is transcoded for "
            "streaming after saving; the list of videos shows the progress."
        ) % {"limit": filesizeformat(conf.max_upload_size())}

    def clean_source(self):
        source = self.cleaned_data.get("source")
        if source and source.size > conf.max_upload_size():
            raise ValidationError(file_too_large_message(source.size))
        return source


class VideoAssetEditForm(WagtailAdminModelForm):
    class Meta:
        model = VideoAsset
        fields = ["title"]


class VideoStatusColumn(Column):
    """State with a live progress bar (media/static/media/js/video-status.js keeps it current)."""

    cell_template_name = "media/admin/status_cell.html"


class DurationColumn(Column):
    def get_value(self, instance):
        if not instance.duration:
            return ""
        minutes, seconds = divmod(round(instance.duration), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class VideoChooserColumnsMixin:
    """The chooser shows each video's state and length, so an editor picks a finished one."""

    @property
    def columns(self):
        return [
            *super().columns,
            Column("state", label=gettext_lazy("State"), accessor="get_state_display"),
            DurationColumn("duration", label=gettext_lazy("Duration")),
        ]


class VideoChooseView(VideoChooserColumnsMixin, ChooseView):
    pass


class VideoChooseResultsView(VideoChooserColumnsMixin, ChooseResultsView):
    pass


class VideoAssetIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.user_has_permission("change") and instance.state != VideoAsset.State.PROCESSING:
            buttons.append(
                MenuItem(
                    _("Transcode again"),
                    url=reverse("media_videos:retranscode", args=[instance.pk]),
                    icon_name="repeat",
                    priority=25,
                )
            )
        return buttons


class VideoAssetCreateView(generic.CreateView):
    def save_instance(self):
        return video_asset_create(
            title=self.form.cleaned_data.get("title", ""),
            source=self.form.cleaned_data["source"],
            created_by=self.request.user,
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)


class VideoAssetEditView(generic.EditView):
    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.user_has_permission("change"):
            buttons.append(
                Button(
                    _("Transcode again"),
                    url=reverse("media_videos:retranscode", args=[self.object.pk]),
                    icon_name="repeat",
                    priority=15,
                )
            )
        return buttons


class VideoAssetDeleteView(generic.DeleteView):
    def delete_action(self):
        video_asset_delete(asset=self.object)


def video_asset_retranscode_view(request, pk: int):
    """GET asks for confirmation; POST sends the video back to the transcode queue."""
    if not request.user.has_perm("media.change_videoasset"):
        raise PermissionDenied
    asset = get_object_or_404(VideoAsset, pk=pk)
    if request.method == "POST":
        try:
            video_asset_retranscode(asset_id=asset.pk)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("“%(title)s” is queued for transcoding again.") % {"title": asset.title})
        return redirect("media_videos:edit", asset.pk)
    return TemplateResponse(
        request,
        "media/admin/confirm_retranscode.html",
        {"asset": asset, "page_title": _("Transcode again"), "header_icon": "media"},
    )
