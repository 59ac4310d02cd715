from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from assessments.models import ExpertAssignment
from assessments.selectors.ministry import is_ministry, ministry_is_candidate, ministry_of_user
from lms import roles
from lms.hosts.permissions import host_access_check
from lms.hosts.selectors import host_of_user
from lms.selectors import user_has_role

if TYPE_CHECKING:
    from lms.models import Participant


def is_staff(user: AbstractBaseUser) -> bool:
    return user.is_authenticated and (user.is_staff or user_has_role(user=user, role=roles.STAFF))


def participant_read_check(*, user: AbstractBaseUser, participant: "Participant") -> None:
    """Staff see everyone, experts the participants assigned to them, a participant only themself."""
    if participant.user_id == user.pk or is_staff(user):
        return
    if (
        user_has_role(user=user, role=roles.EXPERT)
        and ExpertAssignment.objects.filter(expert=user, participant=participant).exists()
    ):
        return
    raise PermissionDenied(_("You may not see this participant's figures."))


def staff_check(*, user: AbstractBaseUser) -> None:
    if not is_staff(user):
        raise PermissionDenied(_("Only programme staff may do this."))


def staff_or_expert_check(*, user: AbstractBaseUser, message: str) -> None:
    """Pages and lists open to programme staff and to experts (each with its own refusal)."""
    if not (is_staff(user) or user_has_role(user=user, role=roles.EXPERT)):
        raise PermissionDenied(message)


def ministry_access_check(*, user: AbstractBaseUser, host) -> None:
    """A ministry's interviews, candidates and decisions: staff, and the people of that very body
    (another body's people get 403, as on the host pages). A regional body has no such interviews."""
    host_access_check(user=user, host=host)
    if not is_ministry(host):
        raise PermissionDenied(_("Only federal bodies (ministries and state corporations) hold these interviews."))


def ministry_people_check(*, user: AbstractBaseUser, host) -> None:
    """Scoring and deciding are the ministry's own: its people only, not even staff."""
    own = ministry_of_user(user=user)
    if own is None or own.pk != host.pk:
        raise PermissionDenied(_("Only the people of this ministry score its interviews and decide on its candidates."))


def ministry_candidate_check(*, user: AbstractBaseUser, host, participant: "Participant") -> None:
    """A candidate's interview, scores and decision with a ministry: staff and that ministry's
    people, and only for a participant who is its candidate (else 403, whatever the reason, so the
    answer says nothing of whom the participant ranked)."""
    ministry_access_check(user=user, host=host)
    if not ministry_is_candidate(host_id=host.pk, participant=participant):
        raise PermissionDenied(_("This participant is not a candidate of this ministry."))


def internship_host_check(*, user: AbstractBaseUser, internship) -> None:
    """An internship's host pages: the people of the offer's own body only (another body's people,
    staff on the host pages, and everyone else: 403); staff have their own pages."""
    own = host_of_user(user=user)
    if own is None or own.pk != internship.offer.host_id:
        raise PermissionDenied(_("Only the people of the host body see and assess its interns."))
