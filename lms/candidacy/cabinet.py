from django.http import HttpRequest

from lms.candidacy.selectors import cv_latest, offer_preference_count
from lms.models import Participant


def candidacy_panel_context(request: HttpRequest, participant: Participant) -> dict:
    return {
        "participant_id": participant.pk,
        "ranked": offer_preference_count(participant=participant),
        "preferences_close_at": participant.season.preferences_close_at,
        "cv": cv_latest(participant=participant),
    }
