"""Shared API plumbing: services raise Django's ValidationError, PermissionDenied or our
ConflictError; the API answers each once, here (400 with per-field messages, 403, 409), so no view
translates a domain error by hand."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular import openapi
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from lms.errors import ConflictError


class Conflict(exceptions.APIException):
    status_code = 409
    default_code = "conflict"


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        else:
            detail = {"detail": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ConflictError):
        exc = Conflict(str(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, RecursionError | OverflowError):
        # Only a request can cause these here: JSON nested a thousand levels deep, or a number
        # such as 1e999 where a whole number is expected.
        exc = exceptions.ParseError(_("The request nests too deeply or holds a number out of range."))
    return drf_exception_handler(exc, context)


def schema_only_public_api(endpoints):
    """Wagtail's admin mounts DRF views of its own; the published schema is our /api/v1/ only."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


def schema_add_app_paths(result, generator, request, public):
    """Plain (non-DRF) views, kept plain because they are hot paths, cannot describe themselves to
    drf-spectacular; an app lists them as OpenAPI path items in `openapi_paths` on its AppConfig."""
    from django.apps import apps

    for app_config in apps.get_app_configs():
        result["paths"].update(getattr(app_config, "openapi_paths", {}))
    return result


def openapi_error(description: str) -> dict:
    """An error answer in the shape of `exception_handler`'s: per-field lists or a `detail`."""
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"detail": {"type": "string"}},
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                }
            }
        },
    }


class AutoSchema(openapi.AutoSchema):
    """Our views nest their InputSerializer/OutputSerializer (one view per operation), and every
    one would become the component "Output"; name them after their view instead
    (MeDetailApi.OutputSerializer → MeDetailOutput)."""

    def get_serializer_name(self, serializer, direction):
        cls = serializer if isinstance(serializer, type) else type(serializer)
        parts = cls.__qualname__.split(".")
        if len(parts) == 1 or "<locals>" in parts:
            return super().get_serializer_name(serializer, direction)
        return parts[0].removesuffix("Api") + "".join(part.removesuffix("Serializer") for part in parts[1:])
