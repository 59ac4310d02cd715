import os

from django.core.wsgi import get_wsgi_application

# Fail closed: a server started without a settings module gets production's checks, not DEBUG.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")
application = get_wsgi_application()
