"""The consent texts a person agrees to, by purpose, with their version. A changed text gets a new
version, so every stored consent names the words that were read."""

from typing import NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lms.models import ConsentPurpose


class ConsentText(NamedTuple):
    purpose: str
    version: str
    label: Promise
    required: bool
    # What withdrawing the consent means for the person's place in the season.
    withdrawal_effect: Promise


CONSENT_TEXTS: dict[str, ConsentText] = {
    ConsentPurpose.PARTICIPATION: ConsentText(
        ConsentPurpose.PARTICIPATION,
        "2026-12",
        _(
            "I consent to the processing of my personal data for taking part in this season of the "
            "programme: the application, my level, my progress, attendance, tests, admission and interviews."
        ),
        True,
        _(
            "Withdrawing this consent means leaving the season: you lose your place, you are no longer "
            "counted in admission or invited to interviews, and this cannot be undone for this season. "
            "What the programme must keep (the admission decisions already taken) stays under a pseudonym "
            "once your data is erased."
        ),
    ),
    ConsentPurpose.REUSE: ConsentText(
        ConsentPurpose.REUSE,
        "2026-12",
        _("I consent to my application being kept and offered to me again when I apply to a later season."),
        False,
        _(
            "Withdrawing this consent does not affect your place in this season; your application will not "
            "be offered to you again, and it is erased with the rest of the season's data."
        ),
    ),
    ConsentPurpose.TALENT_POOL: ConsentText(
        ConsentPurpose.TALENT_POOL,
        "2026-12",
        _(
            "I consent to being included in the programme's talent pool and to my dossier being sent to "
            "regional executive bodies."
        ),
        False,
        _(
            "Withdrawing this consent does not affect your place in this season; you are taken out of the "
            "talent pool and no dossier about you is sent from now on."
        ),
    ),
}
