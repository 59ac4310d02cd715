"""Who may do what with host bodies: programme staff manage every body; a body's own people see it
and manage its offers, and nothing of any other body."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from lms import roles
from lms.hosts.models import HostBody
from lms.hosts.selectors import host_of_user
from lms.selectors import user_has_role, user_is_staff


def host_staff_check(*, user: AbstractBaseUser) -> None:
    if not user_is_staff(user=user):
        raise PermissionDenied(_("Only programme staff may do this."))


def host_access_check(*, user: AbstractBaseUser, host: HostBody) -> None:
    """Staff, or a person who represents this very body: they see it and manage its offers."""
    if user_is_staff(user=user):
        return
    own = host_of_user(user=user)
    if own is None or own.pk != host.pk:
        raise PermissionDenied(_("You may see and change only the host body you represent."))


def host_people_check(*, user: AbstractBaseUser) -> None:
    """Lists that show each caller what is theirs (the API's lists): staff and hosts' people."""
    if not (user_is_staff(user=user) or user_has_role(user=user, role=roles.HOST)):
        raise PermissionDenied(_("Only programme staff and host bodies' representatives may see this."))
