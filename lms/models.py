from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from lms.choices import LEVEL_TRACK, Level, Track  # noqa: F401  (the core's vocabulary, re-exported)
from lms.regions import FederalDistrict, region_choices, timezone_choices


class Stage(models.TextChoices):
    BEFORE = "before", _("Before the application campaign")
    CAMPAIGN = "campaign", _("Application campaign")
    EDUCATION = "education", _("Education block")
    INTERVIEWS = "interviews", _("Interviews")
    INTERNSHIPS = "internships", _("Internships")
    CLOSING = "closing", _("Closing")
    BETWEEN = "between", _("Between stages")
    FINISHED = "finished", _("Season finished")


class Season(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    campaign_starts_on = models.DateField(_("application campaign starts"))
    campaign_ends_on = models.DateField(_("application campaign ends"))
    education_starts_on = models.DateField(_("education block starts"))
    education_ends_on = models.DateField(_("education block ends"))
    interviews_starts_on = models.DateField(_("interviews start"))
    interviews_ends_on = models.DateField(_("interviews end"))
    internships_starts_on = models.DateField(_("internships start"))
    internships_ends_on = models.DateField(_("internships end"))
    closing_starts_on = models.DateField(_("closing starts"))
    closing_ends_on = models.DateField(_("closing ends"))
    age_reference_date = models.DateField(
        _("age reference date"), help_text=_("Applicants must be 18 to 35 years old on this date.")
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=18)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), default=35)
    excused_sessions_leave_denominator = models.BooleanField(
        _("excused live sessions leave the denominator"),
        default=True,
        help_text=_("When on, a live session a participant was excused from does not count against them."),
    )
    # Issue 15 §2: the participant's ranked choice of internship offers and their CV, each open
    # until its own cut-off (empty: no cut-off set yet, open).
    offer_choices_max = models.PositiveSmallIntegerField(
        _("internship offers a participant may rank"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    preferences_close_at = models.DateTimeField(
        _("internship choices close at"),
        null=True,
        blank=True,
        help_text=_("After this moment participants can no longer change their ranked internship offers."),
    )
    cv_close_at = models.DateTimeField(
        _("CVs close at"),
        null=True,
        blank=True,
        help_text=_("After this moment participants can no longer change their CV."),
    )

    class Meta:
        ordering = ["-campaign_starts_on"]
        verbose_name = _("season")
        verbose_name_plural = _("seasons")
        constraints = [
            models.CheckConstraint(
                condition=Q(campaign_ends_on__gte=F("campaign_starts_on")), name="season_campaign_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(education_ends_on__gte=F("education_starts_on")), name="season_education_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(interviews_ends_on__gte=F("interviews_starts_on")), name="season_interview_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(internships_ends_on__gte=F("internships_starts_on")),
                name="season_internship_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(closing_ends_on__gte=F("closing_starts_on")), name="season_closing_dates_ordered"
            ),
            models.CheckConstraint(condition=Q(max_age__gte=F("min_age")), name="season_age_range_ordered"),
            models.CheckConstraint(
                condition=Q(offer_choices_max__gte=1, offer_choices_max__lte=10),
                name="season_offer_choices_max_in_range",
                violation_error_message=_("A participant may rank 1 to 10 internship offers."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def stage_windows(self) -> list[tuple[str, date, date]]:
        return [
            (Stage.CAMPAIGN, self.campaign_starts_on, self.campaign_ends_on),
            (Stage.EDUCATION, self.education_starts_on, self.education_ends_on),
            (Stage.INTERVIEWS, self.interviews_starts_on, self.interviews_ends_on),
            (Stage.INTERNSHIPS, self.internships_starts_on, self.internships_ends_on),
            (Stage.CLOSING, self.closing_starts_on, self.closing_ends_on),
        ]

    def stages_on(self, day: date) -> list[str]:
        """Stages overlap in the real programme (interviews run during the education block)."""
        if day < self.campaign_starts_on:
            return [Stage.BEFORE]
        if day > self.closing_ends_on:
            return [Stage.FINISHED]
        current = [stage for stage, starts, ends in self.stage_windows() if starts <= day <= ends]
        return current or [Stage.BETWEEN]

    def campaign_open_on(self, day: date) -> bool:
        return self.campaign_starts_on <= day <= self.campaign_ends_on


class EducationLevel(models.TextChoices):
    SECONDARY = "secondary", _("Secondary general")
    VOCATIONAL = "vocational", _("Secondary vocational")
    HIGHER_INCOMPLETE = "higher_incomplete", _("Higher education, still studying")
    BACHELOR = "bachelor", _("Bachelor's degree")
    SPECIALIST = "specialist", _("Specialist degree")
    MASTER = "master", _("Master's degree")
    POSTGRADUATE = "postgraduate", _("Postgraduate degree")


COMPLETED_HIGHER_EDUCATION = frozenset(
    {EducationLevel.BACHELOR, EducationLevel.SPECIALIST, EducationLevel.MASTER, EducationLevel.POSTGRADUATE}
)


class InternshipPreference(models.TextChoices):
    ROIV = "roiv", _("ROIV (regional executive body)")
    FOIV = "foiv", _("FOIV (federal executive body)")


class Citizenship(models.TextChoices):
    RUSSIAN = "ru", _("Citizen of the Russian Federation")
    OTHER = "other", _("Citizen of another country or stateless")


class ApplicationQuerySet(models.QuerySet):
    def counted(self) -> "ApplicationQuerySet":
        return self.filter(email_verified_at__isnull=False)

    def held(self) -> "ApplicationQuerySet":
        return self.filter(email_verified_at__isnull=True)


class Application(models.Model):
    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="applications", verbose_name=_("season"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications", verbose_name=_("user")
    )
    last_name = models.CharField(_("last name"), max_length=150)
    first_name = models.CharField(_("first name"), max_length=150)
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"))
    # Null only once erased (lms.privacy): the constraint below keeps every live application dated.
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    # The programme is for citizens of the Russian Federation: the service refuses anyone else, and
    # the constraint keeps it so.
    citizenship = models.CharField(_("citizenship"), max_length=10, choices=Citizenship.choices)
    region_code = models.CharField(_("region"), max_length=2, choices=region_choices)
    federal_district = models.CharField(_("federal district"), max_length=20, choices=FederalDistrict.choices)
    timezone = models.CharField(_("time zone"), max_length=40, choices=timezone_choices)
    education_level = models.CharField(_("education"), max_length=20, choices=EducationLevel.choices)
    institution = models.CharField(_("educational institution"), max_length=300)
    studies_public_administration = models.BooleanField(
        _("the field of study is state and municipal administration"), default=False
    )
    in_state_service = models.BooleanField(_("works in state or municipal service"), default=False)
    state_service_years = models.DecimalField(
        _("years in state or municipal service"), max_digits=4, decimal_places=1, default=0
    )
    youth_organisations = models.BooleanField(_("experience in youth or public organisations"), default=False)
    own_projects = models.BooleanField(_("has run own projects"), default=False)
    government_internships = models.BooleanField(_("earlier internships in government bodies"), default=False)
    youth_government_member = models.BooleanField(_("member of a youth government"), default=False)
    experience_details = models.TextField(_("about your experience"), blank=True, max_length=3000)
    internship_preference = models.CharField(
        _("preferred internship"), max_length=4, choices=InternshipPreference.choices
    )
    internship_reason = models.TextField(_("why this internship"), max_length=1000)
    personal_data_consent = models.BooleanField(_("consent to personal data processing"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    # An application counts (its applicant is enrolled) only from the moment its e-mail address is
    # confirmed as the applicant's; until then it is held (lms.services.application_count).
    email_verified_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True, editable=False)
    confirmation_sent_at = models.DateTimeField(_("confirmation sent at"), null=True, blank=True)
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True, editable=False)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(fields=["season", "user"], name="application_one_per_user_and_season"),
            # Only counted applications hold their address: held ones with someone else's address
            # (unverifiable by whoever typed it) never block its owner.
            models.UniqueConstraint(
                fields=["season", "email"],
                condition=Q(email_verified_at__isnull=False),
                name="application_one_counted_per_email_and_season",
            ),
            models.CheckConstraint(condition=Q(personal_data_consent=True), name="application_consent_given"),
            models.CheckConstraint(condition=Q(citizenship=Citizenship.RUSSIAN), name="application_citizen_of_russia"),
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=False) | Q(erased_at__isnull=False),
                name="application_dated_unless_erased",
            ),
            models.CheckConstraint(condition=Q(state_service_years__gte=0), name="application_service_years_positive"),
            models.CheckConstraint(
                condition=Q(in_state_service=True) | Q(state_service_years=0),
                name="application_service_years_need_service",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name} ({self.season})"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.patronymic) if part)

    @property
    def is_held(self) -> bool:
        return self.email_verified_at is None


class Participant(models.Model):
    """A person's place in one season: the level and track they study on now."""

    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="participants", verbose_name=_("season"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="participations", verbose_name=_("user")
    )
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="participant", verbose_name=_("application")
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    track = models.CharField(_("track"), max_length=15, choices=Track.choices)
    placement_rule = models.CharField(_("placed by rule"), max_length=60)
    region_code = models.CharField(_("region"), max_length=2, choices=region_choices)
    federal_district = models.CharField(_("federal district"), max_length=20, choices=FederalDistrict.choices)
    timezone = models.CharField(_("time zone"), max_length=40, choices=timezone_choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set when the participant withdrew their consent to take part: they left the season, and
    # participant_list (every app's view of a season's people) no longer counts them.
    left_at = models.DateTimeField(_("left the season at"), null=True, blank=True)

    class Meta:
        ordering = ["season", "application__last_name", "application__first_name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["season", "user"], name="participant_one_per_user_and_season"),
            models.CheckConstraint(
                condition=(
                    Q(level__in=[Level.BEGINNER, Level.YOUNG], track=Track.INTRODUCTORY)
                    | Q(level=Level.PRO, track=Track.ADVANCED)
                ),
                name="participant_track_follows_level",
            ),
        ]

    def __str__(self) -> str:
        return self.application.full_name


class LevelChange(models.Model):
    """Every placement and override of a participant's level: the first row is the rules' placement."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="level_changes", verbose_name=_("participant")
    )
    from_level = models.CharField(_("from level"), max_length=10, choices=Level.choices, blank=True)
    to_level = models.CharField(_("to level"), max_length=10, choices=Level.choices)
    to_track = models.CharField(_("to track"), max_length=15, choices=Track.choices)
    rule = models.CharField(_("rule"), max_length=60, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["participant", "changed_at", "id"]
        verbose_name = _("level change")
        verbose_name_plural = _("level changes")
        constraints = [
            # A placement by the rules names its rule; an override by a person names them and says why.
            models.CheckConstraint(
                condition=(Q(changed_by__isnull=True) & ~Q(rule="")) | (Q(changed_by__isnull=False) & ~Q(reason="")),
                name="level_change_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant}: {self.from_level or '—'} → {self.to_level}"


class RoleChange(models.Model):
    """The audit of the programme's roles: who gave or took which role from whom, when and why.
    Written only by `lms.services.user_role_change`, the one way roles change."""

    class Action(models.TextChoices):
        GRANT = "grant", _("granted")
        REVOKE = "revoke", _("revoked")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_changes", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=30)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    reason = models.TextField(_("reason"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("role change")
        verbose_name_plural = _("role changes")
        constraints = [
            models.CheckConstraint(condition=Q(action__in=["grant", "revoke"]), name="role_change_action_known"),
            models.CheckConstraint(condition=~Q(reason=""), name="role_change_explained"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_action_display()} {self.role}"


class ConsentPurpose(models.TextChoices):
    """What a consent allows: each is given and withdrawn on its own (152-FZ art. 9)."""

    PARTICIPATION = "participation", _("Taking part in the season")
    REUSE = "reuse", _("Reusing the application for a later season")
    TALENT_POOL = "talent_pool", _("The talent pool and dossiers sent to regional bodies")


class Consent(models.Model):
    """One purpose consented to on one application, with the version of the text the person read.
    A withdrawal closes the row (it is never deleted: the consent once given is the programme's
    proof); giving the purpose again adds a new row."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="consents", verbose_name=_("application")
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    text_version = models.CharField(_("text version"), max_length=40)
    given_at = models.DateTimeField(_("given at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["application", "purpose", "given_at", "id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_in_force_per_purpose",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=F("given_at")),
                name="consent_withdrawn_after_given",
            ),
            models.CheckConstraint(condition=~Q(text_version=""), name="consent_names_its_text"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.purpose} ({self.text_version})"


class Erasure(models.Model):
    """The audit row of one person's erasure: who erased them, when, why and the pseudonym they now
    carry. Never the erased data itself."""

    class Reason(models.TextChoices):
        REQUEST = "request", _("at the person's request")
        RETENTION = "retention", _("retention period over")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="erasure", verbose_name=_("user")
    )
    pseudonym = models.CharField(_("pseudonym"), max_length=60, unique=True)
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("erased by"),
    )
    erased_at = models.DateTimeField(_("erased at"))

    class Meta:
        ordering = ["-erased_at", "-id"]
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")
        constraints = [
            # A person asks and a staff member erases; the retention sweep erases by itself.
            models.CheckConstraint(
                condition=Q(reason="request", erased_by__isnull=False) | Q(reason="retention", erased_by__isnull=True),
                name="erasure_actor_follows_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.pseudonym


# The host bodies and their offers live in their own module by subject (lms/hosts/); imported here so
# that Django registers them with the core's other tables.
# The participant's candidacy to the host bodies (issue 15 §2): ranked offers and the CV.
from lms.candidacy.models import CvVersion, OfferPreference  # noqa: E402, F401
from lms.hosts.models import HostBody, HostImport, HostKind, HostMembership, InternshipOffer  # noqa: E402, F401

# The regions' youth-policy bodies, where the dossiers of finalists go (issue 15 §5).
from lms.youthbodies.models import YouthBody  # noqa: E402, F401
