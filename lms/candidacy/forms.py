"""The participant's forms: they shape the input; the rules are the services'."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from lms.candidacy.models import CvVersion


def _label(name: str):
    return capfirst(CvVersion._meta.get_field(name).verbose_name)


class CvForm(forms.Form):
    place_of_birth = forms.CharField(label=_label("place_of_birth"), max_length=200)
    education = forms.CharField(
        label=_label("education"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Institutions, years, speciality and qualification."),
    )
    work = forms.CharField(
        label=_label("work"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Years, organisation and position, latest first."),
    )
    public_activity = forms.CharField(
        label=_label("public_activity"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    awards = forms.CharField(
        label=_label("awards"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    languages = forms.CharField(
        label=_label("languages"),
        max_length=300,
        required=False,
        help_text=_("E.g. English (B2), German (A2)."),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
        help_text=_("JPEG or PNG, up to 2 MB; without a new one the previous photo stays."),
    )
