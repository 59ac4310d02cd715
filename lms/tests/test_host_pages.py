"""The host bodies' pages: staff list, find, add and edit bodies and offers and manage a body's
people; a body's own people see its page and manage its offers, and nothing of another body."""

from datetime import timedelta

import pytest
from django.urls import reverse

from lms import roles
from lms.hosts.models import HostBody, HostMembership, InternshipOffer
from tests.factories import HostBodyFactory, InternshipOfferFactory, SeasonFactory, host_person, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return user_with_role(roles.STAFF)


@pytest.fixture
def season():
    return SeasonFactory(name="Сезон стажировок")


def offer_post(season, **overrides) -> dict:
    starts = season.internships_starts_on
    data = {
        "season": season.pk,
        "title": "Отдел государственной службы",
        "seats": "2",
        "starts_on": starts.isoformat(),
        "ends_on": (starts + timedelta(days=20)).isoformat(),
        "levels": ["young", "pro"],
        "description": "Кадровые процедуры и аналитика.",
    }
    return data | overrides


def test_staff_find_bodies_by_name_kind_and_region_with_their_offers_in_the_season(client, staff, season):
    region = HostBodyFactory(name="Правительство Тульской области", kind="roiv", region_code="71")
    HostBodyFactory(name="Минспорт России")
    InternshipOfferFactory(season=season, host=region, seats=4)
    client.force_login(staff)
    page = client.get(reverse("hosts:staff-hosts"), {"season": season.pk}).content.decode()
    assert "Правительство Тульской области" in page and "Минспорт России" in page
    row = page.split(f'data-testid="host-{region.pk}"')[1].split("</tr>")[0]
    assert "Тульская область" in row and "<td>1</td><td>4</td>" in row
    found = client.get(reverse("hosts:staff-hosts"), {"season": season.pk, "q": "тульской", "kind": "roiv"})
    assert "Минспорт" not in found.content.decode() and "Тульской" in found.content.decode()
    by_region = client.get(reverse("hosts:staff-hosts"), {"region": "77"}).content.decode()
    assert "Тульской" not in by_region and "Ни один орган не найден" in by_region


def test_staff_add_and_edit_a_body_on_its_form(client, staff):
    client.force_login(staff)
    refused = client.post(reverse("hosts:host-create"), {"name": "Правительство области", "kind": "roiv"})
    assert refused.status_code == 400 and "регион" in refused.content.decode()
    created = client.post(
        reverse("hosts:host-create"),
        {"name": "Правительство Омской области", "kind": "roiv", "region_code": "55", "active": "on"},
    )
    host = HostBody.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse("hosts:host", args=[host.pk])
    edited = client.post(
        reverse("hosts:host-edit", args=[host.pk]),
        {"name": host.name, "kind": "roiv", "region_code": "55", "phone": "+7 3812 00-00-00", "active": "on"},
    )
    assert edited.status_code == 302
    host.refresh_from_db()
    assert host.phone == "+7 3812 00-00-00" and host.active
    assert client.get(reverse("hosts:host-edit", args=[host.pk])).status_code == 200


def test_staff_add_an_offer_and_see_the_season_list(client, staff, season):
    host = HostBodyFactory(name="Минприроды России")
    client.force_login(staff)
    url = reverse("hosts:offer-create", args=[host.pk]) + f"?season={season.pk}"
    assert client.get(url).status_code == 200
    too_long = client.post(
        url, offer_post(season, ends_on=(season.internships_starts_on + timedelta(days=45)).isoformat())
    )
    assert too_long.status_code == 400 and "от двух недель до месяца" in too_long.content.decode()
    agreed = client.post(
        url,
        offer_post(
            season,
            ends_on=(season.internships_starts_on + timedelta(days=45)).isoformat(),
            length_override_reason="Экспедиция длится полтора месяца",
        ),
    )
    assert agreed.status_code == 302
    offer = InternshipOffer.objects.get()
    assert offer.days == 46 and offer.length_override_by == staff
    listing = client.get(reverse("hosts:staff-offers"), {"season": season.pk}).content.decode()
    assert "Минприроды России" in listing and "Отдел государственной службы" in listing
    assert "другая длительность согласована" in listing


def test_a_host_person_sees_their_own_body_and_edits_its_offer(client, season):
    host = HostBodyFactory(name="Минцифры России")
    offer = InternshipOfferFactory(season=season, host=host, title="Департамент данных")
    person = host_person(host, first_name="Галина", last_name="Кадрова")
    client.force_login(person)
    landing = client.get(reverse("hosts:own-host"))
    assert landing.status_code == 302 and landing["Location"] == reverse("hosts:host", args=[host.pk])
    page = client.get(landing["Location"], {"season": season.pk}).content.decode()
    assert "Департамент данных" in page and "Кадрова" in page
    assert "Добавить представителя" not in page  # staff's form only
    form = client.get(reverse("hosts:offer-edit", args=[offer.pk])).content.decode()
    assert "length_override_reason" not in form  # only staff agree another length
    assert f'value="{offer.starts_on.isoformat()}"' in form  # a browser's date field takes ISO only
    saved = client.post(
        reverse("hosts:offer-edit", args=[offer.pk]), offer_post(season, title="Департамент данных", seats="6")
    )
    assert saved.status_code == 302
    offer.refresh_from_db()
    assert offer.seats == 6
    created = client.post(
        reverse("hosts:offer-create", args=[host.pk]) + f"?season={season.pk}", offer_post(season, title="Новый отдел")
    )
    assert created.status_code == 302 and InternshipOffer.objects.filter(host=host).count() == 2


def test_a_host_person_sees_nothing_of_another_body(client, season):
    own, other = HostBodyFactory(), HostBodyFactory(name="Чужое министерство")
    foreign = InternshipOfferFactory(season=season, host=other, seats=2)
    client.force_login(host_person(own))
    assert client.get(reverse("hosts:host", args=[other.pk])).status_code == 403
    assert client.get(reverse("hosts:offer-edit", args=[foreign.pk])).status_code == 403
    assert client.post(reverse("hosts:offer-edit", args=[foreign.pk]), offer_post(season, seats="9")).status_code == 403
    refused = client.post(reverse("hosts:offer-create", args=[other.pk]) + f"?season={season.pk}", offer_post(season))
    assert refused.status_code == 403
    assert client.get(reverse("hosts:host", args=[999_999])).status_code == 404
    assert client.get(reverse("hosts:offer-edit", args=[999_999])).status_code == 404
    for name in ("hosts:staff-hosts", "hosts:staff-offers", "hosts:import", "hosts:host-create"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("hosts:host-edit", args=[own.pk])).status_code == 403
    foreign.refresh_from_db()
    assert foreign.seats == 2 and InternshipOffer.objects.filter(host=other).count() == 1


def test_someone_who_represents_no_body_is_told_so(client):
    client.force_login(user_with_role(roles.HOST))
    response = client.get(reverse("hosts:own-host"))
    assert response.status_code == 403 and "не представляете" in response.content.decode()
    client.force_login(user_with_role(roles.EXPERT))
    assert client.get(reverse("hosts:own-host")).status_code == 403


def test_staff_add_and_remove_a_bodys_representative_on_its_page(client, staff):
    host = HostBodyFactory()
    client.force_login(staff)
    refused = client.post(
        reverse("hosts:member-add", args=[host.pk]), {"login": "new@ministry.example", "reason": "Кадры"}
    )
    assert refused.status_code == 400 and "фамилию" in refused.content.decode()
    added = client.post(
        reverse("hosts:member-add", args=[host.pk]),
        {"login": "new@ministry.example", "reason": "Кадры", "last_name": "Новикова", "first_name": "Вера"},
    )
    assert added.status_code == 302
    membership = HostMembership.objects.get()
    assert "Вера Новикова" in client.get(reverse("hosts:host", args=[host.pk])).content.decode()
    remove_url = reverse("hosts:member-remove", args=[host.pk, membership.user_id])
    assert client.get(remove_url).status_code == 200
    assert client.post(remove_url, {"reason": ""}).status_code == 400
    assert client.post(remove_url, {"reason": "Уволилась"}).status_code == 302
    assert not HostMembership.objects.exists()


def test_the_tool_list_leads_staff_and_hosts_to_their_pages(client, staff):
    client.force_login(staff)
    assert reverse("hosts:staff-hosts") in client.get("/cabinet/").content.decode()
    client.force_login(host_person(HostBodyFactory()))
    assert reverse("hosts:own-host") in client.get("/cabinet/").content.decode()
