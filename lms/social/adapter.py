"""The programme's side of allauth's social accounts (SOCIALACCOUNT_ADAPTER).

What a provider tells us is believed for who the person is at that provider (their id there) and
nothing more:
- its e-mail logs nobody into an account: login by e-mail is off here whatever the settings say,
  so an account is reached through a provider only once its owner, logged in, connected it;
- its "verified" flag is dropped: the address is confirmed by our own link, as any sign-up's, and
  until then an application made with it is held (lms.services.application_count);
- its display name or screen name does not become a username (a login identifier): ours are made
  from the name or the address, as for any sign-up;
- its tokens are used once, to read the profile, and kept neither in the database nor in the
  session (a pending sign-up is stored there).
A login through a provider is refused, as a password login is, from a client address that is
locked out, and for the pair (account, address) that is (lms.lockout).
"""

import logging

from allauth.account.utils import user_username
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount import app_settings
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers import registry
from allauth.socialaccount.providers.base import AuthProcess
from django.utils.translation import gettext_lazy as _

from lms.lockout import login_refusal

logger = logging.getLogger("lms.social")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        # allauth's refusal to disconnect the last way into an account without a password.
        "no_password": _(
            "This is the only way you log in: set a password first, then you can disconnect this account."
        ),
    }

    def list_apps(self, request, provider=None, client_id=None) -> list[SocialApp]:
        """The apps of SOCIALACCOUNT_PROVIDERS (from the environment) only: no client secret lives in
        a table that the admin or a database dump would show."""
        apps = []
        for provider_id, config in app_settings.PROVIDERS.items():
            if provider is not None and provider != provider_id:
                continue
            for app_config in config.get("APPS", []):
                if client_id is not None and app_config["client_id"] != client_id:
                    continue
                apps.append(
                    SocialApp(provider=provider_id, client_id=app_config["client_id"], secret=app_config["secret"])
                )
        return apps

    def get_provider(self, request, provider, client_id=None):
        """allauth's, and for a provider turned off since someone connected it (its class is still
        registered): the provider without an app, so the connection is still listed and can be
        disconnected (allauth asks for its provider then). Nothing logs in through it: its routes
        answer 404 (lms.social.endpoints.when_on) and it has no client id to send."""
        try:
            return super().get_provider(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            provider_class = registry.get_class(provider)
            if provider_class is None or client_id is not None:
                raise
            return provider_class(request, app=SocialApp(provider=provider))

    def is_email_verified(self, provider, email) -> bool:
        return False

    def can_authenticate_by_email(self, login, email) -> bool:
        return False

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user_username(user, "")
        return user

    def pre_social_login(self, request, sociallogin) -> None:
        for address in sociallogin.email_addresses:
            address.verified = False
        sociallogin.token = None
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            return  # the person is logged in already: connecting logs nobody in
        refusal = login_refusal(request, user=sociallogin.user if sociallogin.is_existing else None)
        if refusal is not None:
            logger.warning(
                "login through %s refused: locked out (%s)",
                sociallogin.account.provider,
                f"user {sociallogin.user.pk}" if sociallogin.is_existing else "a newcomer",
            )
            raise ImmediateHttpResponse(refusal)

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None) -> None:
        # The kind of failure only: a provider's answer may carry a code or a person's data.
        logger.warning(
            "login through %s failed: %s%s",
            provider.id,
            error or "error",
            f" ({type(exception).__name__})" if exception is not None else "",
        )
