"""The demo's candidacies: each demo participant ranks up to two of the offers they may take (after
the interview results, so a participant recommended for FOIV ranks a ministry) and has a CV with a
drawn photo. Idempotent: a participant who ranked or wrote anything is left as they are."""

import io
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

from lms.candidacy.selectors import cv_latest, offer_choices_for, offer_preference_count
from lms.candidacy.services import CvData, cv_version_save, offer_preferences_set
from lms.models import Season
from lms.selectors import participant_list

MOTIVATIONS = [
    "Хочу применить опыт проектной работы и увидеть, как принимаются решения.",
    "Интересна аналитическая работа; готов(а) учиться у наставника.",
]


def _photo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 400), (222, 230, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 60, 210, 180), fill=(150, 160, 175))
    draw.rectangle((60, 200, 240, 400), fill=(150, 160, 175))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def candidacy_demo_seed(
    *,
    season: Season,
    usernames: list[str],
    rankings: dict[str, list[str]] | None = None,
    now: datetime | None = None,
) -> int:
    """Returns how many of the named participants it went through (each has a CV afterwards).
    `rankings`: a participant's offers by title, first choice first (else the first two they may
    take); `now`: the moment they ranked and wrote (the past season's, before its cut-offs)."""
    seen = 0
    for participant in participant_list(season=season).filter(user__username__in=usernames).select_related("user"):
        if offer_preference_count(participant=participant) == 0:
            offers = offer_choices_for(participant=participant)
            titles = (rankings or {}).get(participant.user.username)
            if titles is not None:
                offers = sorted((o for o in offers if o.title in titles), key=lambda o: titles.index(o.title))
            offers = offers[:2]
            if offers:
                offer_preferences_set(
                    participant=participant,
                    ranked=[(offer.pk, MOTIVATIONS[index]) for index, offer in enumerate(offers)],
                    now=now,
                )
        if cv_latest(participant=participant) is None:
            application = participant.application
            user: AbstractBaseUser = participant.user
            cv_version_save(
                participant=participant,
                actor=user,
                data=CvData(
                    place_of_birth="г. Новосибирск" if participant.region_code == "54" else "г. Москва",
                    education=f"{application.get_education_level_display()}, {application.institution}",
                    work=application.experience_details or "",
                    public_activity="Волонтёр молодёжного центра, 2021–2024.",
                    awards="Благодарственное письмо администрации района, 2023.",
                    languages="английский (B2)",
                ),
                photo=_photo(),
                now=now,
            )
        seen += 1
    return seen
