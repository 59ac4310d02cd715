from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from lms.selectors import user_is_staff


def youth_body_staff_check(*, user: AbstractBaseUser) -> None:
    if not user_is_staff(user=user):
        raise PermissionDenied(_("Only programme staff may do this."))
