"""Which providers are on, and their endpoints, read from SOCIALACCOUNT_PROVIDERS at call time (a
test turns a provider on or points it elsewhere with the settings alone)."""

from functools import wraps
from urllib.parse import urlsplit

from allauth.socialaccount import app_settings
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers import registry
from django.http import Http404


class ProviderEndpoint:
    """An endpoint URL of the provider `provider_id` of the class it is set on (an allauth OAuth2
    adapter): SOCIALACCOUNT_PROVIDERS[provider_id][key], read each time allauth's views use it
    (allauth writes the URLs into the adapters' classes)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __get__(self, instance, owner) -> str:
        return app_settings.PROVIDERS[owner.provider_id][self.key]


def provider_ids_on() -> list[str]:
    """The providers with an app (client id and secret) configured, in the registry's order."""
    configured = {app.provider for app in get_adapter().list_apps(None)}
    return [cls.id for cls in registry.get_class_list() if cls.id in configured]


def provider_name(provider_id: str) -> str:
    """The provider's name, also for a provider turned off since (its class is still registered)."""
    provider_class = registry.get_class(provider_id)
    return str(provider_class.name) if provider_class is not None else provider_id


def authorize_origins() -> list[str]:
    """The origins a login form's redirect goes on to (the providers' authorize pages): the
    Content-Security-Policy's form-action must name them, or the browser stops the redirect."""
    origins = []
    for provider_id in provider_ids_on():
        url = urlsplit(app_settings.PROVIDERS[provider_id]["AUTHORIZE_URL"])
        origin = f"{url.scheme}://{url.netloc}"
        if origin not in origins:
            origins.append(origin)
    return origins


def when_on(view, provider_id: str | None = None):
    """`view`, answering 404 unless `provider_id` (or, without one, any provider) is on."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        on = provider_ids_on()
        if not on or (provider_id is not None and provider_id not in on):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
