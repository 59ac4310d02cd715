"""A person's connections to VK ID and Yandex ID in lms.privacy's registry. What is theirs: which
provider accounts sign them in, and the few profile fields kept from each (extra_data: the name and
the address, lms/social/*/provider.py). The export lists them, never a token (none is kept:
SOCIALACCOUNT_STORE_TOKENS); the erasure deletes the connections, and any token allauth kept with
them goes too (its rows cascade)."""

from allauth.socialaccount.models import SocialAccount
from django.utils.translation import gettext_lazy as _

from lms.privacy.registry import DataSection, PersonalDataPart
from lms.social.endpoints import provider_name


def _received(extra_data) -> str:
    if not isinstance(extra_data, dict):
        return ""
    return "; ".join(f"{key}: {value}" for key, value in sorted(extra_data.items()) if "token" not in key.lower())


def social_part_export(user_id: int) -> list[DataSection]:
    """One query: the person's connected provider accounts."""
    accounts = SocialAccount.objects.filter(user_id=user_id).order_by("provider", "uid")
    return [
        DataSection(
            "connected_accounts",
            _("Connected accounts (VK ID, Yandex ID)"),
            [
                ("provider", _("provider")),
                ("uid", _("your id there")),
                ("received", _("received from the provider")),
                ("connected_at", _("connected at")),
                ("last_login", _("last login through it")),
            ],
            [
                {
                    "provider": provider_name(account.provider),
                    "uid": account.uid,
                    "received": _received(account.extra_data),
                    "connected_at": account.date_joined,
                    "last_login": account.last_login,
                }
                for account in accounts
            ],
        )
    ]


def social_part_erase(user_id: int) -> None:
    SocialAccount.objects.filter(user_id=user_id).delete()


SOCIAL_PART = PersonalDataPart(
    "social", _("Sign-in with VK ID and Yandex ID"), social_part_export, social_part_erase, order=15
)
