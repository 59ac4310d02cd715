"""What both providers check of the profile they are sent."""

from allauth.socialaccount import app_settings
from allauth.socialaccount.providers.base import ProviderException


def uid_checked(value) -> str:
    """The provider's user id as allauth stores it, or ProviderException (our error page, 401) for
    a profile without one, or with one allauth cannot store; allauth itself would fail with a 500."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ProviderException("the provider sent no user id")
    uid = str(value).strip()
    if not uid or len(uid) > app_settings.UID_MAX_LENGTH:
        raise ProviderException("the provider sent an unusable user id")
    return uid
