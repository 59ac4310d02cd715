from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from live import bbb, conf
from live.models import LiveSession
from live.selectors import (
    session_by_external_meeting_id,
    session_list_for_participant,
    session_manageable_by,
    session_roster_now,
)
from live.services import bbb_analytics_receive, bbb_webhook_receive, presence_beat_record, presence_beats_flush
from live.tasks import bbb_recording_fetch_task


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


class PresenceBeatCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        connection_id = serializers.UUIDField()
        seq = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
        visible = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses={202: None})
    def post(self, request, session_id: int):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = LiveSession.objects.select_related("season").filter(pk=session_id).first()
        if session is None:
            raise Http404
        presence_beat_record(session=session, user=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_202_ACCEPTED)


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


class BbbWebhookApi(APIView):
    """bbb-webhooks callback: verify the checksum over the raw body, store the events, answer fast."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def post(self, request):
        body = request.body
        callback_url = conf.bbb_webhook_callback_url() or request.build_absolute_uri(request.path)
        if not bbb.webhook_checksum_valid(
            callback_url=callback_url, body=body, checksum=request.GET.get("checksum", ""), secret=conf.bbb_secret()
        ):
            return Response({"detail": "bad checksum"}, status=status.HTTP_403_FORBIDDEN)
        try:
            events = bbb.webhook_events(body)
        except (ValueError, UnicodeDecodeError):
            return Response({"event": ["Unreadable event."]}, status=status.HTTP_400_BAD_REQUEST)
        stored = bbb_webhook_receive(events=events)
        return Response({"stored": stored})


class BbbAnalyticsCallbackApi(APIView):
    """BBB's post-meeting analytics callback (HS512 JWT in the Authorization header)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def post(self, request):
        if not bbb.analytics_token_valid(
            authorization=request.headers.get("Authorization", ""), secret=conf.bbb_secret(), now=_now()
        ):
            return Response({"detail": "bad token"}, status=status.HTTP_403_FORBIDDEN)
        if not isinstance(request.data, dict):
            return Response({"payload": ["A JSON object is expected."]}, status=status.HTTP_400_BAD_REQUEST)
        stored = bbb_analytics_receive(payload=request.data)
        return Response({"stored": stored})


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
            return Response({"detail": "bad signature"}, status=status.HTTP_401_UNAUTHORIZED)
        session = session_by_external_meeting_id(meeting_id=str(params.get("meeting_id", "")))
        if session is None:
            return Response({"detail": "unknown meeting"}, status=status.HTTP_410_GONE)
        bbb_recording_fetch_task.delay_on_commit(session.pk, str(params.get("record_id", "")))
        return Response(status=status.HTTP_202_ACCEPTED)
