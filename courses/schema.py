"""The OpenAPI description of the beat endpoint, a plain Django view (see apis.py for why)."""

from lms.api import openapi_error

OPENAPI_PATHS = {
    "/api/v1/lectures/{lecture_id}/progress/": {
        "post": {
            "operationId": "lecture_progress_create",
            "summary": "A player heartbeat: the media seconds played since the previous beat",
            "description": (
                "Authenticated by the signed beat key of the lecture API (`beat_key`, renewed with "
                "`POST /api/v1/lectures/{id}/playback/`), not by a session: send no cookies. The "
                "server credits the span only when it is plausible; `seq: 0` with from = to opens a playback."
            ),
            "tags": ["lectures"],
            "security": [],
            "parameters": [
                {"name": "lecture_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                {"name": "X-Beat-Key", "in": "header", "required": True, "schema": {"type": "string"}},
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["playback_id", "seq", "from", "to", "rate", "visible"],
                            "properties": {
                                "playback_id": {"type": "string", "format": "uuid"},
                                "seq": {"type": "integer", "minimum": 0},
                                "from": {"type": "number", "minimum": 0},
                                "to": {"type": "number", "minimum": 0},
                                "rate": {"type": "number"},
                                "visible": {"type": "boolean"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "The beat was judged; `credited` says whether it added watched time.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "progress": {"type": "number", "minimum": 0, "maximum": 1},
                                    "watched_seconds": {"type": "number"},
                                    "completed": {"type": "boolean"},
                                    "credited": {"type": "boolean"},
                                    "outcome": {"type": "string"},
                                    "message": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "400": openapi_error("A malformed beat; stored progress is unchanged."),
                "403": openapi_error("A missing, forged or expired key, or the lecture is closed (`renew: true`)."),
                "404": openapi_error("No such lecture."),
            },
        }
    }
}
