"""Authentication for the progress endpoint only: the same token and session checks as the rest
of the API, remembered per process for a short while, so a beat costs no database query.

The trade-off, stated: a token deleted or a session logged out keeps recording progress for at
most COURSES_BEAT_AUTH_CACHE_SECONDS in a process that saw it recently; it grants nothing else."""

from django.conf import settings
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from courses import conf
from courses.memo import Memo

_tokens = Memo(seconds=conf.beat_auth_cache_seconds)
_sessions = Memo(seconds=conf.beat_auth_cache_seconds)


class RememberedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        remembered = _tokens.get(key)
        if remembered is None:
            remembered = super().authenticate_credentials(key)
            _tokens.set(key, remembered)
        return remembered


class RememberedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        session_key = request._request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        user = _sessions.get(session_key) if session_key else None
        if user is None:
            answer = super().authenticate(request)
            if answer is not None and session_key:
                _sessions.set(session_key, answer[0])
            return answer
        self.enforce_csrf(request)
        return (user, None)
