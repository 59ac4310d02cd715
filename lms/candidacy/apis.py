"""The API of a participant's candidacy: their ranking of internship offers and their CV; staff's
list of a season's rankings. Refusals come from the services (lms.api.exception_handler)."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.api import PagePagination, error_responses, paginated_response
from lms.candidacy.models import MOTIVATION_MAX, CvVersion
from lms.candidacy.permissions import cv_participant_readable, participant_own
from lms.candidacy.selectors import (
    cv_latest,
    offer_choices_for,
    offer_preferences_of,
    offer_preferences_of_season,
    preferences_open,
)
from lms.candidacy.services import (
    CvData,
    RankedEntry,
    cv_photo_read,
    cv_version_save,
    offer_preferences_set,
    offer_ranking_from_entries,
)
from lms.hosts.models import HostKind
from lms.hosts.permissions import host_staff_check
from lms.selectors import season_get


class OfferBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    host_id = serializers.IntegerField()
    host = serializers.CharField(source="host.name")
    host_kind = serializers.ChoiceField(source="host.kind", choices=HostKind.choices)
    region_code = serializers.CharField(source="host.region_code")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    seats = serializers.IntegerField()


class PreferenceOutputSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    motivation = serializers.CharField()
    offer = OfferBriefSerializer()


class OfferPreferenceListApi(APIView):
    """The caller's ranking of internship offers, first choice first, with how many they may rank
    and until when."""

    class OutputSerializer(serializers.Serializer):
        max = serializers.IntegerField()
        open = serializers.BooleanField()
        closes_at = serializers.DateTimeField(allow_null=True)
        results = PreferenceOutputSerializer(many=True)

    @extend_schema(responses={200: OutputSerializer, **error_responses(403)})
    def get(self, request):
        participant = participant_own(user=request.user)
        season = participant.season
        body = {
            "max": season.offer_choices_max,
            "open": preferences_open(season=season),
            "closes_at": season.preferences_close_at,
            "results": offer_preferences_of(participant=participant),
        }
        return Response(self.OutputSerializer(body).data)


class OfferChoiceListApi(APIView):
    """The offers the caller may rank (their season, level and region; federal ones after a
    recommendation for the FOIV interviews), by body and title."""

    class OutputSerializer(OfferBriefSerializer):
        description = serializers.CharField()

    @extend_schema(responses={200: OutputSerializer(many=True), **error_responses(403)})
    def get(self, request):
        participant = participant_own(user=request.user)
        return Response(self.OutputSerializer(offer_choices_for(participant=participant), many=True).data)


class OfferPreferenceSetApi(APIView):
    """Replace the caller's ranking: every offer with its rank (1 first) and a short motivation; an
    empty list clears it. All or nothing; refused after the season's cut-off."""

    class InputSerializer(serializers.Serializer):
        class EntrySerializer(serializers.Serializer):
            offer_id = serializers.IntegerField(min_value=1, max_value=2**62)
            rank = serializers.IntegerField(min_value=1, max_value=100)
            motivation = serializers.CharField(max_length=MOTIVATION_MAX, allow_blank=True, trim_whitespace=True)

        # Far above any season's limit; the service names the season's own.
        ranked = EntrySerializer(many=True, allow_empty=True, max_length=50)

    @extend_schema(
        request=InputSerializer,
        responses={200: PreferenceOutputSerializer(many=True), **error_responses(400, 403)},
    )
    def post(self, request):
        participant = participant_own(user=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entries = [RankedEntry(**entry) for entry in data.validated_data["ranked"]]
        offer_preferences_set(participant=participant, ranked=offer_ranking_from_entries(entries=entries))
        return Response(PreferenceOutputSerializer(offer_preferences_of(participant=participant), many=True).data)


class SeasonOfferPreferenceListApi(APIView):
    """Staff: every ranking of a season, by participant's name and rank (paginated)."""

    pagination_class = PagePagination

    class OutputSerializer(PreferenceOutputSerializer):
        participant_id = serializers.IntegerField()
        participant = serializers.CharField(source="participant.application.full_name")
        level = serializers.CharField(source="participant.level")
        region_code = serializers.CharField(source="participant.region_code")

    @extend_schema(responses={200: OutputSerializer(many=True), **error_responses(403, 404)})
    def get(self, request, season_id: int):
        host_staff_check(user=request.user)
        season = season_get(season_id=season_id)
        if season is None:
            raise Http404
        return paginated_response(
            queryset=offer_preferences_of_season(season_id=season.pk),
            serializer_class=self.OutputSerializer,
            request=request,
            view=self,
        )


class CvOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    full_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    place_of_birth = serializers.CharField()
    education = serializers.CharField()
    work = serializers.CharField()
    public_activity = serializers.CharField()
    awards = serializers.CharField()
    languages = serializers.CharField()
    has_photo = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    pdf_url = serializers.SerializerMethodField()

    def get_has_photo(self, cv: CvVersion) -> bool:
        return bool(cv.photo)

    def get_pdf_url(self, cv: CvVersion) -> str:
        return reverse("candidacy:cv-pdf", args=[cv.participant_id])


class CvDetailApi(APIView):
    """A participant's CV (its latest version): for its owner, staff and the people of a federal
    body whose offer the participant ranked; 403 for anyone else, 404 when there is no CV yet."""

    @extend_schema(responses={200: CvOutputSerializer, **error_responses(403, 404)})
    def get(self, request, participant_id: int):
        participant, _kind = cv_participant_readable(user=request.user, participant_id=participant_id)
        cv = cv_latest(participant=participant)
        if cv is None:
            raise Http404
        return Response(CvOutputSerializer(cv).data)


class CvVersionCreateApi(APIView):
    """Save the caller's CV as a new version (multipart: the fields and, optionally, `photo`, a JPEG
    or PNG; without one the previous version's photo stays). Refused after the season's cut-off."""

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        place_of_birth = serializers.CharField(max_length=200)
        education = serializers.CharField(max_length=2000)
        work = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        public_activity = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
        awards = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
        languages = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
        photo = serializers.FileField(required=False)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: CvOutputSerializer, **error_responses(400, 403)},
    )
    def post(self, request):
        participant = participant_own(user=request.user)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        upload = fields.pop("photo", None)
        photo = cv_photo_read(upload=upload) if upload is not None else None
        cv = cv_version_save(participant=participant, actor=request.user, data=CvData(**fields), photo=photo)
        return Response(CvOutputSerializer(cv).data, status=status.HTTP_201_CREATED)
