"""Reading an app's setting with its default, as the apps' `conf` modules do at call time.

Each value is remembered until a setting changes (Django's `setting_changed`, sent by tests'
overrides). A setting left at its default makes `getattr(settings, name, default)` raise and catch
an AttributeError on every read, and the beat endpoints read several per beat."""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed

_MISSING = object()


@cache
def _lookup(name: str):
    return getattr(settings, name, _MISSING)


def app_setting(name: str, default):
    value = _lookup(name)
    return default if value is _MISSING else value


def _forget(**kwargs) -> None:
    _lookup.cache_clear()


setting_changed.connect(_forget, dispatch_uid="lms.appsettings")
