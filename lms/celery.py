import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

app = Celery("lms")
# Time limits, queues and routes come from Django settings (CELERY_*), so one place configures
# the web process, the workers and beat.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
