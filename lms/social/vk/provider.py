"""VK ID (id.vk.ru): allauth's VK provider with the endpoints from the settings, a missing user id
answered as the provider's error (not a crash), and only what we use kept of the profile."""

from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.vk.provider import VKProvider
from django.utils.translation import gettext_lazy as _

from lms.social.provider_rules import uid_checked
from lms.social.vk.views import VkIdOAuth2Adapter

# VK ID's user_info also sends the phone, birthday, sex and avatar: none of it is asked for here, so
# none of it is stored (SocialAccount.extra_data is personal data, exported and erased).
KEPT_FIELDS = ("user_id", "first_name", "last_name", "email")


class VkIdProvider(VKProvider):
    name = _("VK ID")
    oauth2_adapter_class = VkIdOAuth2Adapter

    def __str__(self) -> str:
        return str(self.name)  # the name is translated: a lazy string is no str

    def extract_uid(self, data) -> str:
        if not isinstance(data, dict):
            raise ProviderException("VK ID sent no user")
        return uid_checked(data.get("user_id"))

    def extract_extra_data(self, data) -> dict:
        return {key: data[key] for key in KEPT_FIELDS if key in data}

    def extract_common_fields(self, data) -> dict:
        # The phone is not asked for (VK's scope here is the e-mail) and never stored.
        return {key: value for key, value in super().extract_common_fields(data).items() if key != "phone"}


provider_classes = [VkIdProvider]
