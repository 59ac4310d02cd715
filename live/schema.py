"""The OpenAPI description of the presence-beat endpoint, a plain Django view (see apis.py for why)."""

from lms.api import openapi_error
from lms.beatviews import beat_openapi_path

OPENAPI_PATHS = beat_openapi_path(
    path="/api/v1/live-sessions/{session_id}/presence/",
    operation_id="live_session_presence_create",
    summary="A presence beat of the session page, every 30 s while it is visible",
    description=(
        "Authenticated by the signed presence key of `POST /api/v1/live-sessions/{id}/presence-key/`, "
        "not by a session: send no cookies. The server's receipt time counts, never the client's clock."
    ),
    tag="live-sessions",
    id_param="session_id",
    key_header="X-Presence-Key",
    body_required=["connection_id", "seq", "visible"],
    body_properties={
        "connection_id": {"type": "string", "format": "uuid"},
        "seq": {"type": "integer", "minimum": 0, "maximum": 2147483647},
        "visible": {"type": "boolean"},
    },
    responses={
        "202": {"description": "Stored for the next flush."},
        "400": openapi_error("A malformed beat, or the session is not open for beats."),
        "403": openapi_error("A missing, forged or foreign key; an expired one says `renew: true`."),
    },
)
