"""Issue 15 §2: participants rank internship offers (levels, region, federal after a FOIV
recommendation, at most N, only while open) and keep a versioned CV, read as PDF by its owner,
staff and the ministries they ranked only. The messages asserted are Russian, the site's language."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from lms import roles
from lms.candidacy import sources
from lms.candidacy.models import CvVersion, OfferPreference
from lms.candidacy.selectors import offer_choices_for
from lms.candidacy.services import CvData, cv_version_save, offer_preferences_set
from lms.choices import Level
from lms.privacy.services import person_erase
from tests.factories import (
    HostBodyFactory,
    InternshipOfferFactory,
    ParticipantFactory,
    SeasonFactory,
    host_person,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def recommended(monkeypatch):
    """The FOIV recommendation as assessments would hand it in: the ids in this set."""
    ids: set[int] = set()
    monkeypatch.setattr(sources, "_source", lambda *, participant_ids: ids & set(participant_ids))
    return ids


@pytest.fixture
def season():
    return SeasonFactory()


@pytest.fixture
def market(season):
    """A ministry, a Moscow ROIV for Beginners, a Novosibirsk ROIV open to PRO from other regions."""
    ministry = InternshipOfferFactory(season=season, title="Департамент цифры")
    other_ministry = InternshipOfferFactory(season=season, title="Правовой департамент")
    moscow = InternshipOfferFactory(
        season=season,
        host=HostBodyFactory(kind="roiv", region_code="77", name="Правительство Москвы"),
        title="Комитет молодёжи",
        takes_beginner=True,
    )
    siberia = InternshipOfferFactory(
        season=season,
        host=HostBodyFactory(kind="roiv", region_code="54", name="Правительство Новосибирской области"),
        title="Министерство образования",
        takes_beginner=True,
        pro_other_regions=True,
    )
    return {"ministry": ministry, "other_ministry": other_ministry, "moscow": moscow, "siberia": siberia}


def _messages(error) -> str:
    return " ".join(message for messages in error.value.message_dict.values() for message in messages)


def test_a_beginner_ranks_the_rois_of_their_own_region_only(season, market, recommended):
    beginner = ParticipantFactory(season=season, level=Level.BEGINNER)  # region 77
    recommended.add(beginner.pk)  # a recommendation never opens federal offers to a Beginner's level
    assert [offer.pk for offer in offer_choices_for(participant=beginner)] == [market["moscow"].pk]
    rows = offer_preferences_set(participant=beginner, ranked=[(market["moscow"].pk, "Хочу в свой регион")])
    assert [(row.offer_id, row.rank) for row in rows] == [(market["moscow"].pk, 1)]
    with pytest.raises(Exception) as error:
        offer_preferences_set(participant=beginner, ranked=[(market["siberia"].pk, "Хочу в Сибирь")])
    assert "для участников из его региона" in _messages(error)
    with pytest.raises(Exception) as error:
        offer_preferences_set(participant=beginner, ranked=[(market["ministry"].pk, "Хочу в министерство")])
    assert "вашего уровня" in _messages(error)
    # A refusal changed nothing.
    assert list(OfferPreference.objects.values_list("offer_id", flat=True)) == [market["moscow"].pk]


def test_federal_offers_open_only_after_the_foiv_recommendation(season, market, recommended):
    young = ParticipantFactory(season=season, level=Level.YOUNG)
    with pytest.raises(Exception) as error:
        offer_preferences_set(participant=young, ranked=[(market["ministry"].pk, "Цифровая трансформация")])
    assert "рекомендованным на собеседования в ФОИВ" in _messages(error)
    recommended.add(young.pk)
    rows = offer_preferences_set(
        participant=young,
        ranked=[(market["other_ministry"].pk, "Право"), (market["ministry"].pk, "Цифровая трансформация")],
    )
    assert [(row.offer_id, row.rank) for row in rows] == [(market["other_ministry"].pk, 1), (market["ministry"].pk, 2)]


def test_pro_may_rank_another_regions_roiv_only_where_it_says_so(season, market, recommended):
    pro = ParticipantFactory(season=season, level=Level.PRO, application__region_code="66")
    recommended.add(pro.pk)
    choices = {offer.pk for offer in offer_choices_for(participant=pro)}
    assert choices == {market["ministry"].pk, market["other_ministry"].pk, market["siberia"].pk}
    offer_preferences_set(participant=pro, ranked=[(market["siberia"].pk, "Трудный регион")])
    market["siberia"].pro_other_regions = False
    market["siberia"].save()
    with pytest.raises(Exception) as error:
        offer_preferences_set(participant=pro, ranked=[(market["siberia"].pk, "Трудный регион")])
    assert "для участников из его региона" in _messages(error)


def test_at_most_n_offers_no_duplicates_and_a_motivation_each(season, market, recommended):
    season.offer_choices_max = 2
    season.save()
    pro = ParticipantFactory(season=season, level=Level.PRO)
    recommended.add(pro.pk)
    three = [(market["ministry"].pk, "a"), (market["other_ministry"].pk, "b"), (market["siberia"].pk, "c")]
    with pytest.raises(Exception) as error:
        offer_preferences_set(participant=pro, ranked=three)
    assert "не больше 2 стажировок" in _messages(error)
    with pytest.raises(Exception) as error:
        offer_preferences_set(participant=pro, ranked=[(market["ministry"].pk, "a"), (market["ministry"].pk, "b")])
    assert "выбрана дважды" in _messages(error)
    with pytest.raises(Exception) as error:
        offer_preferences_set(participant=pro, ranked=[(market["ministry"].pk, "   ")])
    assert "почему вы хотите" in _messages(error)
    with pytest.raises(Exception) as error:
        offer_preferences_set(participant=pro, ranked=[(market["ministry"].pk, "я" * 501)])
    assert "не больше 500" in _messages(error)
    assert not OfferPreference.objects.exists()


def test_the_api_answers_refusals_with_400_and_a_message(api_client, season, market, recommended):
    young = ParticipantFactory(season=season, level=Level.YOUNG)
    recommended.add(young.pk)
    api_client.force_authenticate(young.user)
    url = "/api/v1/me/offer-preferences/set/"
    same_rank = {
        "ranked": [
            {"offer_id": market["ministry"].pk, "rank": 1, "motivation": "a"},
            {"offer_id": market["other_ministry"].pk, "rank": 1, "motivation": "b"},
        ]
    }
    response = api_client.post(url, same_rank, format="json")
    assert response.status_code == 400 and "место 1" in response.json()["ranked"][0]
    twice = {
        "ranked": [
            {"offer_id": market["ministry"].pk, "rank": 1, "motivation": "a"},
            {"offer_id": market["ministry"].pk, "rank": 2, "motivation": "b"},
        ]
    }
    response = api_client.post(url, twice, format="json")
    assert response.status_code == 400 and "выбрана дважды" in response.json()["ranked"][0]
    response = api_client.post(url, {"ranked": [{"offer_id": 10**12, "rank": 1, "motivation": "x"}]}, format="json")
    assert response.status_code == 400 and "такой стажировки нет" in response.json()["ranked"][0]
    # Ranks 2 and 5 close up to 1 and 2.
    good = {
        "ranked": [
            {"offer_id": market["ministry"].pk, "rank": 5, "motivation": "второй"},
            {"offer_id": market["other_ministry"].pk, "rank": 2, "motivation": "первый"},
        ]
    }
    response = api_client.post(url, good, format="json")
    assert response.status_code == 200
    assert [(row["rank"], row["offer"]["id"]) for row in response.json()] == [
        (1, market["other_ministry"].pk),
        (2, market["ministry"].pk),
    ]
    listed = api_client.get("/api/v1/me/offer-preferences/").json()
    assert listed["max"] == 3 and [row["motivation"] for row in listed["results"]] == ["первый", "второй"]


def test_choices_close_at_the_cut_off(api_client, season, market, recommended):
    beginner = ParticipantFactory(season=season)
    offer_preferences_set(participant=beginner, ranked=[(market["moscow"].pk, "до закрытия")])
    season.preferences_close_at = timezone.now() - timedelta(minutes=1)
    season.save()
    api_client.force_authenticate(beginner.user)
    response = api_client.post(
        "/api/v1/me/offer-preferences/set/",
        {"ranked": [{"offer_id": market["moscow"].pk, "rank": 1, "motivation": "после"}]},
        format="json",
    )
    assert response.status_code == 400 and "Выбор стажировок закрыт" in response.json()["detail"][0]
    assert OfferPreference.objects.get().motivation == "до закрытия"


def test_the_cabinet_page_saves_a_ranking_and_shows_refusals(client, season, market, recommended):
    young = ParticipantFactory(season=season, level=Level.YOUNG)
    recommended.add(young.pk)
    client.force_login(young.user)
    page = client.get("/cabinet/offers/")
    assert page.status_code == 200 and "Департамент цифры" in page.content.decode()
    ministry, other = market["ministry"].pk, market["other_ministry"].pk
    response = client.post(
        "/cabinet/offers/",
        {f"rank-{ministry}": "1", f"motivation-{ministry}": "a", f"rank-{other}": "1", f"motivation-{other}": "b"},
    )
    assert response.status_code == 400 and "место 1" in response.content.decode()
    response = client.post(
        "/cabinet/offers/",
        {f"rank-{ministry}": "2", f"motivation-{ministry}": "a", f"rank-{other}": "1", f"motivation-{other}": "b"},
    )
    assert response.status_code == 302
    assert list(OfferPreference.objects.order_by("rank").values_list("offer_id", flat=True)) == [other, ministry]


# ---------------------------------------------------------------- the CV


def _png(size=(60, 80), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


CV = CvData(
    place_of_birth="г. Новосибирск",
    education="Бакалавр, НГУ, 2022",
    work="2022–2025, Мэрия Новосибирска, специалист",
    languages="английский (B2)",
)


@pytest.fixture
def participant(season):
    return ParticipantFactory(
        season=season,
        level=Level.YOUNG,
        application__last_name="Иванова",
        application__first_name="Мария",
        application__patronymic="Сергеевна",
    )


def test_each_save_is_a_new_immutable_version_keeping_the_photo(participant):
    first = cv_version_save(participant=participant, actor=participant.user, data=CV, photo=_png())
    second = cv_version_save(
        participant=participant, actor=participant.user, data=CvData(**{**CV.__dict__, "awards": "Грамота"})
    )
    assert (first.number, second.number) == (1, 2)
    assert second.full_name == "Иванова Мария Сергеевна" and second.awards == "Грамота"
    assert second.photo.name == first.photo.name and first.photo.name.startswith(f"cv/{participant.user_id}/")
    first.education = "changed"
    with pytest.raises(Exception, match="не меняется"):
        first.save()
    assert CvVersion.objects.get(number=1).education == "Бакалавр, НГУ, 2022"


def test_a_photo_must_be_a_small_jpeg_or_png(participant, settings):
    with pytest.raises(Exception) as error:
        cv_version_save(participant=participant, actor=participant.user, data=CV, photo=b"%PDF-1.4 not a picture")
    assert "JPEG или PNG" in _messages(error)
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    with pytest.raises(Exception) as error:
        cv_version_save(participant=participant, actor=participant.user, data=CV, photo=buffer.getvalue())
    assert "JPEG или PNG" in _messages(error)
    settings.CANDIDACY_PHOTO_MAX_BYTES = 100
    with pytest.raises(Exception) as error:
        cv_version_save(participant=participant, actor=participant.user, data=CV, photo=_png())
    assert "больше" in _messages(error)
    assert not CvVersion.objects.exists()


def test_the_cv_closes_at_its_cut_off(client, participant):
    participant.season.cv_close_at = timezone.now() - timedelta(hours=1)
    participant.season.save()
    with pytest.raises(Exception, match="Приём справок-объективок закрыт"):
        cv_version_save(participant=participant, actor=participant.user, data=CV)
    client.force_login(participant.user)
    response = client.post("/cabinet/cv/", {"place_of_birth": "x", "education": "y"})
    assert response.status_code == 400 and 'data-testid="closed"' in response.content.decode()
    assert not CvVersion.objects.exists()


def test_the_cv_page_saves_a_version_with_an_uploaded_photo(client, participant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(participant.user)
    assert client.get("/cabinet/cv/").status_code == 200
    response = client.post(
        "/cabinet/cv/",
        {
            "place_of_birth": "г. Томск",
            "education": "ТГУ",
            "photo": SimpleUploadedFile("я.png", _png(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    version = CvVersion.objects.get()
    assert version.photo_content_type == "image/png" and version.photo.name.endswith(".png")


def test_the_pdf_has_the_cyrillic_name_and_the_photo(client, participant):
    cv_version_save(participant=participant, actor=participant.user, data=CV, photo=_png())
    client.force_login(participant.user)
    response = client.get(f"/participants/{participant.pk}/cv.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    text = page.extract_text()
    assert "Иванова Мария Сергеевна" in text and "г. Новосибирск" in text and "английский (B2)" in text
    assert len(page.images) == 1


def test_only_the_ministries_ranked_see_a_cv(client, api_client, season, participant, market, recommended):
    recommended.add(participant.pk)
    cv_version_save(participant=participant, actor=participant.user, data=CV)
    offer_preferences_set(participant=participant, ranked=[(market["ministry"].pk, "Цифровая трансформация")])
    applied = host_person(market["ministry"].host)
    other_ministry = host_person(market["other_ministry"].host)
    regional = host_person(market["moscow"].host)
    other_participant = ParticipantFactory(season=season).user
    url = f"/participants/{participant.pk}/cv.pdf"
    for user, status in [
        (applied, 200),
        (other_ministry, 403),
        (regional, 403),
        (other_participant, 403),
        (participant.user, 200),
        (user_with_role(roles.STAFF), 200),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user
        api_client.force_authenticate(user)
        assert api_client.get(f"/api/v1/participants/{participant.pk}/cv/").status_code == status, user
    client.force_login(applied)
    # A participant that does not exist is a 404 for everyone; earlier versions are staff's.
    assert client.get("/participants/999999999/cv.pdf").status_code == 404
    assert client.get(f"/staff/participants/{participant.pk}/cv/1.pdf").status_code == 403
    page = client.get("/host/applicants/")
    assert page.status_code == 200 and "Иванова Мария Сергеевна" in page.content.decode()
    client.force_login(other_ministry)
    assert "Иванова" not in client.get("/host/applicants/").content.decode()


def test_staff_download_earlier_versions(client, participant):
    cv_version_save(participant=participant, actor=participant.user, data=CV)
    cv_version_save(participant=participant, actor=participant.user, data=CvData(**{**CV.__dict__, "education": "МГУ"}))
    client.force_login(user_with_role(roles.STAFF))
    assert client.get(f"/staff/participants/{participant.pk}/cv/").status_code == 200
    first = client.get(f"/staff/participants/{participant.pk}/cv/1.pdf")
    assert "Бакалавр, НГУ" in PdfReader(io.BytesIO(first.content)).pages[0].extract_text()
    assert client.get(f"/staff/participants/{participant.pk}/cv/3.pdf").status_code == 404
    client.force_login(participant.user)
    assert client.get(f"/staff/participants/{participant.pk}/cv/1.pdf").status_code == 403


# ---------------------------------------------------------------- personal data


def test_export_holds_and_erasure_removes_cv_photos_and_motivations(
    client, participant, market, recommended, django_capture_on_commit_callbacks, settings
):
    recommended.add(participant.pk)
    version = cv_version_save(participant=participant, actor=participant.user, data=CV, photo=_png())
    offer_preferences_set(participant=participant, ranked=[(market["ministry"].pk, "Моя мотивация")])
    client.force_login(participant.user)
    exported = client.get("/cabinet/data/export.json").json()
    text = str(exported)
    assert "Моя мотивация" in text and "г. Новосибирск" in text
    photo_path = settings.MEDIA_ROOT / version.photo.name
    assert photo_path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(user=participant.user, erased_by=user_with_role(roles.STAFF))
    assert not CvVersion.objects.exists()
    assert list(OfferPreference.objects.values_list("motivation", flat=True)) == [""]
    assert not photo_path.exists()


# ---------------------------------------------------------------- query counts


@pytest.mark.parametrize("count", [3, 4])
def test_the_season_list_costs_the_same_queries_at_n_and_n_plus_one(
    api_client, client, season, count, django_assert_num_queries
):
    offer = InternshipOfferFactory(season=season, takes_beginner=True)
    for _index in range(count):
        OfferPreference.objects.create(
            participant=ParticipantFactory(season=season), offer=offer, rank=1, motivation="м"
        )
    staff = user_with_role(roles.STAFF)
    api_client.force_authenticate(staff)
    # The season, the page's count, the page (each ranking with its participant, application,
    # offer and body).
    with django_assert_num_queries(3):
        response = api_client.get(f"/api/v1/seasons/{season.pk}/offer-preferences/")
    assert response.json()["count"] == count
    client.force_login(staff)
    # The request's own reads (user, the role checks of the page and its menu; the session comes
    # from the cache), then the seasons, the count and the page: the same at N and N+1.
    with django_assert_num_queries(9):
        assert client.get(f"/staff/hosts/preferences/?season={season.pk}").status_code == 200


@pytest.mark.parametrize("count", [2, 3])
def test_the_participants_lists_cost_the_same_queries_at_n_and_n_plus_one(
    api_client, season, count, recommended, django_assert_num_queries
):
    season.offer_choices_max = 5
    season.save()
    young = ParticipantFactory(season=season, level=Level.YOUNG)
    recommended.add(young.pk)
    offers = [InternshipOfferFactory(season=season) for _index in range(count)]
    offer_preferences_set(participant=young, ranked=[(offer.pk, "м") for offer in offers])
    api_client.force_authenticate(young.user)
    # The participant with season and application, then the ranking with offers and bodies.
    with django_assert_num_queries(2):
        assert len(api_client.get("/api/v1/me/offer-preferences/").json()["results"]) == count
    # The participant, then the offers (the recommendation comes from the fake source: no query).
    with django_assert_num_queries(2):
        assert len(api_client.get("/api/v1/me/offer-choices/").json()) == count
