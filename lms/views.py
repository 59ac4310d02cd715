import functools
import hmac
import ipaddress
import json
import sys
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from allauth.core import ratelimit
from allauth.mfa.base.views import AuthenticateView
from allauth.mfa.totp.views import ActivateTOTPView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_POST, require_safe

from lms import roles
from lms.accounts import account_signed_up, email_verification_send
from lms.cabinet import cabinet_panels, staff_tools
from lms.forms import ApplicationForm
from lms.lockout import lockout_response
from lms.memo import memo_scope
from lms.metrics import CONTENT_TYPE, metrics_text
from lms.mfa import login_credentials, mfa_code_step_locked, mfa_enabled_for
from lms.models import Stage
from lms.regions import region_get, timezone_options_html
from lms.selectors import (
    application_held_latest,
    application_latest_for_user,
    application_reapplication_initial,
    participant_current,
    programme_today,
    season_open_for_applications,
    stage_timeline,
    user_roles,
)
from lms.services import (
    ApplicationData,
    application_held_message,
    application_submit,
    participant_timezone_update,
)


def application_create(request):
    season = season_open_for_applications()
    anonymous = not request.user.is_authenticated
    earlier = application_latest_for_user(user=request.user)
    if earlier is not None and season is not None and earlier.season_id == season.pk:
        earlier = None  # already applied to this season: the service says so on submit
    if earlier is not None:
        initial = application_reapplication_initial(application=earlier)
    else:
        initial = {"email": request.user.email} if not anonymous else None
    form = ApplicationForm(request.POST or None, initial=initial, needs_password=anonymous)
    if request.method == "POST" and season is not None:
        # An anonymous application is a sign-up: allauth's sign-up limit per address applies.
        if anonymous and not ratelimit.consume(request, action="signup"):
            return ratelimit.respond_429(request)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            password = fields.pop("password", "")
            fields["state_service_years"] = fields.get("state_service_years") or Decimal("0")
            try:
                application = application_submit(
                    season=season,
                    data=ApplicationData(**fields),
                    user=None if anonymous else request.user,
                    password=password,
                )
            except ValidationError as error:
                for field, field_messages in error.message_dict.items():
                    for message in field_messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                if anonymous:
                    account_signed_up(request=request, user=application.user)
                if application.is_held:
                    email_verification_send(request=request, user=application.user, email=application.email)
                    messages.info(request, application_held_message(application=application))
                else:
                    messages.success(request, _("Your application is accepted. Welcome to the programme!"))
                return redirect("cabinet")
    status = 400 if request.method == "POST" else 200
    return render(request, "lms/apply.html", {"form": form, "season": season, "earlier": earlier}, status=status)


@login_required
@require_POST
def participant_timezone_change(request):
    participant = participant_current(user=request.user)
    if participant is None:
        return redirect("cabinet")
    try:
        participant_timezone_update(
            participant=participant, tz=request.POST.get("timezone", ""), session=request.session
        )
    except ValidationError as error:
        for message in error.message_dict["timezone"]:
            messages.error(request, message)
    else:
        messages.success(request, _("Times are now shown in %(tz)s.") % {"tz": participant.timezone})
    return redirect("cabinet")


@login_required
def cabinet(request):
    # Panels of several apps may read the same things (the track's lectures): once per page.
    with memo_scope():
        return _cabinet(request)


def _cabinet(request):
    roles_held = user_roles(user=request.user)
    if request.user.is_staff:
        roles_held.add(roles.STAFF)
    participant = participant_current(user=request.user)
    tools = staff_tools(roles=roles_held)
    today = programme_today()
    held = application_held_latest(user=request.user)
    # What both pages show: an application held for its address, and the security card.
    shared = {
        "held": held,
        "held_campaign_open": held is not None and held.season.campaign_open_on(today),
        "mfa_enabled": mfa_enabled_for(user=request.user),
    }
    if participant is None:
        return render(
            request,
            "lms/staff_home.html",
            {"tools": tools, "user_roles": [roles.ROLES[role] for role in sorted(roles_held)], **shared},
        )
    panels = [{"panel": panel, "context": panel.context(request, participant)} for panel in cabinet_panels()]
    return render(
        request,
        "lms/cabinet.html",
        {
            "participant": participant,
            "season": participant.season,
            "current_stages": [Stage(stage).label for stage in participant.season.stages_on(today)],
            "timeline_items": _timeline_items(
                windows=tuple(participant.season.stage_windows()), today=today, language=get_language()
            ),
            "region": region_get(participant.region_code),
            "panels": panels,
            "tools": tools,
            "timezone_options": timezone_options_html(selected=participant.timezone),
            **shared,
        },
    )


@functools.lru_cache(maxsize=128)
def _timeline_items(*, windows: tuple[tuple[str, date, date], ...], today: date, language: str) -> str:
    """The season's timeline, the same for every participant of the season on a day: drawn once per
    worker, day and language, not on every cabinet page (its dates were a twentieth of the cabinet's
    template work, issue 14 §3). The key holds the stages' dates: an edited season is drawn afresh."""
    return render_to_string(
        "lms/includes/timeline_items.html", {"timeline": stage_timeline(windows=windows, today=today)}
    )


@require_safe
def metrics(request):
    """The service's figures for Prometheus (lms.metrics). Only for a scraper on this machine
    reaching the web process directly — a request through nginx carries X-Forwarded-For, and nginx
    itself connects from the loopback — or one sending `Authorization: Bearer <METRICS_TOKEN>`."""
    if not _metrics_allowed(request):
        return HttpResponseForbidden(
            _("The figures are for the monitoring only: ask from this machine, or with the metrics token."),
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE)


def _metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _sep, sent = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode()):
        return True
    if "X-Forwarded-For" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _login_handover(request, *, has_access):
    """An admin's login page hands over to the site's one login (allauth): one form to throttle
    (django-axes) and to ask for a second factor. Someone logged in already who still lands here
    has no access to that admin (the admin sent them back to its login): 403, not a redirect loop."""
    if request.user.is_authenticated and not has_access(request.user):
        raise PermissionDenied(_("Your account has no access to this part of the site."))
    target = reverse("account_login")
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        target = f"{target}?{urlencode({'next': next_url})}"
    return redirect(target)


def django_admin_login(request):
    return _login_handover(request, has_access=lambda user: user.is_active and user.is_staff)


def wagtail_admin_login(request):
    return _login_handover(request, has_access=lambda user: user.has_perm("wagtailadmin.access_admin"))


def site_login(request):
    """Wagtail's own login form for pages restricted to logged-in people or groups (/_util/login/):
    a logged-in person sent here is outside the page's groups."""
    return _login_handover(request, has_access=lambda user: False)


class MfaAuthenticateView(AuthenticateView):
    """The login's second step (allauth's): a refused code (wrong, too long, too many) answers 400
    with the form and its message, where allauth answers 200; a login django-axes holds locked
    (wrong passwords or codes) gets the lockout's 429 and no code is checked."""

    def post(self, request, *args, **kwargs):
        user = self.stage.login.user
        if mfa_code_step_locked(request=request, user=user):
            return lockout_response(request, credentials=login_credentials(user=user))
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class MfaTotpActivateView(ActivateTOTPView):
    """Setting up an authenticator app (allauth's): a refused first code answers 400, the same
    secret and QR code shown again."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


mfa_authenticate = MfaAuthenticateView.as_view()
mfa_totp_activate = MfaTotpActivateView.as_view()


def too_many_requests(request, exception=None):
    """allauth's rate limits (sign-ups, reset and confirmation e-mails) answer with this page."""
    message = _("Too many requests. Please try again in a few minutes.")
    return render(request, "429.html", {"message": message}, status=429)


# The database out of reach (its server down or restarting, the network to it cut, a failover, a
# restore swapping it) is an outage to wait out, not a fault of the page: a readable 503 asking to
# try again, never a traceback or a 500.
DATABASE_OUTAGE_ERRORS = (OperationalError, InterfaceError)
OUTAGE_RETRY_AFTER_SECONDS = 10


def server_error(request):
    """handler500: Django calls it while it handles the exception a view or a middleware raised
    (logged, and sent to Sentry when configured, either way). A database outage → 503 with
    Retry-After: our own page, which reads nothing from the database (no user, no programme
    settings), or JSON for the API; anything else → Django's own 500."""
    if not isinstance(sys.exc_info()[1], DATABASE_OUTAGE_ERRORS):
        return defaults.server_error(request)
    if request.path_info.startswith("/api/"):
        body = {"detail": _("The service is briefly unavailable. Try again in a few seconds.")}
        response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json", status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"site_name": settings.WAGTAIL_SITE_NAME}), status=503)
    response["Retry-After"] = str(OUTAGE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
