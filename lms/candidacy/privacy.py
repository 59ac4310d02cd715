"""A participant's candidacy in lms.privacy's registry: the export lists their ranked offers with the
motivations and every CV version; the erasure empties the motivations (the ranks stay, as the
placement's figures do), deletes the CV versions and, after commit, the photo files."""

from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _

from lms.candidacy.models import CvVersion, OfferPreference
from lms.privacy.registry import DataSection, PersonalDataPart

CV_FIELDS = (
    "number",
    "full_name",
    "date_of_birth",
    "place_of_birth",
    "education",
    "work",
    "public_activity",
    "awards",
    "languages",
    "created_at",
)


def candidacy_part_export(user_id: int) -> list[DataSection]:
    """Two queries: the rankings and the CV versions of all the person's seasons."""
    preferences = OfferPreference.objects.filter(participant__user_id=user_id).select_related(
        "participant__season", "offer__host"
    )
    versions = CvVersion.objects.filter(participant__user_id=user_id).order_by("participant_id", "number")
    return [
        DataSection(
            "offer_preferences",
            _("Internship offers you ranked"),
            [
                ("season", _("season")),
                ("rank", _("rank")),
                ("offer", _("internship offer")),
                ("motivation", _("motivation")),
            ],
            [
                {
                    "season": row.participant.season.name,
                    "rank": row.rank,
                    "offer": f"{row.offer.host.name}: {row.offer.title}",
                    "motivation": row.motivation,
                }
                for row in preferences
            ],
        ),
        DataSection(
            "cv_versions",
            _("Your CV, every version"),
            [(name, CvVersion._meta.get_field(name).verbose_name) for name in CV_FIELDS] + [("photo", _("photo"))],
            [
                {**{name: getattr(version, name) for name in CV_FIELDS}, "photo": bool(version.photo)}
                for version in versions
            ],
        ),
    ]


def candidacy_part_erase(user_id: int) -> None:
    OfferPreference.objects.filter(participant__user_id=user_id).update(motivation="")
    CvVersion.objects.filter(participant__user_id=user_id).delete()


def candidacy_part_erase_files(user_id: int) -> None:
    """The photos live in the person's own folder (`cv_photo_path`): all of it goes, after the rows
    are gone for good."""
    folder = f"cv/{user_id}"
    try:
        _folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")


CANDIDACY_PART = PersonalDataPart(
    "candidacy",
    _("Internship choices and CV"),
    candidacy_part_export,
    candidacy_part_erase,
    erase_after_commit=candidacy_part_erase_files,
    order=25,
)
