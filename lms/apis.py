from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.models import EducationLevel, InternshipPreference, Season
from lms.regions import region_get
from lms.selectors import participant_current, season_open_for_applications
from lms.services import ApplicationData, application_submit, participant_timezone_update


class AuthTokenCreateApi(ObtainAuthToken):
    """Exchange a username and password for an API token."""


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
        personal_data_consent = serializers.BooleanField()

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        season = serializers.IntegerField(source="season_id")
        level = serializers.CharField(source="participant.level")
        track = serializers.CharField(source="participant.track")
        placement_rule = serializers.CharField(source="participant.placement_rule")
        federal_district = serializers.CharField()
        timezone = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        season = fields.pop("season", None) or season_open_for_applications()
        if season is None:
            raise serializers.ValidationError({"season": [_("No application campaign is open now.")]})
        password = fields.pop("password", "")
        user = request.user if request.user.is_authenticated else None
        application = application_submit(season=season, data=ApplicationData(**fields), user=user, password=password)
        return Response(self.OutputSerializer(application).data, status=status.HTTP_201_CREATED)


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
