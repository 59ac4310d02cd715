"""The host bodies' API: staff manage every body and offer; a body's people read their body and
manage its offers (403 for another body's, 404 for none); lists are paginated, in the same number of
queries at N and N+1 rows."""

from datetime import timedelta

import pytest

from lms import roles
from lms.hosts.models import HostBody, InternshipOffer
from tests.factories import HostBodyFactory, InternshipOfferFactory, SeasonFactory, host_person, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return user_with_role(roles.STAFF)


@pytest.fixture
def season():
    return SeasonFactory()


def offer_body(season, **overrides) -> dict:
    starts = season.internships_starts_on
    body = {
        "title": "Правовой департамент",
        "seats": 2,
        "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=27)).isoformat(),
        "levels": ["young", "pro"],
        "description": "Экспертиза проектов актов.",
    }
    return body | overrides


def test_staff_create_and_update_a_body(api_client, staff):
    api_client.force_authenticate(staff)
    created = api_client.post(
        "/api/v1/hosts/create/",
        {"name": "Правительство Пермского края", "kind": "roiv", "region_code": "59"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["region"] == "Пермский край" and created.json()["kind_display"] == "РОИВ"
    host_id = created.json()["id"]
    refused = api_client.patch(f"/api/v1/hosts/{host_id}/update/", {"region_code": ""}, format="json")
    assert refused.status_code == 400 and "регион" in str(refused.json())
    federal = api_client.patch(f"/api/v1/hosts/{host_id}/update/", {"kind": "foiv"}, format="json")
    assert federal.status_code == 200 and federal.json()["region_code"] == ""
    assert api_client.patch("/api/v1/hosts/999999/update/", {"kind": "foiv"}, format="json").status_code == 404


def test_a_host_person_reads_their_body_and_manages_its_offers_only(api_client, season):
    own, other = HostBodyFactory(name="Минобрнауки"), HostBodyFactory(name="Минздрав")
    foreign = InternshipOfferFactory(season=season, host=other)
    person = host_person(own, first_name="Анна", last_name="Кадрова")
    api_client.force_authenticate(person)

    detail = api_client.get(f"/api/v1/hosts/{own.pk}/").json()
    assert detail["name"] == "Минобрнауки" and detail["members"][0]["name"] == "Анна Кадрова"
    listing = api_client.get("/api/v1/hosts/").json()
    assert [row["name"] for row in listing["results"]] == ["Минобрнауки"] and listing["count"] == 1

    created = api_client.post(
        "/api/v1/internship-offers/create/",
        offer_body(season, host_id=own.pk, season_id=season.pk),
        format="json",
    )
    assert created.status_code == 201, created.json()
    offer_id = created.json()["id"]
    assert (
        api_client.patch(f"/api/v1/internship-offers/{offer_id}/update/", {"seats": 5}, format="json").json()["seats"]
        == 5
    )
    offers = api_client.get(f"/api/v1/seasons/{season.pk}/internship-offers/").json()
    assert [row["id"] for row in offers["results"]] == [offer_id]

    # Another body: refused; nothing at all: not found.
    assert api_client.get(f"/api/v1/hosts/{other.pk}/").status_code == 403
    assert api_client.get(f"/api/v1/internship-offers/{foreign.pk}/").status_code == 403
    assert (
        api_client.patch(f"/api/v1/internship-offers/{foreign.pk}/update/", {"seats": 9}, format="json").status_code
        == 403
    )
    assert (
        api_client.post(
            "/api/v1/internship-offers/create/",
            offer_body(season, host_id=other.pk, season_id=season.pk),
            format="json",
        ).status_code
        == 403
    )
    assert api_client.get("/api/v1/hosts/999999/").status_code == 404
    assert api_client.get("/api/v1/internship-offers/999999/").status_code == 404
    assert api_client.post("/api/v1/hosts/create/", {"name": "Свой", "kind": "foiv"}, format="json").status_code == 403
    assert api_client.patch(f"/api/v1/hosts/{own.pk}/update/", {"name": "Иное"}, format="json").status_code == 403
    foreign.refresh_from_db()
    assert foreign.seats == 2 and HostBody.objects.get(pk=own.pk).name == "Минобрнауки"


def test_a_host_person_cannot_agree_another_length_through_the_api(api_client, season):
    host = HostBodyFactory()
    api_client.force_authenticate(host_person(host))
    body = offer_body(season, host_id=host.pk, season_id=season.pk, length_override_reason="Нам нужно 40 дней")
    body["ends_on"] = (season.internships_starts_on + timedelta(days=39)).isoformat()
    assert api_client.post("/api/v1/internship-offers/create/", body, format="json").status_code == 403
    assert not InternshipOffer.objects.exists()


def test_bad_input_is_a_clear_400(api_client, staff, season):
    host = HostBodyFactory()
    api_client.force_authenticate(staff)
    base = offer_body(season, host_id=host.pk, season_id=season.pk)
    for changes in (
        {"seats": 0},
        {"seats": 10**12},
        {"levels": ["guru"]},
        {"levels": []},
        {"starts_on": "вчера"},
        {"description": "\x00"},
        {"ends_on": (season.internships_starts_on + timedelta(days=5)).isoformat()},
    ):
        response = api_client.post("/api/v1/internship-offers/create/", base | changes, format="json")
        assert response.status_code == 400, (changes, response.status_code)
    assert api_client.get("/api/v1/hosts/", {"kind": "ministry"}).status_code == 400
    assert api_client.get("/api/v1/hosts/", {"page": "99"}).status_code == 404
    assert not InternshipOffer.objects.exists()


def test_people_with_no_business_here_are_refused(api_client, season):
    for role in (roles.PARTICIPANT, roles.EXPERT):
        api_client.force_authenticate(user_with_role(role))
        assert api_client.get("/api/v1/hosts/").status_code == 403
        assert api_client.get(f"/api/v1/seasons/{season.pk}/internship-offers/").status_code == 403
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/hosts/").status_code in (401, 403)


@pytest.mark.parametrize("count", [3, 4])
def test_the_host_list_costs_the_same_queries_at_n_and_n_plus_one(
    api_client, staff, season, count, django_assert_num_queries
):
    for index in range(count):
        host = HostBodyFactory()
        InternshipOfferFactory(season=season, host=host, title=f"Отдел {index}")
    api_client.force_authenticate(staff)
    # The page's count and the page itself (each body with its offers counted in the season); the
    # staff check reads Django's staff flag, no query.
    with django_assert_num_queries(2):
        response = api_client.get("/api/v1/hosts/", {"season": season.pk})
    assert response.json()["count"] == count and all(row["offer_count"] == 1 for row in response.json()["results"])


@pytest.mark.parametrize("count", [3, 4])
def test_the_offer_list_costs_the_same_queries_at_n_and_n_plus_one(
    api_client, season, count, django_assert_num_queries
):
    host = HostBodyFactory()
    for index in range(count):
        InternshipOfferFactory(season=season, host=host, title=f"Отдел {index}")
    InternshipOfferFactory(season=season)  # another body's: not the caller's
    api_client.force_authenticate(host_person(host))
    # The check (the staff role, the host role), the season, the staff role again (which bodies the
    # caller sees; their own body is a subquery), the page's count, the page with each offer's body.
    with django_assert_num_queries(6):
        response = api_client.get(f"/api/v1/seasons/{season.pk}/internship-offers/")
    body = response.json()
    assert body["count"] == count and {row["host"]["id"] for row in body["results"]} == {host.pk}


def test_the_lists_are_paginated(api_client, staff, season):
    host = HostBodyFactory()
    for index in range(3):
        InternshipOfferFactory(season=season, host=host, title=f"Отдел {index}")
    api_client.force_authenticate(staff)
    first = api_client.get(f"/api/v1/seasons/{season.pk}/internship-offers/", {"page_size": 2}).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = api_client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
