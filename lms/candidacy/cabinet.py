from django.http import HttpRequest

from lms.candidacy.selectors import candidacy_summary
from lms.models import Participant


def candidacy_panel_context(request: HttpRequest, participant: Participant) -> dict:
    return {
        "participant_id": participant.pk,
        "preferences_close_at": participant.season.preferences_close_at,
        **candidacy_summary(participant=participant),
    }
