import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from lms.memo import code_version

# Fail closed: a server started without a settings module gets production's checks, not DEBUG.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")
application = get_wsgi_application()

# What a worker loads at start (Django, every app, every view module: the URLconf imports them now
# rather than during the first request) lives as long as the worker. Frozen, the collector's full
# passes skip it: unfrozen, each full pass walked all of it, and under a few hundred beats a second
# those passes came every few seconds and held the worker's threads for 100–300 ms (capacity.md).
get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
code_version()  # the pages' cache's key reads the project's sources once: here, not in a request
gc.collect()
gc.freeze()
