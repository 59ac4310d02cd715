from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from assessments.models import ExpertAssignment
from lms import roles
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
