"""The programme's settings as every page shows them (its name in the title and header, the support
contacts in the footer). Wagtail's settings context processor found the request's site and read its
settings on each page: two queries and their SQL building, ~9 % of the cabinet's CPU (issue 14 §3).
Here they are kept in the cache, per host, and dropped whenever a site or the settings change
(cms.apps), so the next page shows an editor's change."""

import functools
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.http import HttpRequest
from django.http.request import split_domain_port
from wagtail.models import Page, Site, get_page_models
from wagtail.url_routing import RouteResult

from cms.models import ProgrammeSettings
from lms.memo import page_cached

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


# The subject of the pages' cache (lms.memo.page_cached) that the routes of the site's pages are
# kept under; cms.apps starts a new generation whenever a page or a site changes.
PAGE_ROUTES_CACHE = "cms.page-routes"


@dataclass(frozen=True)
class PageRoute:
    site: Site
    page_id: int
    page_model: str


def page_route_for_request(*, request: HttpRequest, path: str) -> RouteResult | None:
    """Which page answers the request's path: Wagtail's Page.route_for_request, and its answer is
    kept on the request as Wagtail keeps it, so Wagtail's serve uses it. Wagtail finds the site and
    then each page of the path from the root, a query for each page and one for its type: about a
    third of the lecture page's CPU (issue 14 §3). On a page (lms.memo) the site and the page's id
    come from the pages' cache, and the page is read in one query; what Wagtail decides (that the
    page is live, its view restrictions, its hooks) still happens on every request. Only paths that
    lead to a page are kept, and only where every page type routes as Wagtail's Page does."""
    if not _routes_plain():
        return Page.route_for_request(request, path)
    try:
        hostname = split_domain_port(request.get_host())[0]
    except DisallowedHost:
        return Page.route_for_request(request, path)

    def read() -> PageRoute | None:
        # Every page type routes as Page does (_routes_plain): a route found is a page, no arguments.
        found = Page.route_for_request(request, path)
        if found is None:
            return None
        return PageRoute(site=Site.find_for_request(request), page_id=found.page.pk, page_model=found.page._meta.label)

    route = page_cached(
        subject=PAGE_ROUTES_CACHE, key=(hostname, request.get_port(), path), compute=read, keep_none=False
    )
    if route is not None and not hasattr(request, "_wagtail_route_for_request"):
        # Not .first(): ordering by the primary key costs more SQL building than the rest of the read.
        page = next(iter(apps.get_model(route.page_model).objects.filter(pk=route.page_id, live=True)), None)
        if page is not None:
            request._wagtail_site = route.site
            request._wagtail_route_for_request = RouteResult(page)
    # Computed by Wagtail when nothing was kept or the page is gone; else what was set above.
    return Page.route_for_request(request, path)


@functools.cache
def _routes_plain() -> bool:
    """Whether a path always leads to the same page: no page type routes by itself (a routable
    page answers sub-paths with arguments) and pages are not translated (the language picks)."""
    if getattr(settings, "WAGTAIL_I18N_ENABLED", False):
        return False
    return all(model.route is Page.route for model in get_page_models())
