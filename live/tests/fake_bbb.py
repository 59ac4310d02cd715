"""A stand-in BigBlueButton (with bbb-webhooks) on loopback: the HTTP boundary is all that is faked.
Its answers are BBB's own XML shapes (bbb-webhooks' src/out/webhooks/api/responses.js, BBB's API
documentation for isMeetingRunning)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

SECRET = "ExampleSharedSecret-do-not-use-0123456789"
CALLBACK = "https://prokadry.example.org/integrations/bbb/webhook/"

CREATED = b"<response><returncode>SUCCESS</returncode><internalMeetingID>abc-1</internalMeetingID></response>"
HOOK_CREATED = (
    b"<response><returncode>SUCCESS</returncode><hookID>1</hookID>"
    b"<permanentHook>false</permanentHook><rawData>false</rawData></response>"
)
HOOK_DUPLICATE = (
    b"<response><returncode>SUCCESS</returncode><hookID>5</hookID><messageKey>duplicateWarning</messageKey>"
    b"<message>There is already a hook for this callback URL.</message></response>"
)
HOOK_FAILED = (
    b"<response><returncode>FAILED</returncode><messageKey>createHookError</messageKey>"
    b"<message>An error happened while creating your hook. Check the logs.</message></response>"
)
RUNNING = b"<response><returncode>SUCCESS</returncode><running>true</running></response>"
NOT_RUNNING = b"<response><returncode>SUCCESS</returncode><running>false</running></response>"
ENDED = (
    b"<response><returncode>SUCCESS</returncode><messageKey>sentEndMeetingRequest</messageKey>"
    b"<message>A request to end the meeting was sent.</message></response>"
)


def fake_bbb_serve(settings):
    """Serve until the generator is closed; yields (answers, calls): `answers` maps an API call to
    (status, body), `calls` lists every path asked for, in order."""
    answers = {"create": (200, CREATED), "hooks/create": (200, HOOK_CREATED), "end": (200, ENDED)}
    calls: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            calls.append(self.path)
            call = urlsplit(self.path).path.removeprefix("/bigbluebutton/api/")
            status, body = answers.get(call, (404, b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.LIVE_BBB_URL = f"http://127.0.0.1:{server.server_port}/bigbluebutton"
    settings.LIVE_BBB_SECRET = SECRET
    settings.LIVE_BBB_WEBHOOK_CALLBACK_URL = CALLBACK
    try:
        yield answers, calls
    finally:
        server.shutdown()
