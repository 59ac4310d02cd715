"""The OpenAPI description of the presence-beat endpoint, a plain Django view (see apis.py for why)."""

from lms.api import openapi_error

OPENAPI_PATHS = {
    "/api/v1/live-sessions/{session_id}/presence/": {
        "post": {
            "operationId": "live_session_presence_create",
            "summary": "A presence beat of the session page, every 30 s while it is visible",
            "description": (
                "Authenticated by the signed presence key of `POST /api/v1/live-sessions/{id}/presence-key/`, "
                "not by a session: send no cookies. The server's receipt time counts, never the client's clock."
            ),
            "tags": ["live-sessions"],
            "security": [],
            "parameters": [
                {"name": "session_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "X-Presence-Key", "in": "header", "required": True, "schema": {"type": "string"}},
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["connection_id", "seq", "visible"],
                            "properties": {
                                "connection_id": {"type": "string", "format": "uuid"},
                                "seq": {"type": "integer", "minimum": 0, "maximum": 2147483647},
                                "visible": {"type": "boolean"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "202": {"description": "Stored for the next flush."},
                "400": openapi_error("A malformed beat, or the session is not open for beats."),
                "403": openapi_error("A missing, forged or foreign key; an expired one says `renew: true`."),
            },
        }
    }
}
