from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from cms.selectors import programme_settings_current


def programme(request: HttpRequest) -> dict:
    """`programme`: the programme's settings, read only when a template shows them."""
    return {"programme": SimpleLazyObject(lambda: programme_settings_current(request=request))}
