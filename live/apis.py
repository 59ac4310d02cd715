import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from live import conf
from live.models import LiveSession
from live.presence_keys import HEADER_META_KEY, PresenceKeyExpired
from live.rooms.bbb.events import bbb_analytics_receive, bbb_webhook_receive
from live.rooms.bbb.webhooks import (
    analytics_token_valid,
    recording_ready_params,
    webhook_checksum_valid,
    webhook_events,
)
from live.selectors import (
    session_by_external_meeting_id,
    session_for_participant,
    session_for_registration,
    session_list_for_participant,
    session_manageable_by,
    session_roster_now,
)
from live.services.guests import guest_add
from live.services.presence import presence_beat_record, presence_beats_flush, presence_key_issue
from live.services.registrations import session_register, session_unregister
from live.services.sessions import session_room_ready
from live.tasks import bbb_recording_fetch_task
from lms.api import error_responses
from lms.beatviews import SessionlessBeatView, error_payload, json_answer
from lms.text import text_storable


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


class PresenceBeatCreateApi(SessionlessBeatView):
    """POST /api/v1/live-sessions/{id}/presence/ with {"connection_id", "seq", "visible"} and the
    X-Presence-Key header → 202.

    A plain view on lms.beatviews (the hot path: 10,000 participants beating every 30 s), still
    thin: validate, call one service, answer. The signed presence key is the credential: no
    cookie, session or token is looked up."""

    key_meta = HEADER_META_KEY

    @staticmethod
    def input_parse(data: dict) -> dict:
        """{"connection_id": uuid, "seq": int ≥ 0, "visible": bool}, or ValidationError per field."""
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

    def post(self, request: HttpRequest, session_id: int) -> HttpResponse:
        try:
            data = self.input_parse(self.json_body(request))
            presence_beat_record(key=self.key_from(request), session_id=session_id, **data)
        except PresenceKeyExpired as error:
            return json_answer({"detail": str(error), "renew": True}, 403)
        except PermissionDenied as error:
            return json_answer({"detail": str(error)}, 403)
        except ValidationError as error:
            return json_answer(error_payload(error), 400)
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
        # "Present now" must count beats still in the buffer (it reads raw events, not figures);
        # the flush queues the derivation like any other, it derives nothing here.
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
        if not webhook_checksum_valid(
            callback_url=callback_url, body=body, checksum=request.GET.get("checksum", ""), secret=conf.bbb_secret()
        ):
            return Response({"detail": _("Bad checksum.")}, status=status.HTTP_403_FORBIDDEN)
        try:
            events = webhook_events(body)
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
        if not analytics_token_valid(
            authorization=request.headers.get("Authorization", ""), secret=conf.bbb_secret(), now=_now()
        ):
            return Response({"detail": _("Bad token.")}, status=status.HTTP_403_FORBIDDEN)
        if not isinstance(request.data, dict):
            return Response({"payload": [_("A JSON object is expected.")]}, status=status.HTTP_400_BAD_REQUEST)
        return _received_answer(bbb_analytics_receive(payload=request.data))


class BbbRecordingReadyApi(APIView):
    """BBB's recording-ready callback: `signed_parameters` is an HS256 JWT of meeting and record id.
    BBB reads 401 as a wrong secret and 410 as a deleted meeting; anything else it retries."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def post(self, request):
        params = recording_ready_params(
            signed_parameters=request.POST.get("signed_parameters", ""), secret=conf.bbb_secret()
        )
        if params is None or not conf.bbb_secret():
            return Response({"detail": _("Bad signature.")}, status=status.HTTP_401_UNAUTHORIZED)
        meeting_id, record_id = str(params.get("meeting_id", "")), str(params.get("record_id", ""))
        if not (text_storable(meeting_id) and text_storable(record_id)):
            return Response(
                {"detail": _("A meeting or record id with a NUL character is not valid.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        session = session_by_external_meeting_id(meeting_id=meeting_id)
        if session is None:
            return Response({"detail": _("Unknown meeting.")}, status=status.HTTP_410_GONE)
        bbb_recording_fetch_task.delay_on_commit(session.pk, record_id)
        return Response(status=status.HTTP_202_ACCEPTED)


class SessionRegisterApi(APIView):
    """POST: take a seat at a season-wide session of one's season (the closing meeting or a panel);
    409 when the last seat was just taken or a panel of the same time slot is already one's own."""

    class OutputSerializer(serializers.Serializer):
        session_id = serializers.IntegerField()
        registered_at = serializers.DateTimeField()

    @extend_schema(request=None, responses={201: OutputSerializer, **error_responses(400, 403, 404, 409)})
    def post(self, request, session_id: int):
        session = session_for_registration(user=request.user, session_id=session_id)
        if session is None:
            raise Http404
        registration = session_register(session=session, user=request.user)
        return Response(self.OutputSerializer(registration).data, status=status.HTTP_201_CREATED)


class SessionUnregisterApi(APIView):
    """POST: give one's seat back, until the session starts."""

    @extend_schema(request=None, responses={204: None, **error_responses(400, 403, 404)})
    def post(self, request, session_id: int):
        session = session_for_registration(user=request.user, session_id=session_id)
        if session is None:
            raise Http404
        session_unregister(session=session, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionGuestCreateApi(APIView):
    """POST (staff): invite a guest by name and e-mail to a season-wide session; their personal
    link is e-mailed after the commit."""

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        email = serializers.EmailField()

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        email = serializers.EmailField()
        invited_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, **error_responses(400, 403, 404)})
    def post(self, request, session_id: int):
        session = LiveSession.objects.filter(pk=session_id).first()
        if session is None:
            raise Http404
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        guest = guest_add(session=session, by=request.user, base=request.build_absolute_uri("/"), **data.validated_data)
        return Response(self.OutputSerializer(guest).data, status=status.HTTP_201_CREATED)
