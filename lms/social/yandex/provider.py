"""Yandex ID (oauth.yandex.ru): allauth's Yandex provider with the endpoints from the settings, a
missing user id answered as the provider's error (not a crash), and only what we use kept of the
profile. Yandex marks every address it sends verified; the adapter (lms.social.adapter) takes that
flag back, as every provider's."""

from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.yandex.provider import YandexProvider
from django.utils.translation import gettext_lazy as _

from lms.social.provider_rules import uid_checked
from lms.social.yandex.views import YandexIdOAuth2Adapter

# Yandex's profile also sends the login, other addresses, sex, birthday and a pseudonymous id:
# none of it is used, so none of it is stored (SocialAccount.extra_data is exported and erased).
KEPT_FIELDS = ("id", "first_name", "last_name", "default_email")


class YandexIdProvider(YandexProvider):
    name = _("Yandex ID")
    oauth2_adapter_class = YandexIdOAuth2Adapter

    def __str__(self) -> str:
        return str(self.name)  # the name is translated: a lazy string is no str

    def extract_uid(self, data) -> str:
        if not isinstance(data, dict):
            raise ProviderException("Yandex ID sent no user")
        return uid_checked(data.get("id"))

    def extract_extra_data(self, data) -> dict:
        return {key: data[key] for key in KEPT_FIELDS if key in data}

    def get_user_email(self, data) -> str:
        # The default address only: the others in `emails` are not asked for and not kept.
        email = data.get("default_email")
        return email if isinstance(email, str) else ""


provider_classes = [YandexIdProvider]
