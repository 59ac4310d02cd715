"""The OpenAPI description of the beat endpoint, a plain Django view (see apis.py for why)."""

from lms.api import openapi_error
from lms.beatviews import beat_openapi_path

OPENAPI_PATHS = beat_openapi_path(
    path="/api/v1/lectures/{lecture_id}/progress/",
    operation_id="lecture_progress_create",
    summary="A player heartbeat: the media seconds played since the previous beat",
    description=(
        "Authenticated by the signed beat key of the lecture API (`beat_key`, renewed with "
        "`POST /api/v1/lectures/{id}/playback/`), not by a session: send no cookies. The "
        "server credits the span only when it is plausible; `seq: 0` with from = to opens a playback. "
        "`release: true` lets the participant's one playback lease go (the player sends it at the end "
        "and when the page goes, with the key in the body where a beacon can carry no header)."
    ),
    tag="lectures",
    id_param="lecture_id",
    key_header="X-Beat-Key",
    body_required=["playback_id", "seq", "from", "to", "rate", "visible"],
    body_properties={
        "playback_id": {"type": "string", "format": "uuid"},
        "seq": {"type": "integer", "minimum": 0},
        "from": {"type": "number", "minimum": 0},
        "to": {"type": "number", "minimum": 0},
        "rate": {"type": "number"},
        "visible": {"type": "boolean"},
        "release": {"type": "boolean"},
        "key": {"type": "string", "description": "The beat key, only where no header can be sent."},
    },
    responses={
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
        "503": openapi_error("Progress cannot be stored this second (`Retry-After`): the player sends it again."),
    },
)
