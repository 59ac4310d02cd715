"""Shared API plumbing: services raise Django's ValidationError, PermissionDenied or our
ConflictError; the API answers each once, here (400 with per-field messages, 403, 409), so no view
translates a domain error by hand."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular import openapi
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
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


_ERROR_TEXTS = {
    400: "Bad input or a rule refused it: messages per field (or `detail`); nothing was changed.",
    403: "Not allowed for this user: `detail` says why.",
    404: "No such object.",
    409: "A conflict with the current state or a concurrent request: `detail` says what to do.",
}


def error_responses(*codes: int) -> dict:
    """The error answers of a view for `extend_schema(responses=…)`, in exception_handler's shape."""
    from drf_spectacular.utils import OpenApiResponse

    schema = openapi_error("")["content"]["application/json"]["schema"]
    return {code: OpenApiResponse(response=schema, description=_ERROR_TEXTS[code]) for code in codes}


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


class PagePagination(PageNumberPagination):
    """The API's paginated lists: `?page=` (a page past the end is a 404), 50 a page, `?page_size=`
    up to 200. A view names it as its `pagination_class`, which also describes the page in the schema."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def paginated_response(*, queryset, serializer_class, request, view, page_rows=None) -> Response:
    """One page of `queryset` in the view's pagination, each row through `serializer_class`: a count
    query and a page query, whatever the number of rows. `page_rows`, when given, turns the page (of
    ids, say) into the rows to serialise, in a fixed number of queries of its own."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    if page_rows is not None:
        page = page_rows(page)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
