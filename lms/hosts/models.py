"""Host bodies (the ROIVs, FOIVs and state corporations that take interns), the people who represent
them, and their internship offers per season (issue 15 §1).

The core's tables: lms/models.py imports these so Django registers them under the `lms` label. They
name the season and the user by string, so this module imports nothing of lms.models (which imports
it back)."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from lms.choices import Level
from lms.regions import region_choices

# "Two weeks to one month" (DOMAIN.md, stage 7), counted in calendar days with both ends included:
# 1–14 October is two weeks, 1–31 October a month. Other lengths need staff's written reason.
OFFER_MIN_DAYS = 14
OFFER_MAX_DAYS = 31
# Far above any body's offer, well within the column: a typo of a few zeros is refused, not stored.
MAX_SEATS = 10_000

# The offer's level flags, by level: three columns rather than a list, so a database constraint can
# require one and a selector can filter on a level in plain SQL on SQLite (the demo) and PostgreSQL.
LEVEL_FIELDS: dict[str, str] = {
    Level.BEGINNER: "takes_beginner",
    Level.YOUNG: "takes_young",
    Level.PRO: "takes_pro",
}


class HostKind(models.TextChoices):
    ROIV = "roiv", _("ROIV")
    FOIV = "foiv", _("FOIV")
    STATE_CORPORATION = "state_corporation", _("State corporation")


class HostBody(models.Model):
    """A body that takes interns. A ROIV belongs to a region; a FOIV and a state corporation are federal."""

    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=HostKind.choices)
    region_code = models.CharField(
        _("region"), max_length=2, choices=region_choices, blank=True, help_text=_("A ROIV's region; empty: federal.")
    )
    address = models.CharField(_("address"), max_length=500, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive body keeps its offers but takes no new ones.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("host body")
        verbose_name_plural = _("host bodies")
        constraints = [
            # The import finds a body by its name, whatever its case.
            models.UniqueConstraint(
                Lower("name"), name="host_body_name_unique", violation_error_message=_("A body of this name exists.")
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="host_body_named", violation_error_message=_("Name the host body.")
            ),
            models.CheckConstraint(condition=Q(kind__in=HostKind.values), name="host_body_kind_known"),
            models.CheckConstraint(
                condition=(Q(kind=HostKind.ROIV) & ~Q(region_code="")) | (~Q(kind=HostKind.ROIV) & Q(region_code="")),
                name="host_body_region_for_roiv_only",
                violation_error_message=_("A ROIV names its region; a FOIV or a state corporation is federal."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_roiv(self) -> bool:
        return self.kind == HostKind.ROIV


class HostMembership(models.Model):
    """A person who represents a host body (with the `host` role): one body per person."""

    host = models.ForeignKey(
        HostBody, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("host body")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="host_membership", verbose_name=_("user")
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["host", "user__last_name", "user__first_name", "id"]
        verbose_name = _("host body representative")
        verbose_name_plural = _("host body representatives")

    def __str__(self) -> str:
        return f"{self.user} — {self.host}"


class InternshipOffer(models.Model):
    """A host body's internship for one season: seats, dates, the levels that may take it."""

    season = models.ForeignKey(
        "lms.Season", on_delete=models.PROTECT, related_name="internship_offers", verbose_name=_("season")
    )
    host = models.ForeignKey(HostBody, on_delete=models.PROTECT, related_name="offers", verbose_name=_("host body"))
    title = models.CharField(
        _("title"), max_length=200, help_text=_("The unit or subject of the internship, e.g. a department.")
    )
    seats = models.PositiveIntegerField(_("seats"), validators=[MinValueValidator(1), MaxValueValidator(MAX_SEATS)])
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    takes_beginner = models.BooleanField(_("Beginners may take it"), default=False)
    takes_young = models.BooleanField(_("Young participants may take it"), default=False)
    takes_pro = models.BooleanField(_("PRO participants may take it"), default=False)
    pro_other_regions = models.BooleanField(
        _("PRO participants from other regions may take it"),
        default=False,
        help_text=_("Only a ROIV's offer: the programme's “difficult regions”."),
    )
    # A regional cap for the placement (docs/placement.md): at most this many of the offer's seats
    # go to PRO participants from other regions; empty: as many as the seats. Staff set it.
    other_regions_cap = models.PositiveIntegerField(
        _("most seats for PRO from other regions"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SEATS)],
        help_text=_("Empty: no limit beyond the seats. Set by programme staff."),
    )
    description = models.TextField(_("the work"), max_length=2000)
    # Staff agree another length than two weeks to a month in writing; the reason holds for these
    # dates only (a change of dates by the host's people clears it).
    length_override_reason = models.TextField(_("why another length"), max_length=1000, blank=True)
    length_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("other length agreed by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["season", "host__name", "title", "id"]
        verbose_name = _("internship offer")
        verbose_name_plural = _("internship offers")
        constraints = [
            # The import finds an offer again by its season, body and title.
            models.UniqueConstraint(
                "season",
                "host",
                Lower("title"),
                name="internship_offer_title_unique",
                violation_error_message=_("This body already has an offer of this title in the season."),
            ),
            models.CheckConstraint(
                condition=~Q(title=""),
                name="internship_offer_titled",
                violation_error_message=_("Name the internship (its unit or subject)."),
            ),
            models.CheckConstraint(
                condition=Q(seats__gte=1),
                name="internship_offer_has_seats",
                violation_error_message=_("An offer has at least one seat."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="internship_offer_dates_ordered",
                violation_error_message=_("The internship ends on or after the day it starts."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(ends_on__gte=F("starts_on") + timedelta(days=OFFER_MIN_DAYS - 1))
                    & Q(ends_on__lte=F("starts_on") + timedelta(days=OFFER_MAX_DAYS - 1))
                )
                | (~Q(length_override_reason="") & Q(length_override_by__isnull=False)),
                name="internship_offer_length_agreed",
                violation_error_message=_(
                    "An internship lasts two weeks to a month (14 to 31 days); another length needs "
                    "programme staff's written reason."
                ),
            ),
            models.CheckConstraint(
                condition=Q(length_override_reason="", length_override_by__isnull=True)
                | (~Q(length_override_reason="") & Q(length_override_by__isnull=False)),
                name="internship_offer_override_names_who_and_why",
            ),
            models.CheckConstraint(
                condition=Q(takes_beginner=True) | Q(takes_young=True) | Q(takes_pro=True),
                name="internship_offer_takes_a_level",
                violation_error_message=_("Choose at least one level that may take the offer."),
            ),
            models.CheckConstraint(
                condition=Q(pro_other_regions=False) | Q(takes_pro=True),
                name="internship_offer_other_regions_are_pro",
                violation_error_message=_(
                    "PRO participants from other regions may come only to an offer PRO may take."
                ),
            ),
            models.CheckConstraint(
                condition=Q(other_regions_cap__isnull=True)
                | Q(pro_other_regions=True, other_regions_cap__gte=1, other_regions_cap__lte=F("seats")),
                name="internship_offer_other_regions_cap_fits",
                violation_error_message=_(
                    "A limit for PRO from other regions needs an offer open to them, and is 1 to the offer's seats."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(description=""),
                name="internship_offer_describes_the_work",
                violation_error_message=_("Describe the work in a few words."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.host}: {self.title} ({self.season})"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    @property
    def levels(self) -> list[str]:
        return [level for level, field in LEVEL_FIELDS.items() if getattr(self, field)]

    @property
    def level_labels(self) -> list[str]:
        return [Level(level).label for level in self.levels]

    def clean(self) -> None:
        # Rules across tables, which a CHECK constraint cannot read: the body's kind and the
        # season's internship stage. The services refuse a change of kind that would break the first.
        errors: dict[str, list] = {}
        if self.pro_other_regions and self.host_id and not self.host.is_roiv:
            errors["pro_other_regions"] = [_("Only a ROIV's offer may take PRO participants from other regions.")]
        if self.season_id and isinstance(self.starts_on, date) and isinstance(self.ends_on, date):
            season = self.season
            if self.starts_on < season.internships_starts_on or self.ends_on > season.internships_ends_on:
                errors.setdefault("starts_on", []).append(
                    _("The season's internships run from %(starts)s to %(ends)s: the offer must fit in.")
                    % {
                        "starts": season.internships_starts_on.strftime("%d.%m.%Y"),
                        "ends": season.internships_ends_on.strftime("%d.%m.%Y"),
                    }
                )
        if errors:
            raise ValidationError(errors)


class HostImport(models.Model):
    """A spreadsheet of hosts and offers uploaded by staff for a season: previewed (a dry run), then
    applied once. The upload is kept so that what is applied is exactly what was previewed."""

    season = models.ForeignKey("lms.Season", on_delete=models.CASCADE, related_name="+", verbose_name=_("season"))
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("host import")
        verbose_name_plural = _("host imports")

    def __str__(self) -> str:
        return self.file_name
