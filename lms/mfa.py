"""Two-factor authentication: allauth's MFA (an authenticator app, TOTP, with recovery codes) on
every way in, and who must have it (MFA_REQUIRED_FOR_ROLES; docs/deploy/settings.md).

- The site's login asks for the code after the password (allauth's login stage) of whoever has set
  an app up; Wagtail's and the Django admin's logins hand over to it (lms.views).
- The API token endpoint asks for it too (`token_login_second_factor_check`).
- A person whose role must have it and who has none reaches nothing but setting one up
  (`MfaRequiredMiddleware`): fail closed, whichever way they got a session.
- A wrong code counts as a failed login for django-axes (lms.lockout), on the same counters as a
  wrong password, besides allauth's own limit on codes (ACCOUNT_RATE_LIMITS "login_failed").
"""

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.base.forms import BaseAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.utils import is_mfa_enabled
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms import roles

# A TOTP code has 6 digits and a recovery code 8: a longer "code" is refused as too long before it is
# compared with anything (and is no guess: it is not counted).
CODE_MAX_LENGTH = 32

# What someone who must set up a second factor, and has none, may still reach: the set-up (allauth's
# MFA pages, and the re-check by password or by a code sent by e-mail that they may ask for), their
# e-mail addresses and the link that confirms one (allauth adds no authenticator while an address of
# theirs is unconfirmed), logging out, and the language switch.
SETUP_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_request_reauthentication_code",
        "account_confirm_reauthentication_code",
        "account_email",
        "account_confirm_email",
        "account_email_verification_sent",
        "account_logout",
        "set_language",
    }
)


def mfa_required_for(*, user: AbstractBaseUser) -> bool:
    """Whether `user` must have a second factor: they hold one of MFA_REQUIRED_FOR_ROLES (the staff
    role includes Django's staff flag, as `lms.selectors.user_is_staff` has it; a superuser holds
    every role). One query at most, none when nobody must."""
    required = settings.MFA_REQUIRED_FOR_ROLES
    if not required or not user.is_authenticated:
        return False
    if user.is_superuser or (roles.STAFF in required and user.is_staff):
        return True
    return user.groups.filter(name__in=required).exists()


def mfa_enabled_for(*, user: AbstractBaseUser) -> bool:
    """Whether `user` has an authenticator app set up (recovery codes alone are no second factor:
    allauth deletes them with the app)."""
    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


def setup_required_message(*, request) -> str:
    return _(
        "Your role requires two-factor authentication. Set up an authenticator app on the site, "
        "under Personal cabinet → Security (%(url)s), to continue."
    ) % {"url": request.build_absolute_uri(reverse("mfa_index"))}


class MfaRequiredMiddleware:
    """Confines a signed-in person who must have a second factor and has none to setting one up:
    any other page redirects to the app's set-up, the API (with a session) answers 403. The session
    may come from the login form, a password reset or anything else: the gate is here, not in the
    login. Sessionless views (the beat endpoints) are left alone, as they load no session. Sets
    `request.mfa_required` and `request.mfa_setup_due` for the MFA pages to say why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.MFA_REQUIRED_FOR_ROLES or getattr(view_func, "sessionless", False):
            return None
        request.mfa_required = mfa_required_for(user=request.user)
        if not request.mfa_required or mfa_enabled_for(user=request.user):
            return None
        request.mfa_setup_due = True
        match = request.resolver_match
        if match is not None and match.url_name in SETUP_URL_NAMES:
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": setup_required_message(request=request)}, status=403)
        return redirect("mfa_activate_totp")


def login_credentials(*, user: AbstractBaseUser) -> dict:
    """What django-axes keys a code's attempt by: the account (lms.lockout.login_account_key)."""
    return {"username": user.get_username()}


def mfa_code_failed_count(*, request, user: AbstractBaseUser) -> None:
    """A wrong (or, at the token endpoint, missing) code counts as a failed login for django-axes:
    the account's pair with the client address, and the address (lms.lockout)."""
    user_login_failed.send(sender=__name__, credentials=login_credentials(user=user), request=request)


def mfa_code_step_locked(*, request, user: AbstractBaseUser) -> bool:
    """Whether django-axes holds this account's pair, or this address, locked: the login's code step
    then checks no code, as a locked login checks no password."""
    return AxesProxyHandler.is_locked(request, login_credentials(user=user))


def token_login_second_factor_check(*, request, user: AbstractBaseUser, code: str) -> None:
    """The API token endpoint's second step, after the password: someone with an authenticator app
    gives its code (or a recovery code, used up by it); someone who must have one and has none is
    sent to the site to set it up. `request` is Django's (allauth's rate limit and django-axes read it).

    Raises PermissionDenied (no app, though the role requires one) or ValidationError on `code`
    (missing or wrong; either counts as a failed login)."""
    if not mfa_enabled_for(user=user):
        if mfa_required_for(user=user):
            raise PermissionDenied(setup_required_message(request=request))
        return
    if not code:
        mfa_code_failed_count(request=request, user=user)
        raise ValidationError(
            {
                "code": [
                    _("Two-factor authentication is on: give the code of your authenticator app or a recovery code.")
                ]
            }
        )
    # allauth's form: its rate limit on codes, each code used once, the failure signal (counted by
    # lms.signals.mfa_code_failed). Not its save(), which records the login in a session.
    form = BaseAuthenticateForm(user=user, data={"code": code})
    if not form.is_valid():
        raise ValidationError({"code": form.errors["code"]})
    form.authenticator.record_usage()


class BoundedCodeMixin:
    """allauth's code field, bounded (CODE_MAX_LENGTH)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.max_length = CODE_MAX_LENGTH
        field.validators.append(MaxLengthValidator(CODE_MAX_LENGTH))
        field.widget.attrs.update({"maxlength": str(CODE_MAX_LENGTH), "inputmode": "numeric"})


class AuthenticateForm(BoundedCodeMixin, AllauthAuthenticateForm):
    """MFA_FORMS "authenticate": the login's code."""


class ReauthenticateForm(BoundedCodeMixin, AllauthReauthenticateForm):
    """MFA_FORMS "reauthenticate": the code that re-confirms a signed-in person."""


class ActivateTOTPForm(BoundedCodeMixin, AllauthActivateTOTPForm):
    """MFA_FORMS "activate_totp": the first code of a new app."""


class MfaAdapter(DefaultMFAAdapter):
    """MFA_ADAPTER: allauth's, with messages that say what to do, in the site's own words."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": gettext_lazy(
            "Wrong code. Enter the code your authenticator app shows now, or a recovery code you have not used."
        ),
        "unverified_email": gettext_lazy(
            "Confirm your e-mail address first (follow the link we send to it): two-factor authentication is "
            "set up only on an account whose addresses are all confirmed."
        ),
    }
