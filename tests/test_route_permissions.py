"""Every route of the project (our pages and API, Wagtail's admin, the Django admin), requested with
GET as anonymous and as each programme role, against the decision in ROUTES below: a route nobody
decided on, or one a role reaches without being granted it, fails the suite.

"Reached" is any answer but 401, 403, 404, 405 or a redirect to a login page. 405 counts as not
reached because a GET to a POST-only route proves nothing either way — those routes' own tests
cover their POSTs. Ids in the path name objects that exist (see `world`), so a missing check is not
hidden behind a 404; an id with no sample below is 1."""

import re
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from lms import roles
from tests.factories import (
    HostBodyFactory,
    InternshipOfferFactory,
    ParticipantFactory,
    SeasonFactory,
    host_person,
    user_with_role,
)

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, roles.PARTICIPANT, roles.EDITOR, roles.SPEAKER, roles.EXPERT, roles.STAFF, roles.HOST)
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
STAFF = frozenset({roles.STAFF})
CMS = frozenset({roles.STAFF, roles.EDITOR})
NOBODY = frozenset()  # superusers only (they are granted everything and not walked)

# Route name (namespace:name) → the roles that may reach it with a GET. Whole prefixes of the two
# admins are decided at once in PREFIXES; a route of ours must have its own line here.
ROUTES: dict[str, frozenset[str]] = {
    # public pages and the accounts
    "wagtail_serve": EVERYONE,
    "wagtailcore_login": EVERYONE,
    "wagtailcore_authenticate_with_password": EVERYONE,
    "wagtaildocs_serve": EVERYONE,
    "wagtaildocs_authenticate_with_password": EVERYONE,
    "set_language": EVERYONE,
    # the accounts (django-allauth); a signed-in person is sent on from the entrance pages
    "account_login": EVERYONE,
    "account_logout": EVERYONE,  # GET asks to confirm (anonymous: sent home); POST logs out
    "account_inactive": EVERYONE,
    "account_signup": EVERYONE,
    "account_reauthenticate": SIGNED_IN,
    "account_request_reauthentication_code": SIGNED_IN,  # re-checking oneself, by a code sent to oneself
    "account_confirm_reauthentication_code": SIGNED_IN,
    "account_email": SIGNED_IN,  # one's own addresses
    "account_email_verification_sent": EVERYONE,
    "account_confirm_email": EVERYONE,  # the key in the link is the credential
    "account_change_password": SIGNED_IN,
    "account_set_password": SIGNED_IN,
    "account_reset_password": EVERYONE,
    "account_reset_password_done": EVERYONE,
    "account_reset_password_from_key": EVERYONE,  # the key in the link is the credential
    "account_reset_password_from_key_done": EVERYONE,
    "account_confirm_login_code": SIGNED_IN,  # anonymous: only inside a login by code, which is off
    # two-factor authentication (allauth's MFA, lms/mfa.py): one's own authenticator app and codes
    "mfa_authenticate": EVERYONE,  # the login's code step: between the password and the code
    "mfa_reauthenticate": SIGNED_IN,
    "mfa_index": SIGNED_IN,  # the cabinet's "security" page
    "mfa_activate_totp": SIGNED_IN,
    "mfa_deactivate_totp": SIGNED_IN,
    "mfa_view_recovery_codes": SIGNED_IN,
    "mfa_generate_recovery_codes": SIGNED_IN,
    "mfa_download_recovery_codes": SIGNED_IN,
    # sign-in with VK ID and Yandex ID (lms/social/): every route answers 404 while its provider is off
    # (as here; tests/test_social_login.py turns them on against a fake provider)
    "vk_login": EVERYONE,  # GET: a confirmation page; the POST sends the person to the provider
    "vk_callback": EVERYONE,  # the provider's redirect back: the state in the session is the credential
    "yandex_login": EVERYONE,
    "yandex_callback": EVERYONE,
    "socialaccount_signup": EVERYONE,  # the completion of a sign-up pending in the session
    "socialaccount_login_cancelled": EVERYONE,
    "socialaccount_login_error": EVERYONE,
    "socialaccount_connections": SIGNED_IN,  # one's own connections
    # Wagtail's login for restricted pages hands over to account_login (a signed-in person: 403)
    "site-login": NOBODY,
    "apply": EVERYONE,
    "api-schema": EVERYONE,
    "api-docs": EVERYONE,
    # monitoring: /health/ for load balancers (names the checks, no data); /metrics only from this
    # machine directly (the test client is) or with METRICS_TOKEN: lms/tests/test_observability.py
    "health": EVERYONE,
    "metrics": EVERYONE,
    # the cabinet and the API of every signed-in person
    "cabinet": SIGNED_IN,
    "personal-data": SIGNED_IN,  # one's own data and consents; the URLs take no person's id
    "personal-data-json": SIGNED_IN,
    "personal-data-html": SIGNED_IN,
    "consent-withdraw": SIGNED_IN,  # one's own consent only (another's is a 404)
    "staff-people": STAFF,
    "staff-person-erase": STAFF,
    "cabinet-timezone": NOBODY,
    "lms-api:auth-token": NOBODY,
    "lms-api:auth-logout": NOBODY,
    "lms-api:auth-logout-all": NOBODY,
    "lms-api:me": SIGNED_IN,
    "lms-api:application-create": NOBODY,
    # recorded lectures (courses)
    "lecture-progress": NOBODY,
    "lecture-list": SIGNED_IN,
    "lecture-detail": {roles.PARTICIPANT},
    "lecture-playback": NOBODY,
    "lecture-figures": CMS,  # editors check the lectures they publish
    # video delivery: the signed token in the URL is the credential (none here)
    "media:video-hls": NOBODY,
    "media:video-status-list": CMS,
    # live sessions
    "live-session-list": SIGNED_IN,
    "live-presence-beat": NOBODY,
    "live-presence-key": NOBODY,
    "live-room-status": {roles.PARTICIPANT, roles.SPEAKER, roles.STAFF},
    "live-roster": {roles.SPEAKER, roles.STAFF},
    "live-bbb-webhook": NOBODY,
    "live-bbb-analytics": NOBODY,
    "live-bbb-recording-ready": NOBODY,
    "live-session": {roles.PARTICIPANT, roles.SPEAKER, roles.STAFF},
    "live-session-join": {roles.PARTICIPANT, roles.SPEAKER, roles.STAFF},
    "live-console": {roles.SPEAKER, roles.STAFF},
    "live-console-detail": {roles.SPEAKER, roles.STAFF},
    "live-console-start": NOBODY,
    "live-console-end": NOBODY,
    "live-console-mark": NOBODY,
    "live-console-times-correct": NOBODY,
    "live-console-report-import": STAFF,
    "live-console-recording-attach": STAFF,
    "live-session-recording": {roles.SPEAKER, roles.STAFF, roles.EDITOR},  # Wagtail's session listing links here
    "live-console-export": {roles.SPEAKER, roles.STAFF},
    # the closing meeting (issue 15 §5): registration (POST only), staff's guests, a guest's signed link
    "live-session-register": NOBODY,
    "live-session-unregister": NOBODY,
    "live-session-register-api": NOBODY,
    "live-session-unregister-api": NOBODY,
    "live-session-guest-create-api": NOBODY,
    "live-console-guest-add": NOBODY,
    "live-console-guest-erase": NOBODY,
    "live-guest-join": NOBODY,  # the signed token is the credential (none here)
    # assessments: participants' tests and interviews, experts' sheets, staff's admission
    "assessments:quiz": {roles.PARTICIPANT, roles.STAFF},  # staff see a test as participants do
    "assessments:attempt": {roles.PARTICIPANT},
    "assessments:interview-book": {roles.PARTICIPANT},
    "assessments:interview-cancel-page": {roles.PARTICIPANT},
    "assessments:expert-interviews": {roles.EXPERT, roles.STAFF},
    "assessments:expert-sheet": {roles.EXPERT, roles.STAFF},
    "assessments:expert-availability": {roles.EXPERT},
    "assessments:expert-timezone": NOBODY,
    "assessments:expert-slot-remove": NOBODY,
    "assessments:admission": STAFF,
    "assessments:admission-run": STAFF,
    "assessments:admission-publish": NOBODY,
    "assessments:placement": STAFF,
    "assessments:placement-run": STAFF,
    "assessments:placement-move": NOBODY,  # POST only (staff)
    "assessments:placement-host": {roles.HOST},  # the body's own placements only
    "assessments:placement-decline": NOBODY,  # POST only (the participant, from the cabinet)
    "assessments:internships-staff": STAFF,
    "assessments:internship-staff": STAFF,
    "assessments:internships-host": {roles.HOST},  # the body's own interns only
    "assessments:internship-host": NOBODY,  # the body's own interns only (the sample is another body's)
    "assessments:internship-mine": {roles.PARTICIPANT},
    "assessments:candidates-page": STAFF,
    "assessments:interviews-staff": STAFF,
    "assessments:interview-staff-cancel": STAFF,
    "assessments:meeting-panel": STAFF,
    "assessments:interview-results": STAFF,
    "assessments:interview-results-publish": STAFF,  # GET: the confirmation page
    "assessments:me-completeness": {roles.PARTICIPANT},
    "assessments:participant-completeness": STAFF,
    "assessments:me-admission": {roles.PARTICIPANT},
    "assessments:run-create": NOBODY,
    "assessments:run-detail": STAFF,
    "assessments:run-publish": NOBODY,
    "assessments:decision-override": NOBODY,
    "assessments:me-placement": {roles.PARTICIPANT},
    "assessments:placement-run-create": NOBODY,  # POST only (staff)
    "assessments:placement-run-detail": STAFF,
    "assessments:placement-run-publish": NOBODY,  # POST only (staff)
    "assessments:me-placement-decline": NOBODY,  # POST only (the participant)
    "assessments:me-internship": NOBODY,  # the participant's own; 404 while they have none
    "assessments:me-internship-log": NOBODY,  # POST only (the intern)
    "assessments:host-internships": {roles.HOST},
    "assessments:internship-list": STAFF,
    "assessments:internship-bulk-create": NOBODY,  # POST only (staff)
    "assessments:internship-plan": NOBODY,  # POST only (the body's people)
    "assessments:internship-weeks": NOBODY,  # POST only (the body's people)
    "assessments:internship-supervisor": NOBODY,  # POST only (the body's people)
    "assessments:internship-feedback-reopen": NOBODY,  # POST only (staff)
    "assessments:internship-feedback": NOBODY,  # POST only (the body's people)
    "assessments:host-placements": {roles.HOST},  # the body's own placements only
    "assessments:placement-host-decision": NOBODY,  # POST only (the body's people)
    "assessments:placement-move-api": NOBODY,  # POST only (staff)
    # ministry (FOIV) interviews: the host_id below is another ministry's than the host user's, and
    # the participant_id not its candidate, so a host reaches nothing here; its own are tested in
    # assessments/tests/test_ministry_interviews.py
    "assessments:own-ministry": {roles.HOST, roles.STAFF},  # a redirect to one's own ministry (staff: decisions)
    "assessments:ministry-host": STAFF,
    "assessments:ministry-slot-remove": NOBODY,  # POST only
    "assessments:ministry-candidate": STAFF,
    "assessments:ministry-decisions": STAFF,
    "assessments:ministry-book": NOBODY,  # POST only (participant)
    "assessments:ministry-cancel-page": NOBODY,  # POST only (participant)
    "assessments:me-ministry-decisions": {roles.PARTICIPANT},  # applied decisions only
    "assessments:ministry-slot-list": {roles.PARTICIPANT},  # slots of the ministries one ranked
    "assessments:ministry-slot-book": NOBODY,  # POST only
    "assessments:ministry-slot-delete": NOBODY,  # DELETE only
    "assessments:ministry-interview-cancel": NOBODY,  # POST only
    "assessments:ministry-sheet-submit": NOBODY,  # POST only (the ministry's people)
    "assessments:ministry-host-slot-list": STAFF,
    "assessments:ministry-slot-create": NOBODY,  # POST only
    "assessments:ministry-candidate-list": STAFF,
    "assessments:ministry-decision-set": NOBODY,  # POST only (the ministry's people)
    "assessments:ministry-decision-detail": STAFF,
    "assessments:host-rubric": STAFF,
    "assessments:host-rubric-update": NOBODY,  # PUT only
    "assessments:ministry-decision-pending": STAFF,
    "assessments:ministry-wave-apply": NOBODY,  # POST only (staff)
    "assessments:quiz-list": {roles.PARTICIPANT},
    "assessments:attempt-create": NOBODY,
    "assessments:attempt-detail": {roles.PARTICIPANT},
    "assessments:answer-save": NOBODY,
    "assessments:attempt-submit": NOBODY,
    "assessments:slot-list": {roles.PARTICIPANT},
    "assessments:slot-book": NOBODY,
    "assessments:meeting-register": NOBODY,
    "assessments:interview-cancel": NOBODY,
    "assessments:interview-staff-cancel-api": NOBODY,  # POST only (staff)
    "assessments:presentation-start": NOBODY,
    "assessments:presentation-stop": NOBODY,
    "assessments:sheet-submit": NOBODY,
    "assessments:candidates": STAFF,
    "assessments:meeting-list": STAFF,
    "assessments:meeting-panel-detail": STAFF,
    "assessments:meeting-panel-update": STAFF,
    "assessments:meeting-participants-assign": STAFF,
    "assessments:interview-result-list": STAFF,
    "assessments:interview-result-choose": STAFF,
    "assessments:interview-levels-apply": STAFF,
    "assessments:interview-results-publish-api": STAFF,
    # the closing of a season: awards and certificates (assessments/views/awards.py)
    "assessments:awards": STAFF,
    "assessments:certificates": STAFF,
    "assessments:certificate-revoke": STAFF,  # GET: the confirmation page
    "assessments:certificate-download": NOBODY,  # the holder's only: the id below is another's
    "assessments:certificate-verify": EVERYONE,  # public: the code is the credential
    "assessments:award-list": STAFF,
    "assessments:award-change": NOBODY,  # POST only (staff)
    "assessments:certificate-list": STAFF,
    "assessments:certificates-issue": NOBODY,  # POST only (staff)
    "assessments:certificate-revoke-api": NOBODY,  # POST only (staff)
    "assessments:me-certificates": SIGNED_IN,  # one's own
    "assessments:expert-slot-list": {roles.EXPERT},
    "assessments:expert-slot-create": NOBODY,
    # the regional dossiers' outbox (assessments/views/dossiers.py) and the regions' youth-policy bodies
    "assessments:dossiers": STAFF,
    # the talent pool across seasons (assessments/views/talent_pool.py, assessments/apis/talent_pool.py)
    "assessments:talent-pool": STAFF,
    "assessments:talent-pool-list": STAFF,
    "assessments:dossier": STAFF,
    "assessments:dossier-list": STAFF,
    "assessments:dossier-prepare": NOBODY,  # POST only (staff)
    "assessments:dossier-send": NOBODY,  # POST only (staff)
    "youthbodies:staff-list": STAFF,
    "youthbodies:edit": STAFF,
    "youthbodies:list-api": STAFF,
    "youthbodies:update-api": NOBODY,  # PUT only (staff)
    "assessments:expert-slot-series-create": NOBODY,
    "assessments:expert-slot-delete": NOBODY,
    # host bodies and offers (lms/hosts): the ids below name another body than the host user's, so
    # these lines say a host reaches nothing of another body; their own is tested in lms/tests.
    "hosts:own-host": {roles.HOST, roles.STAFF},  # a redirect to one's own body (staff: to the list)
    "hosts:host": STAFF,
    "hosts:offer-create": STAFF,
    "hosts:offer-edit": STAFF,
    "hosts:staff-hosts": STAFF,
    "hosts:host-create": STAFF,
    "hosts:host-edit": STAFF,
    "hosts:member-add": NOBODY,  # POST only (staff)
    "hosts:member-remove": STAFF,  # GET: the confirmation page
    "hosts:staff-offers": STAFF,
    "hosts:offers-export": STAFF,
    "hosts:import": STAFF,
    "hosts:import-template": STAFF,
    "hosts:import-preview": STAFF,
    "hosts:import-apply": NOBODY,  # POST only (staff)
    "hosts:host-list": {roles.HOST, roles.STAFF},  # each sees their own: a host their body only
    "hosts:host-create-api": NOBODY,  # POST only (staff)
    "hosts:host-detail": STAFF,
    "hosts:host-update": NOBODY,  # PATCH only (staff)
    "hosts:offer-list": {roles.HOST, roles.STAFF},  # a host sees only their body's offers in it
    "hosts:offer-create-api": NOBODY,  # POST only
    "hosts:offer-detail": STAFF,
    "hosts:offer-update": NOBODY,  # PATCH only
    "hosts:import-create": NOBODY,  # POST only (staff)
    # a participant's candidacy (lms/candidacy): the cabinet pages and "me" API take no person's id;
    # the participant_id below is another participant's, whose offers the host's body was not ranked
    "candidacy:preferences": {roles.PARTICIPANT},
    "candidacy:cv-edit": {roles.PARTICIPANT},
    "candidacy:cv-pdf": STAFF,  # and the owner and the ministries they ranked: lms/tests/test_candidacy.py
    "candidacy:cv-versions": STAFF,
    "candidacy:cv-version-pdf": STAFF,
    "candidacy:staff-preferences": STAFF,
    "candidacy:host-applicants": {roles.HOST},  # its own body's applicants only
    "candidacy:preference-list": {roles.PARTICIPANT},
    "candidacy:preference-set": NOBODY,  # POST only (a participant)
    "candidacy:choice-list": {roles.PARTICIPANT},
    "candidacy:cv-create": NOBODY,  # POST only (a participant)
    "candidacy:cv-detail": STAFF,  # as cv-pdf
    "candidacy:season-preference-list": STAFF,
}

# The admins, decided by prefix: the Django admin is programme staff's (Django's is_staff), except
# its login page; Wagtail's admin is staff's and editors' (wagtailadmin.access_admin), except its
# login and password-reset pages. Both login pages hand over to account_login (lms.views). Finer
# rules inside (users, groups) are tested in lms/tests/test_roles.py.
PREFIXES: list[tuple[str, frozenset[str]]] = [
    ("django-admin/login/", EVERYONE),
    ("django-admin/logout/", EVERYONE),
    ("django-admin/", STAFF),
    ("cms/login/", EVERYONE),
    ("cms/sprite/", EVERYONE),  # the admin's icons and its JavaScript translations: no data
    ("cms/jsi18n/", EVERYONE),
    ("cms/password_reset/", EVERYONE),
    ("cms/", CMS),
]

LOGIN_PATHS = ("/accounts/login/", "/cms/login/", "/django-admin/login/", "/_util/login/")


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str


def routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
                found.append(Route(prefix + str(entry.pattern), name))

    walk(get_resolver().url_patterns, "", None)
    return found


def decision(route: Route) -> frozenset[str] | None:
    if route.name in ROUTES:
        return frozenset(ROUTES[route.name])
    for prefix, granted in PREFIXES:
        if route.pattern.startswith(prefix):
            return granted
    return None


CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)|\([^)]*\)")


def sample_path(pattern: str, ids: dict[str, int | str]) -> str:
    def converter(match: re.Match) -> str:
        kind, name = match.group(1) or "str", match.group(2)
        if kind == "int":
            return str(ids.get(name, 1))
        if name in ids:
            return str(ids[name])
        return {"path": "master.m3u8", "uuid": "00000000-0000-0000-0000-000000000000"}.get(kind, "x")

    path = CONVERTER.sub(converter, pattern)
    if "^" in path or "(" in path:
        path = REGEX_GROUP.sub(lambda m: str(ids.get(m.group(1) or "", 1)), path.replace("^", "").replace("$", ""))
        path = path.replace("\\", "").replace("?", "")
    return "/" + path


@pytest.fixture
def world():
    """One object of each kind a route names by id, and one user per role (the participant enrolled)."""
    from django.utils import timezone

    from assessments.models import Certificate, Dossier, Internship, PlacementRun
    from assessments.tests.factories import QuizFactory
    from courses.tests.factories import course_make, lecture_make
    from live.tests.factories import LiveSessionFactory
    from lms.hosts.models import HostImport

    season = SeasonFactory()
    participant = ParticipantFactory(season=season)
    participant.user.groups.add(user_with_role(roles.PARTICIPANT).groups.get())
    lecture = lecture_make(course=course_make(season=season))
    session = LiveSessionFactory(season=season)
    quiz = QuizFactory()
    users = {
        ANONYMOUS: None,
        roles.PARTICIPANT: participant.user,
        **{role: user_with_role(role) for role in (roles.EDITOR, roles.SPEAKER, roles.EXPERT, roles.STAFF)},
        # A host body's representative; the ids below name another body's.
        roles.HOST: host_person(HostBodyFactory()),
    }
    other_offer = InternshipOfferFactory(season=season)
    someone = ParticipantFactory(season=season)
    certificate = Certificate.objects.create(
        participant=someone,
        season=season,
        kind="education",
        holder_name="Другой Участник",
        issued_by=users[roles.STAFF],
    )
    # Another body's intern: the host's representative may not open it.
    internship = Internship.objects.create(
        season=season,
        participant=someone,
        offer=other_offer,
        run=PlacementRun.objects.create(season=season, seed=0, created_by=users[roles.STAFF]),
        starts_on=other_offer.starts_on,
        ends_on=other_offer.ends_on,
        created_by=users[roles.STAFF],
    )
    dossier = Dossier.objects.create(
        season=season,
        region_code="77",
        content_hash="0" * 64,
        prepared_at=timezone.now(),
        prepared_by=users[roles.STAFF],
    )
    upload = HostImport.objects.create(season=season, file_name="h.csv", content=b"x", uploaded_by=users[roles.STAFF])
    ids = {
        "lecture_id": lecture.pk,
        "page_id": lecture.pk,
        "asset_id": lecture.video_id,
        "session_id": session.pk,
        "season_id": season.pk,
        # Another participant's: a participant may read their own completeness, not someone else's.
        "participant_id": ParticipantFactory(season=season).pk,
        "quiz_id": quiz.pk,
        "user_id": host_person(other_offer.host).pk,
        "host_id": other_offer.host_id,
        "offer_id": other_offer.pk,
        "import_id": upload.pk,
        # Another participant's certificate: the participant may download only their own.
        "certificate_id": certificate.pk,
        "internship_id": internship.pk,
        "dossier_id": dossier.pk,
        "region_code": "77",
    }
    return users, ids


def reached(response) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return False
    if response.status_code in (301, 302, 303, 307, 308):
        return not response["Location"].split("?")[0].endswith(LOGIN_PATHS)
    return True


def test_every_route_has_a_decision():
    undecided = [f"{route.pattern} ({route.name or 'unnamed'})" for route in routes() if decision(route) is None]
    assert not undecided, "routes with no line in ROUTES (tests/test_route_permissions.py):\n" + "\n".join(undecided)


def test_no_role_reaches_a_route_it_was_not_granted(client, world):
    users, ids = world
    breaches = []
    for role in ROLES:
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        for route in routes():
            granted = decision(route)
            if granted is None or role in granted:
                continue
            path = sample_path(route.pattern, ids)
            response = client.get(path)
            if reached(response):
                breaches.append(f"{role}: GET {path} ({route.name}) → {response.status_code}")
    assert not breaches, "\n".join(breaches)
