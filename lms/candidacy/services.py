"""Writes of a participant's candidacy: the ranked offers (replaced whole, atomically) and the CV
(each save a new immutable version). Every refusal is a ValidationError with the reason in words,
which the pages show on the form and the API answers with a 400."""

import io
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.appsettings import app_setting
from lms.candidacy.models import MOTIVATION_MAX, CvVersion, OfferPreference
from lms.candidacy.selectors import (
    cv_latest,
    cv_open,
    offer_refusal,
    participant_foiv_recommended,
    preferences_open,
)
from lms.hosts.models import InternshipOffer
from lms.models import Participant

# A passport-style photo needs far less; a phone's full-size picture is refused with the limit named.
PHOTO_MAX_BYTES_DEFAULT = 2 * 1024 * 1024
# Pillow decodes the header only; a picture larger than this is no portrait and would cost memory.
PHOTO_MAX_SIDE = 4000
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


@dataclass(frozen=True)
class RankedEntry:
    """One line of a ranking as a form or the API sends it: the rank the participant typed."""

    offer_id: int
    rank: int
    motivation: str


def offer_ranking_from_entries(*, entries: list[RankedEntry]) -> list[tuple[int, str]]:
    """Entries with explicit ranks as the ordered list `offer_preferences_set` takes: two entries on
    one rank are refused (which is first is the participant's call, not ours); gaps close up
    (ranks 1 and 3 are first and second)."""
    seen: dict[int, int] = {}
    for entry in entries:
        if entry.rank < 1:
            raise ValidationError({"ranked": [_("Ranks start at 1.")]})
        if entry.rank in seen:
            raise ValidationError(
                {"ranked": [_("Two offers have the rank %(rank)s: give each its own.") % {"rank": entry.rank}]}
            )
        seen[entry.rank] = entry.offer_id
    return [(entry.offer_id, entry.motivation) for entry in sorted(entries, key=lambda entry: entry.rank)]


def _closed_message(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def offer_preferences_set(
    *, participant: Participant, ranked: list[tuple[int, str]], now: datetime | None = None
) -> list[OfferPreference]:
    """Replace the participant's ranking with `ranked` ((offer id, motivation), first choice first).

    Refused, nothing changed: after the season's cut-off, for one who left the season, more offers
    than the season allows, an offer twice, an empty or too long motivation, an offer that does not
    exist or that they may not take (`offer_refusal`). An empty list clears the ranking. Writes
    under a lock on the participant's row, so two saves at once end as one of them."""
    season = participant.season
    if not preferences_open(season=season, now=now):
        raise ValidationError(
            _("Internship choices closed on %(moment)s; your ranking can no longer change.")
            % {"moment": _closed_message(season.preferences_close_at)}
        )
    if participant.left_at is not None:
        raise ValidationError(_("You have left the season."))
    errors: list[str] = []
    if len(ranked) > season.offer_choices_max:
        errors.append(
            ngettext(
                "You may rank at most %(max)d offer.", "You may rank at most %(max)d offers.", season.offer_choices_max
            )
            % {"max": season.offer_choices_max}
        )
    ids = [offer_id for offer_id, _motivation in ranked]
    offers = InternshipOffer.objects.select_related("host").in_bulk(ids)
    recommended = participant_foiv_recommended(participant=participant) if offers else False
    seen: set[int] = set()
    cleaned: list[tuple[InternshipOffer, str]] = []
    for position, (offer_id, motivation) in enumerate(ranked, start=1):
        prefix = _("Choice %(rank)d") % {"rank": position}
        offer = offers.get(offer_id)
        motivation = (motivation or "").strip()
        if offer is None:
            errors.append(f"{prefix}: " + _("there is no such internship offer."))
            continue
        if offer_id in seen:
            errors.append(f"{prefix}: " + _("“%(offer)s” is ranked twice.") % {"offer": offer.title})
            continue
        seen.add(offer_id)
        refusal = offer_refusal(participant=participant, offer=offer, foiv_recommended=recommended)
        if refusal:
            errors.append(f"{prefix} (“{offer.title}”): {refusal}")
        if not motivation:
            errors.append(f"{prefix}: " + _("say in a few words why you want this internship."))
        elif len(motivation) > MOTIVATION_MAX:
            errors.append(
                f"{prefix}: "
                + _("the motivation is %(length)d characters long; at most %(max)d.")
                % {"length": len(motivation), "max": MOTIVATION_MAX}
            )
        cleaned.append((offer, motivation))
    if errors:
        raise ValidationError({"ranked": errors})
    with transaction.atomic():
        Participant.objects.select_for_update().filter(pk=participant.pk).first()
        OfferPreference.objects.filter(participant=participant).delete()
        rows = [
            OfferPreference(participant=participant, offer=offer, rank=rank, motivation=motivation)
            for rank, (offer, motivation) in enumerate(cleaned, start=1)
        ]
        for row in rows:
            # Field rules only: the ranks and offers were checked above, the rows are new.
            row.full_clean(exclude=["participant", "offer"], validate_constraints=False)
        OfferPreference.objects.bulk_create(rows)
    return rows


@dataclass(frozen=True)
class CvData:
    place_of_birth: str
    education: str
    work: str = ""
    public_activity: str = ""
    awards: str = ""
    languages: str = ""


def cv_photo_read(*, upload) -> bytes:
    """An uploaded file's bytes, at most one past the limit: `cv_photo_check` refuses it by its size
    without the whole of a huge upload in memory."""
    return upload.read(app_setting("CANDIDACY_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES_DEFAULT) + 1)


def cv_photo_check(*, content: bytes) -> str:
    """The content type of an uploaded photo (JPEG or PNG, read from the file itself, not from its
    name or the browser's word), or a ValidationError saying what is wrong."""
    from PIL import Image, UnidentifiedImageError

    limit = app_setting("CANDIDACY_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES_DEFAULT)
    if len(content) > limit:
        raise ValidationError(
            {"photo": [_("The photo is larger than %(mb).1f MB; send a smaller one.") % {"mb": limit / 1024 / 1024}]}
        )
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({"photo": [_("This file is not a JPEG or PNG picture.")]}) from None
    if kind not in PHOTO_TYPES:
        raise ValidationError({"photo": [_("This file is not a JPEG or PNG picture.")]})
    if max(width, height) > PHOTO_MAX_SIDE:
        raise ValidationError(
            {"photo": [_("The photo is larger than %(side)d pixels on a side.") % {"side": PHOTO_MAX_SIDE}]}
        )
    return PHOTO_TYPES[kind]


def cv_version_save(
    *,
    participant: Participant,
    actor: AbstractBaseUser,
    data: CvData,
    photo: bytes | None = None,
    now: datetime | None = None,
) -> CvVersion:
    """Save the participant's CV as its next version: the name and date of birth from their
    application, the rest from `data`, the photo uploaded now or else the previous version's.

    Refused after the season's CV cut-off, for one who left the season, for a photo that is not a
    small JPEG or PNG, and for fields the model refuses (required, lengths)."""
    season = participant.season
    if not cv_open(season=season, now=now):
        raise ValidationError(
            _("CVs closed on %(moment)s; yours can no longer change.") % {"moment": _closed_message(season.cv_close_at)}
        )
    if participant.left_at is not None:
        raise ValidationError(_("You have left the season."))
    content_type = cv_photo_check(content=photo) if photo is not None else ""
    application = participant.application
    with transaction.atomic():
        # The lock makes numbers consecutive when two saves race.
        Participant.objects.select_for_update().filter(pk=participant.pk).first()
        previous = cv_latest(participant=participant)
        number = (CvVersion.objects.filter(participant=participant).aggregate(top=Max("number"))["top"] or 0) + 1
        version = CvVersion(
            participant=participant,
            number=number,
            full_name=application.full_name,
            date_of_birth=application.date_of_birth,
            place_of_birth=data.place_of_birth.strip(),
            education=data.education.strip(),
            work=data.work.strip(),
            public_activity=data.public_activity.strip(),
            awards=data.awards.strip(),
            languages=data.languages.strip(),
            created_by=actor,
        )
        if photo is None and previous is not None and previous.photo:
            version.photo, version.photo_content_type = previous.photo.name, previous.photo_content_type
        version.full_clean(exclude=["photo", "photo_content_type"])
        if photo is not None:
            suffix = ".png" if content_type == "image/png" else ".jpg"
            version.photo.save(f"photo{suffix}", ContentFile(photo), save=False)
            version.photo_content_type = content_type
        version.save()
    return version
