"""The console's one form with more than a button: a correction of the session's times."""

from django import forms
from django.utils.translation import gettext_lazy as _

# What <input type="datetime-local"> sends (with or without seconds), in the viewer's time zone.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format="%Y-%m-%dT%H:%M:%S")


class SessionTimesCorrectionForm(forms.Form):
    started_at = forms.DateTimeField(label=_("Actual start"), input_formats=LOCAL_FORMATS, widget=LocalDateTimeInput())
    ended_at = forms.DateTimeField(
        label=_("Actual end"),
        input_formats=LOCAL_FORMATS,
        widget=LocalDateTimeInput(),
        required=False,
        help_text=_("Empty: the session has not ended (it ends itself at its overrun limit)."),
    )
    reason = forms.CharField(
        label=_("Reason for the correction"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for the correction.")},
    )
