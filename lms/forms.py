from django import forms
from django.utils.translation import gettext_lazy as _

from lms.models import Citizenship, EducationLevel, InternshipPreference
from lms.privacy.texts import CONSENT_TEXTS
from lms.regions import region_choices, timezone_choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=None):
        # A browser's date field takes only ISO dates: a value in the page's own format (6.04.2027)
        # would show as empty and come back empty.
        super().__init__(attrs, format=format or "%Y-%m-%d")


class ApplicationForm(forms.Form):
    """Field checks that need the season (age, duplicates, campaign dates) live in the service;
    the form only shapes the input."""

    last_name = forms.CharField(label=_("Last name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    patronymic = forms.CharField(label=_("Patronymic"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(
        label=_("Password for your personal cabinet"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        required=False,
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput)
    citizenship = forms.ChoiceField(
        label=_("Citizenship"),
        choices=Citizenship.choices,
        widget=forms.RadioSelect,
        help_text=_("The programme is open to citizens of the Russian Federation."),
    )
    region_code = forms.ChoiceField(label=_("Region"), choices=[])
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[],
        required=False,
        help_text=_("Leave empty to use your region's time zone."),
    )
    education_level = forms.ChoiceField(label=_("Education"), choices=EducationLevel.choices)
    institution = forms.CharField(label=_("Educational institution"), max_length=300)
    studies_public_administration = forms.BooleanField(
        label=_("My field of study is state and municipal administration"), required=False
    )
    in_state_service = forms.BooleanField(label=_("I work in state or municipal service"), required=False)
    state_service_years = forms.DecimalField(
        label=_("Years in state or municipal service"),
        min_value=0,
        max_digits=4,
        decimal_places=1,
        initial=0,
        required=False,
    )
    youth_organisations = forms.BooleanField(
        label=_("I have experience in youth or public organisations"), required=False
    )
    own_projects = forms.BooleanField(label=_("I have run my own projects"), required=False)
    government_internships = forms.BooleanField(label=_("I have done internships in government bodies"), required=False)
    youth_government_member = forms.BooleanField(label=_("I am a member of a youth government"), required=False)
    experience_details = forms.CharField(
        label=_("About your experience"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=3000
    )
    internship_preference = forms.ChoiceField(
        label=_("Where would you prefer to do your internship?"),
        choices=InternshipPreference.choices,
        widget=forms.RadioSelect,
    )
    internship_reason = forms.CharField(
        label=_("Why? (briefly)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )
    personal_data_consent = forms.BooleanField(
        label=CONSENT_TEXTS["participation"].label,
        required=False,  # the service names the missing consent, in the same words as the API
    )
    reuse_consent = forms.BooleanField(label=CONSENT_TEXTS["reuse"].label, required=False)
    talent_pool_consent = forms.BooleanField(label=CONSENT_TEXTS["talent_pool"].label, required=False)

    def __init__(self, *args, needs_password: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = [("", "—")] + region_choices()
        self.fields["timezone"].choices = [("", _("My region's time zone"))] + timezone_choices()
        if needs_password:
            self.fields["password"].required = True
        else:
            del self.fields["password"]
