import json
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from live import bbb, conf
from live.models import LiveSession
from live.presence import HEADER, PresenceKeyExpired
from live.selectors import (
    session_by_external_meeting_id,
    session_for_participant,
    session_list_for_participant,
    session_manageable_by,
    session_roster_now,
)
from live.services import (
    bbb_analytics_receive,
    bbb_webhook_receive,
    presence_beat_record,
    presence_beats_flush,
    presence_key_issue,
    session_room_ready,
)
from live.tasks import bbb_recording_fetch_task
from lms.middleware import sessionless

HEADER_META_KEY = "HTTP_" + HEADER.upper().replace("-", "_")


def _now():
    return timezone.now()


class LiveSessionListApi(APIView):
    """The participant's live sessions (their season and track), with their own presence figures."""

    class OutputSerializer(serializers.Serializer):
        class PresenceSerializer(serializers.Serializer):
            covered_seconds = serializers.IntegerField()
            percent = serializers.FloatField()
            status = serializers.CharField()

        id = serializers.IntegerField()
        title = serializers.CharField()
        starts_at = serializers.DateTimeField()
        ends_at = serializers.DateTimeField()
        state = serializers.CharField()
        presence = PresenceSerializer(allow_null=True)

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request):
        now = _now()
        items = [
            {
                "id": s.pk,
                "title": s.title,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "state": s.state_at(now),
                "presence": s.my_attendance[0] if s.my_attendance else None,
            }
            for s in session_list_for_participant(user=request.user)
        ]
        return Response(self.OutputSerializer(items, many=True).data)


def _beat_input_parse(body: bytes) -> dict:
    """{"connection_id": uuid, "seq": int ≥ 0, "visible": bool}, or ValidationError per field."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested a thousand deep
        raise ValidationError({"detail": [_("A JSON object is expected.")]}) from None
    if not isinstance(data, dict):
        raise ValidationError({"detail": [_("A JSON object is expected.")]})
    errors = {}
    try:
        connection_id = uuid.UUID(str(data.get("connection_id")))
    except ValueError:
        errors["connection_id"] = [_("A UUID is expected.")]
    seq = data.get("seq")
    if type(seq) is not int or not 0 <= seq <= 2**31 - 1:
        errors["seq"] = [_("A whole number from 0 to 2147483647 is expected.")]
    visible = data.get("visible")
    if type(visible) is not bool:
        errors["visible"] = [_("true or false is expected.")]
    if errors:
        raise ValidationError(errors)
    return {"connection_id": connection_id, "seq": seq, "visible": visible}


def _json(data: dict, status_code: int) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False), status=status_code, content_type="application/json")


@sessionless
@csrf_exempt
@require_POST
def presence_beat_create(request: HttpRequest, session_id: int) -> HttpResponse:
    """POST /api/v1/live-sessions/{id}/presence/ with {"connection_id", "seq", "visible"} and the
    X-Presence-Key header → 202.

    A documented exception to the house style of DRF APIViews: this is the hot path (10,000
    participants beating every 30 s), so a plain view skips DRF's authentication, content
    negotiation and throttling machinery. It is still thin: validate, call one service, answer.
    It is not cookie-authenticated (the page sends no cookies; the signed presence key is the
    credential), so there is nothing for CSRF to protect, and no session or token is looked up."""
    try:
        data = _beat_input_parse(request.body)
        # META directly: `request.headers` parses every header of the request to read this one.
        presence_beat_record(key=request.META.get(HEADER_META_KEY), session_id=session_id, **data)
    except PresenceKeyExpired as error:
        return _json({"detail": str(error), "renew": True}, 403)
    except PermissionDenied as error:
        return _json({"detail": str(error)}, 403)
    except ValidationError as error:
        return _json(error.message_dict, 400)
    return HttpResponse(status=202)


class PresenceKeyCreateApi(APIView):
    """A fresh presence key for the session page's beats (a participant of the session's track)."""

    class OutputSerializer(serializers.Serializer):
        key = serializers.CharField(help_text="Send it as the X-Presence-Key header of presence beats.")
        renew_in = serializers.IntegerField(help_text="Seconds after which the page asks for a new key.")

    @extend_schema(request=None, responses={201: OutputSerializer})
    def post(self, request, session_id: int):
        session = LiveSession.objects.select_related("season").filter(pk=session_id).first()
        if session is None:
            raise Http404
        key = presence_key_issue(session=session, user=request.user)
        return Response(
            self.OutputSerializer({"key": key, "renew_in": conf.presence_key_seconds() // 3}).data,
            status=status.HTTP_201_CREATED,
        )


class SessionRoomStatusApi(APIView):
    """Whether the session's room can be entered now: the waiting page of a BigBlueButton session
    asks this until the speaker has opened the room, then follows our join link."""

    class OutputSerializer(serializers.Serializer):
        ready = serializers.BooleanField(help_text="The join link now leads into the room.")
        join_open = serializers.BooleanField(help_text="The session is open for joining at all.")

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request, session_id: int):
        session = LiveSession.objects.select_related("season").filter(pk=session_id).first()
        if session is None:
            raise Http404
        if not session_manageable_by(session=session, user=request.user) and (
            session_for_participant(user=request.user, session_id=session.pk) is None
        ):
            raise PermissionDenied(_("You are not a participant of this session's track."))
        join_open = session.joinable_at(_now())
        ready = join_open and session_room_ready(session=session)
        return Response(self.OutputSerializer({"ready": ready, "join_open": join_open}).data)


class SessionRosterApi(APIView):
    """Who is present now (speakers of the session and staff)."""

    class OutputSerializer(serializers.Serializer):
        user_id = serializers.IntegerField()
        name = serializers.CharField()

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request, session_id: int):
        session = LiveSession.objects.select_related("season").filter(pk=session_id).first()
        if session is None:
            raise Http404
        if not session_manageable_by(session=session, user=request.user):
            raise PermissionDenied
        presence_beats_flush()
        return Response(self.OutputSerializer(session_roster_now(session=session), many=True).data)


def _received_answer(received) -> Response:
    """200 with what was stored and, item by item, what was skipped as malformed and why: the
    sender's delivery as a whole was taken, so retrying it would change nothing."""
    data = {"stored": received.stored, "skipped": received.skipped}
    if received.skipped:
        data["detail"] = _("%(count)s malformed items were skipped; nothing was stored from them.") % {
            "count": len(received.skipped)
        }
    return Response(data)


class BbbWebhookApi(APIView):
    """bbb-webhooks callback: verify the checksum over the raw body, store the events, answer fast.

    A body that cannot be read at all → 400; readable events of the wrong shape are skipped (and
    listed in the answer), the others stored → 200."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def post(self, request):
        body = request.body
        callback_url = conf.bbb_webhook_callback_url() or request.build_absolute_uri(request.path)
        if not bbb.webhook_checksum_valid(
            callback_url=callback_url, body=body, checksum=request.GET.get("checksum", ""), secret=conf.bbb_secret()
        ):
            return Response({"detail": _("Bad checksum.")}, status=status.HTTP_403_FORBIDDEN)
        try:
            events = bbb.webhook_events(body)
        except (ValueError, UnicodeDecodeError):
            return Response(
                {"event": [_("Unreadable event: the form field `event` must hold JSON.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return _received_answer(bbb_webhook_receive(events=events))


class BbbAnalyticsCallbackApi(APIView):
    """BBB's post-meeting analytics callback (HS512 JWT in the Authorization header).

    A payload without the meeting id or the attendees → 400; joins and leaves of the wrong shape
    are skipped (and listed in the answer), the others stored → 200."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def post(self, request):
        if not bbb.analytics_token_valid(
            authorization=request.headers.get("Authorization", ""), secret=conf.bbb_secret(), now=_now()
        ):
            return Response({"detail": _("Bad token.")}, status=status.HTTP_403_FORBIDDEN)
        if not isinstance(request.data, dict):
            return Response({"payload": [_("A JSON object is expected.")]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            received = bbb_analytics_receive(payload=request.data)
        except ValidationError as error:
            return Response(error.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return _received_answer(received)


class BbbRecordingReadyApi(APIView):
    """BBB's recording-ready callback: `signed_parameters` is an HS256 JWT of meeting and record id.
    BBB reads 401 as a wrong secret and 410 as a deleted meeting; anything else it retries."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def post(self, request):
        params = bbb.recording_ready_params(
            signed_parameters=request.POST.get("signed_parameters", ""), secret=conf.bbb_secret()
        )
        if params is None or not conf.bbb_secret():
            return Response({"detail": _("Bad signature.")}, status=status.HTTP_401_UNAUTHORIZED)
        meeting_id, record_id = str(params.get("meeting_id", "")), str(params.get("record_id", ""))
        if "\x00" in meeting_id or "\x00" in record_id:  # PostgreSQL text holds no NUL character
            return Response(
                {"detail": _("A meeting or record id with a NUL character is not valid.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        session = session_by_external_meeting_id(meeting_id=meeting_id)
        if session is None:
            return Response({"detail": _("Unknown meeting.")}, status=status.HTTP_410_GONE)
        bbb_recording_fetch_task.delay_on_commit(session.pk, record_id)
        return Response(status=status.HTTP_202_ACCEPTED)
