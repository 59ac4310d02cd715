"""What the assessments API views share: their error answers in the schema, the export renderers,
the look-ups that end in 404 or 403, and the stricter fields."""

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import renderers, serializers

from lms.api import error_responses as error_responses  # the assessments APIs import it from here
from lms.selectors import participant_current, season_get

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from lms.models import Participant, Season


EXPORT_FORMAT = OpenApiParameter(
    "format", str, enum=["json", "csv", "xlsx"], required=False, description="`csv` or `xlsx` downloads the list."
)


class _FileRenderer(renderers.BaseRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else renderers.JSONRenderer().render(data)


class CsvRenderer(_FileRenderer):
    media_type, format, charset = "text/csv", "csv", "utf-8"


class XlsxRenderer(_FileRenderer):
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format, charset = "xlsx", None


# A list view that also downloads: `?format=csv|xlsx` picks the file renderer.
EXPORT_RENDERERS = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CsvRenderer, XlsxRenderer]


def season_or_404(season_id: int) -> "Season":
    season = season_get(season_id=season_id)
    if season is None:
        raise Http404
    return season


def participant_or_403(user: "AbstractBaseUser") -> "Participant":
    """The caller's participant record; a user who is none is refused (403), as the participant's
    own endpoints are not meant for them."""
    participant = participant_current(user=user)
    if participant is None:
        raise PermissionDenied(_("You are not a participant of a season."))
    return participant


class StringField(serializers.CharField):
    """DRF's CharField turns a number into text (1e999 would be saved as "inf"): require a string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Enter text, not a number or a list."))
        return super().to_internal_value(data)


class DateTimeField(serializers.DateTimeField):
    """DRF's field overflows (a 500) moving 0001-01-01 or 9999-12-31 into a zone: a 400 instead."""

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except OverflowError as error:
            raise serializers.ValidationError(_("This is not a valid date.")) from error
