"""The base of the hot beat endpoints (a lecture player's progress beats, a live page's presence
beats): plain Django views rather than DRF APIViews, on purpose.

They are the busiest paths of the site (thousands of beats a second in a season), and DRF's request
wrapping, authentication classes and content negotiation cost more than the work of a beat. They
are not cookie-authenticated — the caller is whoever holds the signed key (lms.signing) sent in a
header — so there is nothing for CSRF to protect and no session or token to look up: the view is
csrf-exempt and marked `sessionless` once here. Errors are answered in the shape of the project's
DRF exception handler (per-field lists, or `detail`)."""

import json
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from lms.middleware import sessionless


class SessionlessBeatView(View):
    http_method_names = ["post"]
    # The key's header as a META name (e.g. "HTTP_X_BEAT_KEY"): `request.headers` would parse
    # every header of the request to read this one.
    key_meta: ClassVar[str] = ""

    @classmethod
    def as_view(cls, **initkwargs):
        # Wrapped once here, as DRF's APIView does, rather than per request.
        return sessionless(csrf_exempt(super().as_view(**initkwargs)))

    def key_from(self, request: HttpRequest) -> str | None:
        return request.META.get(self.key_meta)

    @staticmethod
    def json_body(request: HttpRequest) -> dict:
        """The body as a JSON object; a ValidationError for anything else (including JSON nested a
        thousand levels deep, which raises RecursionError)."""
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            data = None
        if not isinstance(data, dict):
            raise ValidationError({"detail": [_("A JSON object is expected.")]})
        return data


def error_payload(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}


# One encoder for every answer: json.dumps with an option builds a new encoder per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def json_answer(payload: dict, status: int) -> HttpResponse:
    # Bytes, not str: HttpResponse would encode a str after looking its charset up in the content
    # type (a regex and a settings read, once per beat).
    return HttpResponse(_ENCODER.encode(payload).encode(), status=status, content_type="application/json")


def beat_openapi_path(
    *,
    path: str,
    operation_id: str,
    summary: str,
    description: str,
    tag: str,
    id_param: str,
    key_header: str,
    body_required: list[str],
    body_properties: dict,
    responses: dict,
) -> dict:
    """The OpenAPI path item of a beat endpoint (drf-spectacular cannot read a plain view): a POST
    of a JSON object, authenticated by the signed key in `key_header` rather than a session."""
    return {
        path: {
            "post": {
                "operationId": operation_id,
                "summary": summary,
                "description": description,
                "tags": [tag],
                "security": [],
                "parameters": [
                    {"name": id_param, "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": key_header, "in": "header", "required": True, "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"type": "object", "required": body_required, "properties": body_properties}
                        }
                    },
                },
                "responses": responses,
            }
        }
    }
