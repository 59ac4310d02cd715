"""Who may do what with a candidacy: a participant ranks offers and writes a CV for themselves only;
a CV is read by staff, its owner and the people of a federal body the participant ranked."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from lms.candidacy.selectors import cv_reader_kind
from lms.models import Participant
from lms.selectors import participant_current, participant_get


def participant_own(*, user: AbstractBaseUser) -> Participant:
    """The caller's own current participation: only participants rank offers and write a CV."""
    participant = participant_current(user=user)
    if participant is None:
        raise PermissionDenied(_("Only a season's participants rank internship offers and write a CV."))
    return participant


def cv_participant_readable(*, user: AbstractBaseUser, participant_id: int) -> tuple[Participant, str]:
    """The participant whose CV `user` asks for and who `user` is to it (`cv_reader_kind`): no such
    participant is a 404 for everyone; one `user` may not read is a 403 (the same for a host of
    another body, a regional body, another participant), so the answer says nothing of whom a
    participant ranked."""
    participant = participant_get(participant_id=participant_id)
    if participant is None:
        raise Http404(_("There is no such participant."))
    kind = cv_reader_kind(user=user, participant=participant)
    if kind is None:
        raise PermissionDenied(
            _("A CV is shown to its owner, programme staff and the ministries the participant applied to.")
        )
    return participant, kind


def cv_staff_check(*, kind: str) -> None:
    if kind != "staff":
        raise PermissionDenied(_("Earlier CV versions are shown to programme staff only."))
