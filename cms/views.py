from django.http import HttpRequest, HttpResponse
from wagtail.views import serve

from cms.selectors import page_route_for_request
from lms.memo import memo_scope


def page_serve(request: HttpRequest, path: str) -> HttpResponse:
    """Wagtail's serve (its hooks, view restrictions and each page type's serve), as a page of
    ours: in a memo scope, so what the page reads may come from the pages' cache, and with the
    route found through that cache (cms.selectors.page_route_for_request)."""
    with memo_scope():
        page_route_for_request(request=request, path=path)
        return serve(request, path)
