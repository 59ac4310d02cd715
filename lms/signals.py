from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal, receiver

from lms.middleware import SESSION_TIMEZONE_KEY
from lms.selectors import participant_current


def roles_sync_after_migrate(sender, **kwargs) -> None:
    # Runs once per app after migrate; the last call sees every app's permissions.
    from lms.services import roles_sync

    roles_sync()


@receiver(user_logged_in, dispatch_uid="lms.timezone_remember_on_login")
def timezone_remember_on_login(sender, request, user, **kwargs) -> None:
    participant = participant_current(user=user)
    if participant is not None:
        request.session[SESSION_TIMEZONE_KEY] = participant.timezone


# Sent by `seed_demo` once the core demo data exists; apps add their own demo content on it.
demo_seeded = Signal()
