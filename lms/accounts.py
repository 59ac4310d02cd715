"""The programme's side of django-allauth: the account adapter (ACCOUNT_ADAPTER) and the few
account steps the application form shares with allauth's own sign-up.

Who owns an address is decided by allauth's EmailAddress rows: an address is someone's once they
followed its confirmation link (`verified`); until then any number of accounts may hold it unverified
(ACCOUNT_PREVENT_ENUMERATION = "strict"), and none of them blocks its owner.
"""

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.models import EmailAddress
from allauth.account.signals import user_signed_up
from allauth.core import ratelimit
from django.contrib.auth import get_user_model, login
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from lms.lockout import client_ip

# The backend a session is logged in with when we log someone in ourselves (AUTHENTICATION_BACKENDS).
SESSION_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # Said only of second-factor codes: wrong passwords are django-axes' to count (pre_authenticate).
        "too_many_login_attempts": _("Too many wrong codes. Wait a few minutes and try again."),
    }

    def get_client_ip(self, request) -> str:
        """allauth's rate limits count per client address: the same address django-axes counts,
        read from the proxy's header only behind a proxy (lms.lockout.client_ip)."""
        return client_ip(request) or "unknown"

    def pre_authenticate(self, request, **credentials) -> None:
        """allauth counts failed passwords under its "login_failed" limit here; django-axes counts
        them instead (lms.lockout: one set of counters, one refusal naming its wait). The limit
        itself stays set, for what allauth's MFA counts with it: second-factor codes (lms.mfa)."""

    def send_confirmation_mail(self, request, emailconfirmation, signup: bool) -> None:
        """Every confirmation link (sign-up, application, a resend) comes through here. An address
        another account has verified is its owner's: they are told someone tried to use it instead,
        and the account that asked gets the very same answer as for a free address."""
        address = emailconfirmation.email_address
        if email_verified_elsewhere(email=address.email, user=address.user):
            self.send_account_already_exists_mail(address.email)
            return
        super().send_confirmation_mail(request, emailconfirmation, signup)


def email_verified_elsewhere(*, email: str, user: AbstractBaseUser) -> bool:
    return EmailAddress.objects.filter(email__iexact=email, verified=True).exclude(user=user).exists()


def email_verified_for(*, user: AbstractBaseUser, email: str) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def email_address_ensure(*, user: AbstractBaseUser, email: str, verified: bool = False) -> EmailAddress:
    """The user's EmailAddress row for `email` (created unverified, primary if they have none);
    `verified=True` marks it verified, for accounts made by the demo seed and by staff."""
    email = email.strip().lower()
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        has_primary = EmailAddress.objects.filter(user=user, primary=True).exists()
        try:
            with transaction.atomic():
                address = EmailAddress.objects.create(user=user, email=email, primary=not has_primary, verified=False)
        except IntegrityError:  # a concurrent twin made it
            address = EmailAddress.objects.get(user=user, email__iexact=email)
    if verified and not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    return address


def account_create(*, email: str, password: str, first_name: str = "", last_name: str = "") -> AbstractBaseUser:
    """A new account as allauth's sign-up makes one: a username generated from the name or the
    address (login is by either), the address unverified."""
    user = get_user_model()(email=email, first_name=first_name, last_name=last_name)
    get_adapter().populate_username(None, user)
    user.set_password(password)
    user.save()
    email_address_ensure(user=user, email=email)
    return user


def account_signed_up(*, request, user: AbstractBaseUser) -> None:
    """After a sign-up through the application form: allauth's signal (its apps listen to it) and
    the session, as allauth's own sign-up does with optional verification."""
    user_signed_up.send(sender=user.__class__, request=request, user=user)
    login(request, user, backend=SESSION_BACKEND)


def email_verification_send(*, request, user: AbstractBaseUser, email: str) -> bool:
    """Send the link that confirms `email` for `user` (or, for an address someone else owns, the
    owner's notice: AccountAdapter.send_confirmation_mail). At most once per account and address in
    allauth's cool-off (ACCOUNT_RATE_LIMITS "confirm_email"): the link sent a minute ago still works,
    so a second one is skipped quietly. Per account, not per address as allauth's own resend counts,
    so a stranger's application with the address does not hold back the owner's link. Returns
    whether a message went out."""
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None or address.verified:
        return False
    if not ratelimit.consume(request, action="confirm_email", key=f"{user.pk}:{address.email.lower()}"):
        return False
    address.send_confirmation(request, signup=True)
    return True
