from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal, receiver

from lms.middleware import SESSION_TIMEZONE_KEY
from lms.selectors import participant_current


def migrate_finished(sender) -> bool:
    """post_migrate is sent once per app; only after the last one do every app's tables and
    permissions exist, so handlers that need them act on that one only."""
    from django.apps import apps

    return sender is list(apps.get_app_configs())[-1]


def roles_sync_after_migrate(sender, **kwargs) -> None:
    if not migrate_finished(sender):
        return
    from lms.services import roles_sync

    roles_sync()


@receiver(user_logged_in, dispatch_uid="lms.timezone_remember_on_login")
def timezone_remember_on_login(sender, request, user, **kwargs) -> None:
    participant = participant_current(user=user)
    if participant is not None:
        request.session[SESSION_TIMEZONE_KEY] = participant.timezone


# Sent by `seed_demo` once the core demo data exists; apps add their own demo content on it.
demo_seeded = Signal()
