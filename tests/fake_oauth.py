"""A fake VK ID and Yandex ID for the tests: a small threaded HTTP server on the loopback serving each
provider's authorize, token and profile endpoints the way the real ones answer (VK ID: PKCE, the
`device_id` handed back with the code and required at the token exchange, the profile by POST under
"user"; Yandex ID: the client secret at the token exchange, the profile by GET with `Authorization:
OAuth <token>`, every address marked verified as Yandex does). Only the provider is fake: our code
and allauth's make their real HTTP requests to it.

A test says who consents next (`person`), or makes the next answer of an endpoint go wrong (`faults`);
`authorize(url)` plays the person's browser at the provider: it follows our redirect to the
authorize page, which answers at once with the redirect back to our callback.
"""

import base64
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

CLIENTS = {"vk": ("vk-test-app", "vk-test-secret"), "yandex": ("yandex-test-app", "yandex-test-secret")}


@dataclass(frozen=True)
class Person:
    uid: str
    first_name: str
    last_name: str
    email: str


@dataclass
class Grant:
    provider: str
    client_id: str
    redirect_uri: str
    person: Person
    code_challenge: str = ""
    device_id: str = ""


class FakeProvider:
    def __init__(self) -> None:
        self.person: dict[str, Person] = {
            "vk": Person("100200300", "Иван", "Петров", "ivan.petrov@example.org"),
            "yandex": Person("4000123", "Мария", "Соколова", "maria.sokolova@example.org"),
        }
        # (provider, endpoint) → what goes wrong with its next answers: "error:<code>" (authorize
        # redirects back with that error), "500", "garbage" (not JSON), "no_id" (profile without id).
        self.faults: dict[tuple[str, str], str] = {}
        self.grants: dict[str, Grant] = {}
        self.tokens: dict[str, Person] = {}
        self.log: list[tuple[str, str, dict]] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="fake-oauth", daemon=True)

    def start(self) -> "FakeProvider":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def provider_settings(self, *providers: str) -> dict:
        """SOCIALACCOUNT_PROVIDERS with `providers` (default: both) on and pointed at this fake; the
        others off."""
        providers = providers or ("vk", "yandex")
        paths = {"vk": ("authorize", "token", "user_info"), "yandex": ("authorize", "token", "info")}
        result = {}
        for provider, (authorize, token, profile) in paths.items():
            client_id, secret = CLIENTS[provider]
            result[provider] = {
                "APPS": [{"client_id": client_id, "secret": secret}] if provider in providers else [],
                "AUTHORIZE_URL": f"{self.base_url}/{provider}/{authorize}",
                "ACCESS_TOKEN_URL": f"{self.base_url}/{provider}/{token}",
                "PROFILE_URL": f"{self.base_url}/{provider}/{profile}",
                "OAUTH_PKCE_ENABLED": True,
            }
        return result

    def authorize(self, url: str) -> str:
        """The person at the provider's authorize page (`url`, where our login sent them) consents:
        returns where the provider sends them back (our callback, with the code or an error)."""
        response = requests.get(url, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def calls(self, provider: str) -> list[str]:
        return [endpoint for name, endpoint, _ in self.log if name == provider]

    # The endpoints, called from the server's threads.

    def _record(self, provider: str, endpoint: str, params: dict) -> str | None:
        with self._lock:
            self.log.append((provider, endpoint, params))
            return self.faults.get((provider, endpoint))

    def _issue_code(self, grant: Grant) -> str:
        code = secrets.token_urlsafe(16)
        with self._lock:
            self.grants[code] = grant
        return code

    def _take_grant(self, code: str) -> Grant | None:
        with self._lock:
            return self.grants.pop(code, None)  # a code works once

    def _issue_token(self, person: Person) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = person
        return token


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _handler_for(fake: FakeProvider):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args) -> None:
            pass

        def _params(self) -> dict[str, str]:
            query = parse_qs(urlsplit(self.path).query)
            if self.command == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                query.update(parse_qs(self.rfile.read(length).decode()))
            return {key: values[-1] for key, values in query.items()}

        def _json(self, status: int, payload) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _raw(self, status: int, body: bytes, content_type: str = "text/html") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _redirect(self, url: str, params: dict) -> None:
            self.send_response(302)
            self.send_header("Location", f"{url}{'&' if '?' in url else '?'}{urlencode(params)}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _fault(self, fault: str | None) -> bool:
            if fault == "500":
                self._json(500, {"error": "server_error"})
            elif fault == "garbage":
                self._raw(200, b"<html>Service unavailable</html>")
            else:
                return False
            return True

        def do_GET(self) -> None:
            provider, _, endpoint = urlsplit(self.path).path.strip("/").partition("/")
            params = self._params()
            if endpoint == "authorize" and provider in CLIENTS:
                return self._authorize(provider, params)
            if (provider, endpoint) == ("yandex", "info"):
                return self._yandex_info(params)
            self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            provider, _, endpoint = urlsplit(self.path).path.strip("/").partition("/")
            params = self._params()
            if endpoint == "token" and provider in CLIENTS:
                return self._token(provider, params)
            if (provider, endpoint) == ("vk", "user_info"):
                return self._vk_user_info(params)
            self._json(404, {"error": "not_found"})

        def _authorize(self, provider: str, params: dict) -> None:
            fault = fake._record(provider, "authorize", params)
            client_id, _ = CLIENTS[provider]
            redirect_uri = params.get("redirect_uri", "")
            if params.get("client_id") != client_id or params.get("response_type") != "code" or not redirect_uri:
                return self._json(400, {"error": "invalid_request"})
            if provider == "vk" and (not params.get("code_challenge") or params.get("code_challenge_method") != "S256"):
                return self._json(400, {"error": "invalid_request", "error_description": "PKCE is required"})
            state = params.get("state", "")
            if fault and fault.startswith("error:"):
                error = fault.removeprefix("error:")
                return self._redirect(redirect_uri, {"error": error, "error_description": "refused", "state": state})
            grant = Grant(
                provider,
                client_id,
                redirect_uri,
                fake.person[provider],
                code_challenge=params.get("code_challenge", ""),
                device_id=secrets.token_urlsafe(12) if provider == "vk" else "",
            )
            code = fake._issue_code(grant)
            if provider == "vk":
                back = {"code": code, "state": state, "device_id": grant.device_id, "expires_in": 600}
                back["type"] = "code_v2"
            else:
                back = {"code": code, "state": state, "cid": "fake-cid"}
            self._redirect(redirect_uri, back)

        def _token(self, provider: str, params: dict) -> None:
            fault = fake._record(provider, "token", params)
            if self._fault(fault):
                return
            client_id, secret = CLIENTS[provider]
            grant = fake._take_grant(params.get("code", ""))
            refused = (
                params.get("grant_type") != "authorization_code"
                or grant is None
                or grant.provider != provider
                or params.get("client_id") != client_id
                or params.get("redirect_uri", grant.redirect_uri) != grant.redirect_uri
            )
            if not refused and grant.code_challenge:  # PKCE: required by VK ID, taken by Yandex ID
                refused = _challenge(params.get("code_verifier", "")) != grant.code_challenge
            if not refused and provider == "vk":
                refused = params.get("device_id") != grant.device_id
            if not refused and provider == "yandex":
                refused = params.get("client_secret") != secret
            if refused:
                return self._json(400, {"error": "invalid_grant", "error_description": "Code is invalid or expired"})
            token = fake._issue_token(grant.person)
            answer = {"access_token": token, "refresh_token": secrets.token_urlsafe(24), "expires_in": 3600}
            if provider == "vk":
                answer |= {
                    "token_type": "Bearer",
                    "id_token": "e30.e30.fake",
                    "user_id": int(grant.person.uid),
                    "state": params.get("state", ""),
                    "scope": "vkid.personal_info email",
                }
            else:
                answer |= {"token_type": "bearer", "scope": "login:info login:email"}
            self._json(200, answer)

        def _vk_user_info(self, params: dict) -> None:
            fault = fake._record("vk", "user_info", params)
            if self._fault(fault):
                return
            person = fake.tokens.get(params.get("access_token", ""))
            if person is None or params.get("client_id") != CLIENTS["vk"][0]:
                return self._json(401, {"error": "invalid_token", "error_description": "invalid access_token"})
            user = {
                "user_id": person.uid,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "phone": "79991234567",
                "avatar": "https://pp.userapi.example/avatar.png",
                "sex": 2,
                "verified": False,
                "birthday": "01.01.2000",
            }
            if fault == "no_id":
                user.pop("user_id")
            self._json(200, {"user": user})

        def _yandex_info(self, params: dict) -> None:
            fault = fake._record("yandex", "info", params | {"authorization": self.headers.get("Authorization", "")})
            if self._fault(fault):
                return
            scheme, _, token = self.headers.get("Authorization", "").partition(" ")
            person = fake.tokens.get(token) if scheme == "OAuth" else None
            if person is None:
                return self._json(401, {"error": "invalid_token"})
            info = {
                "id": person.uid,
                "login": person.email.split("@")[0],
                "client_id": CLIENTS["yandex"][0],
                "display_name": "admin",
                "real_name": f"{person.first_name} {person.last_name}",
                "first_name": person.first_name,
                "last_name": person.last_name,
                "sex": "female",
                "default_email": person.email,
                "emails": [person.email, "second@example.org"],
                "birthday": "2000-01-01",
                "psuid": "1.AAAA.fake",
            }
            if fault == "no_id":
                info.pop("id")
            self._json(200, info)

    return Handler
