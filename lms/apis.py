from allauth.core import ratelimit
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.views import LoginView as KnoxLoginView
from knox.views import LogoutAllView as KnoxLogoutAllView
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.accounts import email_verification_send
from lms.api import openapi_error
from lms.mfa import CODE_MAX_LENGTH, token_login_second_factor_check
from lms.models import EducationLevel, InternshipPreference, Season
from lms.regions import region_get
from lms.selectors import participant_current, season_open_for_applications
from lms.services import (
    ApplicationData,
    application_held_message,
    application_submit,
    participant_timezone_update,
)

# The shape lms.api.exception_handler gives every error answer.
ERROR_SCHEMA = openapi_error("")["content"]["application/json"]["schema"]


class AuthTokenCreateApi(KnoxLoginView):
    """Exchange a username and password for an API token (django-rest-knox: only its digest is
    kept; it expires after REST_KNOX's TOKEN_TTL unless used, and a password change revokes it).
    With two-factor authentication on, `code` too (its app's code or a recovery code): missing or
    wrong, 400, counted as a failed login. Someone whose role requires it and who has not set it up
    gets 403 and is told to set it up on the site (lms.mfa)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)
        code = serializers.CharField(
            max_length=CODE_MAX_LENGTH,
            required=False,
            allow_blank=True,
            write_only=True,
            help_text=_(
                "With two-factor authentication on: the code of your authenticator app, or one of your recovery codes."
            ),
        )

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text=_("Send it as `Authorization: Token <token>`."))
        expiry = serializers.DateTimeField(help_text=_("Renewed by each use; the token dies if unused until then."))

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(
                response=ERROR_SCHEMA, description="A wrong username or password, or a missing or wrong `code`."
            ),
            403: OpenApiResponse(
                response=ERROR_SCHEMA, description="The role requires two-factor authentication: set it up on the site."
            ),
            429: OpenApiResponse(
                response=ERROR_SCHEMA, description="Too many failed logins: `retry_after` seconds (also `Retry-After`)."
            ),
        },
    )
    def post(self, request, format=None):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        credentials = dict(serializer.validated_data)
        code = credentials.pop("code", "")
        user = authenticate(request=request._request, **credentials)
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Unable to log in with the username and password given.")]}
            )
        token_login_second_factor_check(request=request._request, user=user, code=code)
        request.user = user
        return super().post(request, format=format)


class AuthTokenDeleteApi(KnoxLogoutView):
    """Revoke the token this request is authenticated with."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format=format)


class AuthTokensDeleteAllApi(KnoxLogoutAllView):
    """Revoke every token of the user this request is authenticated as (every device)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format=format)


class ApplicationCreateApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        season = serializers.PrimaryKeyRelatedField(queryset=Season.objects.all(), required=False)
        password = serializers.CharField(required=False, allow_blank=True, write_only=True, trim_whitespace=False)
        last_name = serializers.CharField(max_length=150)
        first_name = serializers.CharField(max_length=150)
        patronymic = serializers.CharField(max_length=150, required=False, allow_blank=True)
        email = serializers.EmailField()
        date_of_birth = serializers.DateField()
        # Any string is accepted here so that the service can say which region is unknown.
        region_code = serializers.CharField(max_length=10)
        timezone = serializers.CharField(max_length=40, required=False, allow_blank=True)
        education_level = serializers.ChoiceField(choices=EducationLevel.choices)
        institution = serializers.CharField(max_length=300)
        studies_public_administration = serializers.BooleanField(default=False)
        in_state_service = serializers.BooleanField(default=False)
        state_service_years = serializers.DecimalField(max_digits=4, decimal_places=1, min_value=0, default=0)
        youth_organisations = serializers.BooleanField(default=False)
        own_projects = serializers.BooleanField(default=False)
        government_internships = serializers.BooleanField(default=False)
        youth_government_member = serializers.BooleanField(default=False)
        experience_details = serializers.CharField(max_length=3000, required=False, allow_blank=True)
        internship_preference = serializers.ChoiceField(choices=InternshipPreference.choices)
        internship_reason = serializers.CharField(max_length=1000)
        # Any string is accepted here so that the service says why a non-citizen is refused.
        citizenship = serializers.CharField(max_length=10)
        personal_data_consent = serializers.BooleanField()
        reuse_consent = serializers.BooleanField(default=False)
        talent_pool_consent = serializers.BooleanField(default=False)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        season = serializers.IntegerField(source="season_id")
        status = serializers.SerializerMethodField(help_text=_("`counted`, or `held` until the e-mail is confirmed."))
        level = serializers.CharField(source="participant.level")
        track = serializers.CharField(source="participant.track")
        placement_rule = serializers.CharField(source="participant.placement_rule")
        federal_district = serializers.CharField()
        timezone = serializers.CharField()

        def get_status(self, application) -> str:
            return "held" if application.is_held else "counted"

    class HeldSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        season = serializers.IntegerField(source="season_id")
        status = serializers.CharField(default="held")
        detail = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, 202: HeldSerializer})
    def post(self, request):
        """201 when the application counts at once (a logged-in applicant with a confirmed address);
        202 when it is held until the link sent to its address is followed: the same answer whoever
        else holds the address."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        season = fields.pop("season", None) or season_open_for_applications()
        if season is None:
            raise serializers.ValidationError({"season": [_("No application campaign is open now.")]})
        password = fields.pop("password", "")
        user = request.user if request.user.is_authenticated else None
        if user is None and not ratelimit.consume(request._request, action="signup"):
            raise Throttled()
        application = application_submit(season=season, data=ApplicationData(**fields), user=user, password=password)
        if not application.is_held:
            return Response(self.OutputSerializer(application).data, status=status.HTTP_201_CREATED)
        email_verification_send(request=request._request, user=application.user, email=application.email)
        held = {
            "id": application.pk,
            "season_id": application.season_id,
            "detail": application_held_message(application=application),
        }
        return Response(self.HeldSerializer(held).data, status=status.HTTP_202_ACCEPTED)


def _participant_or_404(user):
    participant = participant_current(user=user)
    if participant is None:
        raise NotFound(_("You are not a participant of any season."))
    return participant


class MeDetailApi(APIView):
    """GET: the participant's profile. PATCH: change their own time zone."""

    class InputSerializer(serializers.Serializer):
        timezone = serializers.CharField(max_length=40)

    class OutputSerializer(serializers.Serializer):
        class SeasonSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            name = serializers.CharField()

        username = serializers.CharField(source="user.username")
        full_name = serializers.CharField(source="application.full_name")
        season = SeasonSerializer()
        level = serializers.CharField()
        level_display = serializers.CharField(source="get_level_display")
        track = serializers.CharField()
        track_display = serializers.CharField(source="get_track_display")
        placement_rule = serializers.CharField()
        region = serializers.SerializerMethodField()
        federal_district = serializers.CharField()
        timezone = serializers.CharField()

        def get_region(self, participant) -> str:
            return region_get(participant.region_code).name

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request):
        participant = _participant_or_404(request.user)
        return Response(self.OutputSerializer(participant).data)

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def patch(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        participant = _participant_or_404(request.user)
        participant = participant_timezone_update(
            participant=participant, tz=serializer.validated_data["timezone"], session=request.session
        )
        return Response(self.OutputSerializer(participant).data)
