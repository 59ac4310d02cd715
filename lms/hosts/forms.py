"""The staff pages' forms: they shape the input; the rules are the models' and the services'."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from lms.choices import Level
from lms.forms import DateInput
from lms.hosts.models import MAX_SEATS, HostBody, HostKind, InternshipOffer
from lms.regions import region_choices


def _label(model, name: str):
    # capfirst keeps the verbose name lazy: the label is read in each request's language.
    return capfirst(model._meta.get_field(name).verbose_name)


class HostForm(forms.Form):
    name = forms.CharField(label=_label(HostBody, "name"), max_length=300)
    kind = forms.ChoiceField(label=_label(HostBody, "kind"), choices=HostKind.choices, widget=forms.RadioSelect)
    region_code = forms.ChoiceField(
        label=_label(HostBody, "region_code"),
        required=False,
        help_text=_("A ROIV's region; leave empty for a federal body."),
    )
    address = forms.CharField(label=_label(HostBody, "address"), max_length=500, required=False)
    phone = forms.CharField(label=_label(HostBody, "phone"), max_length=50, required=False)
    email = forms.EmailField(label=_label(HostBody, "email"), required=False)
    website = forms.URLField(label=_label(HostBody, "website"), required=False, assume_scheme="https")
    active = forms.BooleanField(label=_("Active: takes new offers"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = [("", _("— federal —"))] + region_choices()


class OfferForm(forms.Form):
    title = forms.CharField(
        label=_label(InternshipOffer, "title"),
        max_length=200,
        help_text=InternshipOffer._meta.get_field("title").help_text,
    )
    seats = forms.IntegerField(label=_label(InternshipOffer, "seats"), min_value=1, max_value=MAX_SEATS)
    starts_on = forms.DateField(label=_label(InternshipOffer, "starts_on"), widget=DateInput)
    ends_on = forms.DateField(
        label=_label(InternshipOffer, "ends_on"),
        widget=DateInput,
        help_text=_("Two weeks to a month after the start (14 to 31 days, both counted)."),
    )
    levels = forms.MultipleChoiceField(
        label=_("Levels that may take it"), choices=Level.choices, widget=forms.CheckboxSelectMultiple
    )
    pro_other_regions = forms.BooleanField(
        label=_label(InternshipOffer, "pro_other_regions"),
        required=False,
        help_text=InternshipOffer._meta.get_field("pro_other_regions").help_text,
    )
    other_regions_cap = forms.IntegerField(
        label=_label(InternshipOffer, "other_regions_cap"),
        min_value=1,
        max_value=MAX_SEATS,
        required=False,
        help_text=InternshipOffer._meta.get_field("other_regions_cap").help_text,
    )
    description = forms.CharField(
        label=_("A short description of the work"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    length_override_reason = forms.CharField(
        label=_("Why another length (programme staff only)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
        help_text=_("Needed only when the internship is shorter than two weeks or longer than a month."),
    )

    def __init__(self, *args, staff: bool, roiv: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            # Only staff agree another length; the host's people do not see the field.
            del self.fields["length_override_reason"]
        if not roiv:
            del self.fields["pro_other_regions"]
        if not (staff and roiv):
            # Staff's rule for the placement; only a ROIV's offer takes PRO from other regions.
            del self.fields["other_regions_cap"]

    @classmethod
    def initial_of(cls, offer: InternshipOffer) -> dict:
        return {
            "title": offer.title,
            "seats": offer.seats,
            "starts_on": offer.starts_on,
            "ends_on": offer.ends_on,
            "levels": offer.levels,
            "pro_other_regions": offer.pro_other_regions,
            "other_regions_cap": offer.other_regions_cap,
            "description": offer.description,
            "length_override_reason": offer.length_override_reason,
        }


class MemberAddForm(forms.Form):
    login = forms.CharField(
        label=_("Login or e-mail"),
        max_length=254,
        help_text=_("Of an existing account; or the e-mail of a new one, with the names below."),
    )
    last_name = forms.CharField(label=_("Last name (for a new account)"), max_length=150, required=False)
    first_name = forms.CharField(label=_("First name (for a new account)"), max_length=150, required=False)
    position = forms.CharField(label=_("Position"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
