"""Login throttling and lockout, plugged into django-axes (settings AXES_*; docs/deploy/settings.md).

Two counters of failed logins live in the cache (Redis in production, so every process shares them):

- the pair (account, client address): locked after LOGIN_FAILURE_LIMIT failures;
- the client address alone, whatever accounts it tries: locked after LOGIN_ADDRESS_FAILURE_LIMIT.

A lock lasts LOGIN_COOLOFF_MINUTES and refuses only that pair or that address, so nobody elsewhere
can lock an expert out of their own account. axes' own cache handler counts every key against one
limit; the two limits are why this handler is ours. The cache, not axes' database handler: the
counters expire by themselves, a flood of failures writes no rows, and no table of addresses and
typed logins is kept (personal data to retain and erase). Lockouts and releases are logged with the
account's id (or a digest of what was typed) and the address, never a password.
"""

import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from axes.handlers.base import AbstractAxesHandler, AxesBaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cache
from axes.signals import user_locked_out
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

logger = logging.getLogger("lms.lockout")

# A lock's record outlives the lock by this much, so the first attempt after it logs the release.
RELEASE_NOTICE_SECONDS = 24 * 3600


def client_ip(request) -> str | None:
    """The client's address (AXES_CLIENT_IP_CALLABLE, and allauth's rate limits through the account
    adapter). Without a proxy (LOGIN_CLIENT_IP_PROXY_COUNT = 0) the connection's REMOTE_ADDR; behind
    N proxies, the entry N from the right of the proxies' header, the one our outermost proxy
    appended: entries to its left are whatever the client sent. A header too short to have passed
    all our proxies, or not an address, counts for nothing."""
    remote = request.META.get("REMOTE_ADDR")
    hops = settings.LOGIN_CLIENT_IP_PROXY_COUNT
    if hops <= 0:
        return remote
    entries = [entry.strip() for entry in request.META.get(settings.LOGIN_CLIENT_IP_HEADER, "").split(",")]
    entries = [entry for entry in entries if entry]
    if len(entries) < hops:
        return remote
    try:
        return str(ipaddress.ip_address(entries[-hops]))
    except ValueError:
        return remote


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def _login_account(identifier: str):
    """The one account a login identifier (username or e-mail) names, as allauth would log it in."""
    from allauth.account.utils import filter_users_by_email, filter_users_by_username

    users = list(filter_users_by_username(identifier)[:2])
    if len(users) != 1 and "@" in identifier:
        users = filter_users_by_email(identifier, prefer_verified=True)
    return users[0] if len(users) == 1 else None


def login_account_key(request, credentials: dict | None) -> str:
    """The account side of the (account, address) pair (AXES_USERNAME_CALLABLE): `user:<id>` when the
    login names one account, so its username and its e-mail share one counter; otherwise a digest of
    what was typed (it may be a password typed into the wrong field: it is never logged as such)."""
    credentials = credentials or {}
    identifier = str(credentials.get("email") or credentials.get("username") or "").strip()
    if not identifier:
        return ""
    memo = request.__dict__.setdefault("_login_account_keys", {}) if request is not None else {}
    if identifier not in memo:
        user = _login_account(identifier)
        memo[identifier] = f"user:{user.pk}" if user is not None else f"login:{_digest(identifier.lower())[:16]}"
    return memo[identifier]


@dataclass(frozen=True)
class Scope:
    """One counter: what it counts failures of, its cache key and its limit."""

    label: str
    key: str
    limit: int

    @property
    def failures_key(self) -> str:
        return f"login-failures:{self.key}"

    @property
    def lock_key(self) -> str:
        return f"login-lock:{self.key}"


def scopes_for(*, address: str | None, account: str) -> list[Scope]:
    """The pair's counter (when a login was given) and the address's."""
    address = address or "unknown"
    scopes = []
    if account:
        pair = f"pair:{_digest(account, address)}"
        scopes.append(Scope(f"account {account} from {address}", pair, settings.LOGIN_FAILURE_LIMIT))
    scopes.append(Scope(f"address {address}", f"address:{_digest(address)}", settings.LOGIN_ADDRESS_FAILURE_LIMIT))
    return scopes


def _cooloff_seconds() -> int:
    return int(settings.LOGIN_COOLOFF_MINUTES * 60)


class LoginLockoutHandler(AbstractAxesHandler, AxesBaseHandler):
    """AXES_HANDLER: the two counters above, in the cache axes is given (AXES_CACHE)."""

    def __init__(self):
        self.cache = get_cache()

    def scopes(self, request, credentials: dict | None = None) -> list[Scope]:
        address = getattr(request, "axes_ip_address", None)
        return scopes_for(address=address, account=login_account_key(request, credentials))

    def lock_remaining(self, request, credentials: dict | None = None) -> int:
        """Seconds until every lock on this request's pair and address is over; 0 when none holds.
        A lock found over is logged as released and forgotten."""
        now = time.time()
        remaining = 0.0
        for scope in self.scopes(request, credentials):
            lock = self.cache.get(scope.lock_key)
            if lock is None:
                continue
            if lock["until"] > now:
                remaining = max(remaining, lock["until"] - now)
            else:
                self.cache.delete(scope.lock_key)
                logger.info("login released: %s (the cool-off is over)", scope.label)
        return math.ceil(remaining)

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return self.lock_remaining(request, credentials) > 0

    def get_failures(self, request, credentials: dict | None = None) -> int:
        return max((self.cache.get(scope.failures_key, 0) for scope in self.scopes(request, credentials)), default=0)

    def _count(self, scope: Scope) -> int:
        timeout = _cooloff_seconds()
        if self.cache.add(scope.failures_key, 1, timeout):
            return 1
        try:
            failures = self.cache.incr(scope.failures_key)
        except ValueError:  # expired between add() and incr()
            self.cache.set(scope.failures_key, 1, timeout)
            return 1
        self.cache.touch(scope.failures_key, timeout)
        return failures

    def _lock(self, scope: Scope, failures: int) -> None:
        until = time.time() + _cooloff_seconds()
        self.cache.set(scope.lock_key, {"until": until}, _cooloff_seconds() + RELEASE_NOTICE_SECONDS)
        # The next lock starts from zero again.
        self.cache.delete(scope.failures_key)
        logger.warning(
            "login locked: %s after %d failed attempts, for %d minutes",
            scope.label,
            failures,
            settings.LOGIN_COOLOFF_MINUTES,
        )

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        if request is None:
            logger.error("a failed login without a request cannot be counted (axes needs the request)")
            return
        if self.is_whitelisted(request, credentials):
            return
        # A refused attempt (the backend saw the lock) checked no password: it is not counted.
        locked = self.is_locked(request, credentials)
        if not locked:
            for scope in self.scopes(request, credentials):
                failures = self._count(scope)
                if failures >= scope.limit:
                    self._lock(scope, failures)
                    locked = True
        if locked:
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=login_account_key(request, credentials),
                ip_address=request.axes_ip_address,
            )

    def user_logged_in(self, sender, request, user, **kwargs) -> None:
        """An honest login clears its pair's failures (typos before it), not its address's: an
        attacker holding one valid account must not wipe the address counter between guesses."""
        address = getattr(request, "axes_ip_address", None)
        if address is not None:
            self.cache.delete(scopes_for(address=address, account=f"user:{user.pk}")[0].failures_key)

    def user_logged_out(self, sender, request, user, **kwargs) -> None:
        return None

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username: bool = False) -> int:
        """Release an address, or a pair (address and login), by hand: axes' `axes_reset_ip` and
        `axes_reset_ip_username` commands. The cache cannot list a login's addresses, so a login alone
        (`axes_reset_username`) is refused."""
        if ip_address is None or ip_or_username:
            raise NotImplementedError("name the address (axes_reset_ip or axes_reset_ip_username)")
        account = login_account_key(None, {"username": username}) if username else ""
        scopes = scopes_for(address=ip_address, account=account)
        if username:
            scopes = scopes[:1]
        released = 0
        for scope in scopes:
            held = self.cache.get(scope.lock_key) is not None or self.cache.get(scope.failures_key) is not None
            self.cache.delete_many([scope.lock_key, scope.failures_key])
            if held:
                released += 1
                logger.info("login released: %s (reset by hand)", scope.label)
        return released


def login_refusal(request, *, user=None):
    """For a way in that checks no password here (a login through VK ID or Yandex ID): the lockout's
    answer when the client address is locked, or the pair of `user` (the account it would log in,
    None for a newcomer) and the address is; None when neither is."""
    credentials = {"username": user.get_username()} if user is not None else None
    if not AxesProxyHandler.is_locked(request, credentials):
        return None
    return lockout_response(request, credentials=credentials)


def lockout_response(request, original_response=None, credentials: dict | None = None):
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After and how long to wait, as JSON on the API."""
    seconds = AxesProxyHandler.get_implementation().lock_remaining(request, credentials) or _cooloff_seconds()
    minutes = math.ceil(seconds / 60)
    message = ngettext(
        "Too many failed login attempts. Try again in %(minutes)d minute.",
        "Too many failed login attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "retry_after": seconds}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response
