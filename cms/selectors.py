"""The programme's settings as every page shows them (its name in the title and header, the support
contacts in the footer). Wagtail's settings context processor found the request's site and read its
settings on each page: two queries and their SQL building, ~9 % of the cabinet's CPU (issue 14 §3).
Here they are kept in the cache, per host, and dropped whenever a site or the settings change
(cms.apps), so the next page shows an editor's change."""

from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpRequest
from wagtail.models import Site

from cms.models import ProgrammeSettings

_CACHE_KEY = "cms:programme-settings"
# A change made without the model's signals (a queryset update, a restored dump) still shows
# within this time.
_CACHE_SECONDS = 600
_FIELDS = ("programme_name", "support_email", "support_phone")
# Hosts kept at once: ALLOWED_HOSTS bounds them in production, but a "*" (a developer's machine)
# would let any Host header add an entry; past this many the map starts again.
_HOSTS_KEPT = 32


def programme_settings_current(*, request: HttpRequest) -> dict[str, str]:
    """The settings of the request's site as a dict of their fields; empty when no site answers
    the host, or the host is not allowed (the templates then show their defaults)."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return {}
    by_host = cache.get(_CACHE_KEY) or {}
    if host not in by_host:
        if len(by_host) >= _HOSTS_KEPT:
            by_host = {}
        site = Site.find_for_request(request)
        found = ProgrammeSettings.for_site(site) if site is not None else None
        by_host[host] = {name: getattr(found, name) for name in _FIELDS} if found is not None else {}
        cache.set(_CACHE_KEY, by_host, _CACHE_SECONDS)
    return by_host[host]


def programme_settings_forget() -> None:
    """Drop the cached settings now, and again once the change is committed: a page drawn between the
    two may have cached what the database still held."""
    cache.delete(_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(_CACHE_KEY))
