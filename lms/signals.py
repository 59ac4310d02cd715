from allauth.account.signals import email_confirmed
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, pre_save
from django.dispatch import Signal, receiver
from django.utils.translation import gettext as _

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


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="lms.api_tokens_revoke_on_password_change")
def api_tokens_revoke_on_password_change(sender, instance, update_fields=None, **kwargs) -> None:
    """Whoever learnt the old password may have taken tokens with it: a new password (changed,
    reset, or set by a superuser) revokes them all, as Django already ends the sessions. Saves that
    name their fields without the password (the last-login stamp) cost no query."""
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        from lms.services import api_tokens_revoke

        api_tokens_revoke(user=instance)


@receiver(email_confirmed, dispatch_uid="lms.applications_count_on_email_confirmed")
def applications_count_on_email_confirmed(sender, request, email_address, **kwargs) -> None:
    """An address confirmed (its link followed, or a password reset through it): the applications
    its account made with it count from now on."""
    from lms.services import applications_count_for_address

    counted = applications_count_for_address(user=email_address.user, email=email_address.email)
    if request is not None:
        for application in counted:
            messages.success(
                request, _("Your application to %(season)s is accepted.") % {"season": application.season.name}
            )


@receiver(mfa_signals.authentication_failed, dispatch_uid="lms.mfa_code_failed")
def mfa_code_failed(sender, request, user, **kwargs) -> None:
    """A wrong second-factor code (at the login, a re-check, the token endpoint) is a failed login."""
    from lms.mfa import mfa_code_failed_count

    mfa_code_failed_count(request=request, user=user)


@receiver(post_delete, sender=Authenticator, dispatch_uid="lms.api_tokens_revoke_on_mfa_removed")
def api_tokens_revoke_on_mfa_removed(sender, instance, **kwargs) -> None:
    """Tokens taken with the second factor would outlive it: its app removed (turned off by its
    owner, deleted by a superuser in the admin) revokes them all, as a new password does."""
    if instance.type != Authenticator.Type.TOTP:
        return
    from lms.services import api_tokens_revoke

    api_tokens_revoke(user=instance.user)


# Sent by `seed_demo` once the core demo data exists (kwargs: `season`, in its education block;
# `past_season`, over, with its participants; `stdout`); apps add their own demo content on it.
demo_seeded = Signal()
# Sent by `seed_demo` after `demo_seeded`, with the same kwargs: what is judged from every app's
# demo content (admission runs, interviews) is seeded here.
demo_outcomes_seeded = Signal()
