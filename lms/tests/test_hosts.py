"""Host bodies and internship offers (issue 15 §1): the models' rules, the services that keep them,
the people who represent a body, and what they may see."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from lms import roles
from lms.hosts.models import HostBody, HostMembership, InternshipOffer
from lms.hosts.selectors import host_of_user, hosts_visible_to, offers_of_season
from lms.hosts.services import (
    host_create,
    host_member_add,
    host_member_remove,
    host_update,
    offer_create,
    offer_update,
)
from lms.models import RoleChange
from lms.privacy.registry import personal_data_parts
from lms.privacy.services import person_erase
from lms.services import user_role_change
from tests.factories import (
    HostBodyFactory,
    InternshipOfferFactory,
    SeasonFactory,
    UserFactory,
    host_person,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # The services' messages are read here as written (English); the pages' tests read them in Russian.
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return user_with_role(roles.STAFF)


@pytest.fixture
def season():
    return SeasonFactory()


def offer_fields(season, *, days: int = 21, **overrides) -> dict:
    starts = season.internships_starts_on
    fields = {
        "title": "Департамент кадров",
        "seats": 3,
        "starts_on": starts,
        "ends_on": starts + timedelta(days=days - 1),
        "levels": ["young", "pro"],
        "description": "Подготовка справок и аналитики.",
    }
    return fields | overrides


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


# ---------------------------------------------------------------- bodies


def test_a_roiv_names_its_region_and_a_federal_body_none(staff):
    roiv = host_create(
        actor=staff, fields={"name": "Правительство Калужской области", "kind": "roiv", "region_code": "40"}
    )
    assert roiv.get_region_code_display() == "Kaluga Oblast"
    with pytest.raises(ValidationError) as no_region:
        host_create(actor=staff, fields={"name": "Правительство без региона", "kind": "roiv"})
    assert "names its region" in messages_of(no_region.value)
    with pytest.raises(ValidationError) as federal_region:
        host_create(actor=staff, fields={"name": "Минфин", "kind": "foiv", "region_code": "77"})
    assert "federal" in messages_of(federal_region.value)
    with pytest.raises(ValidationError) as unknown:
        host_create(actor=staff, fields={"name": "Нечто", "kind": "roiv", "region_code": "99"})
    assert "region_code" in unknown.value.message_dict
    assert list(HostBody.objects.values_list("name", flat=True)) == ["Правительство Калужской области"]


def test_a_body_name_is_unique_whatever_its_case(staff):
    host_create(actor=staff, fields={"name": "Минтруд России", "kind": "foiv"})
    with pytest.raises(ValidationError) as error:
        host_create(actor=staff, fields={"name": "  МИНТРУД россии ", "kind": "state_corporation"})
    assert "exists" in messages_of(error.value)


def test_a_body_that_stops_being_a_roiv_loses_its_region_unless_offers_take_pro_from_elsewhere(staff, season):
    roiv = HostBodyFactory(kind="roiv", region_code="16", name="Правительство Татарстана")
    offer_create(host=roiv, season=season, actor=staff, fields=offer_fields(season, pro_other_regions=True))
    with pytest.raises(ValidationError) as error:
        host_update(host=roiv, actor=staff, changes={"kind": "foiv"})
    assert "kind" in error.value.message_dict
    InternshipOffer.objects.update(pro_other_regions=False)
    host = host_update(host=roiv, actor=staff, changes={"kind": "foiv"})
    assert (host.kind, host.region_code) == ("foiv", "")


def test_only_staff_manage_bodies():
    host = HostBodyFactory()
    person = host_person(host)
    with pytest.raises(PermissionDenied):
        host_create(actor=person, fields={"name": "Свой орган", "kind": "foiv"})
    with pytest.raises(PermissionDenied):
        host_update(host=host, actor=person, changes={"name": "Переименовано"})
    assert HostBody.objects.get().name == host.name


# ---------------------------------------------------------------- offers: the rules


@pytest.mark.parametrize(("days", "allowed"), [(13, False), (14, True), (21, True), (31, True), (32, False)])
def test_an_internship_lasts_two_weeks_to_a_month(staff, season, days, allowed):
    host = HostBodyFactory()
    if allowed:
        offer = offer_create(host=host, season=season, actor=staff, fields=offer_fields(season, days=days))
        assert offer.days == days
    else:
        with pytest.raises(ValidationError) as error:
            offer_create(host=host, season=season, actor=staff, fields=offer_fields(season, days=days))
        assert "two weeks to a month" in messages_of(error.value)
        assert not InternshipOffer.objects.exists()


def test_staff_agree_another_length_with_a_written_reason_kept_on_the_offer(staff, season):
    host = HostBodyFactory()
    reason = "Министерство просит 6 недель: проект завершается в декабре"
    offer = offer_create(
        host=host, season=season, actor=staff, fields=offer_fields(season, days=42, length_override_reason=reason)
    )
    offer.refresh_from_db()
    assert (offer.days, offer.length_override_reason, offer.length_override_by) == (42, reason, staff)


def test_the_database_refuses_another_length_without_the_reason_and_who_agreed(season):
    offer = InternshipOfferFactory(season=season)
    with pytest.raises(IntegrityError), transaction.atomic():
        InternshipOffer.objects.filter(pk=offer.pk).update(ends_on=offer.starts_on + timedelta(days=40))
    with pytest.raises(IntegrityError), transaction.atomic():
        InternshipOffer.objects.filter(pk=offer.pk).update(
            ends_on=offer.starts_on + timedelta(days=40), length_override_reason="Без подписи"
        )


def test_a_host_person_cannot_agree_another_length_and_new_dates_drop_staffs_agreement(staff, season):
    host = HostBodyFactory()
    person = host_person(host)
    with pytest.raises(PermissionDenied):
        offer_create(
            host=host,
            season=season,
            actor=person,
            fields=offer_fields(season, days=40, length_override_reason="Нам так удобнее"),
        )
    offer = offer_create(
        host=host,
        season=season,
        actor=staff,
        fields=offer_fields(season, days=40, length_override_reason="Согласовано с министром"),
    )
    # The host's people change the seats: staff's agreement stays.
    offer = offer_update(offer=offer, actor=person, changes={"seats": 5})
    assert offer.length_override_reason == "Согласовано с министром"
    # New dates of another length: staff must agree again.
    with pytest.raises(ValidationError):
        offer_update(offer=offer, actor=person, changes={"ends_on": offer.starts_on + timedelta(days=44)})
    offer = offer_update(offer=offer, actor=person, changes={"ends_on": offer.starts_on + timedelta(days=20)})
    assert (offer.length_override_reason, offer.length_override_by) == ("", None)


def test_pro_from_other_regions_only_for_a_roivs_offer_that_pro_may_take(staff, season):
    ministry = HostBodyFactory(kind="foiv")
    with pytest.raises(ValidationError) as federal:
        offer_create(host=ministry, season=season, actor=staff, fields=offer_fields(season, pro_other_regions=True))
    assert "pro_other_regions" in federal.value.message_dict
    region = HostBodyFactory(kind="roiv", region_code="25", name="Правительство Приморского края")
    with pytest.raises(ValidationError) as not_pro:
        offer_create(
            host=region,
            season=season,
            actor=staff,
            fields=offer_fields(season, pro_other_regions=True, levels=["beginner"]),
        )
    assert "PRO may take" in messages_of(not_pro.value)
    offer = offer_create(
        host=region,
        season=season,
        actor=staff,
        fields=offer_fields(season, pro_other_regions=True, levels=["beginner", "pro"]),
    )
    assert offer.pro_other_regions and offer.levels == ["beginner", "pro"]


@pytest.mark.parametrize("seats", [0, -1, 10_001])
def test_an_offer_has_one_seat_or_more_within_reason(staff, season, seats):
    with pytest.raises(ValidationError):
        offer_create(host=HostBodyFactory(), season=season, actor=staff, fields=offer_fields(season, seats=seats))
    assert not InternshipOffer.objects.exists()


def test_the_database_refuses_an_offer_without_seats_or_levels(season):
    offer = InternshipOfferFactory(season=season)
    for changes in ({"seats": 0}, {"takes_young": False, "takes_pro": False}):
        with pytest.raises(IntegrityError), transaction.atomic():
            InternshipOffer.objects.filter(pk=offer.pk).update(**changes)


def test_an_offer_takes_a_level_fits_the_seasons_internships_and_has_a_unique_title(staff, season):
    host = HostBodyFactory()
    with pytest.raises(ValidationError) as no_level:
        offer_create(host=host, season=season, actor=staff, fields=offer_fields(season, levels=[]))
    assert "at least one level" in messages_of(no_level.value)
    early = season.internships_starts_on - timedelta(days=30)
    with pytest.raises(ValidationError) as outside:
        offer_create(
            host=host,
            season=season,
            actor=staff,
            fields=offer_fields(season, starts_on=early, ends_on=early + timedelta(days=20)),
        )
    assert "internships run from" in messages_of(outside.value)
    offer_create(host=host, season=season, actor=staff, fields=offer_fields(season))
    with pytest.raises(ValidationError) as twin:
        offer_create(host=host, season=season, actor=staff, fields=offer_fields(season, title="департамент КАДРОВ"))
    assert "already has an offer of this title" in messages_of(twin.value)


def test_an_inactive_body_takes_no_new_offers(staff, season):
    host = HostBodyFactory(active=False)
    with pytest.raises(ValidationError) as error:
        offer_create(host=host, season=season, actor=staff, fields=offer_fields(season))
    assert "inactive" in messages_of(error.value)


def test_text_with_a_nul_character_is_refused_not_stored(staff, season):
    with pytest.raises(ValidationError):
        offer_create(
            host=HostBodyFactory(), season=season, actor=staff, fields=offer_fields(season, description="a\x00b")
        )


# ---------------------------------------------------------------- who sees and manages what


def test_a_host_person_manages_only_their_own_bodys_offers(season):
    own, other = HostBodyFactory(), HostBodyFactory()
    person = host_person(own)
    offer = offer_create(host=own, season=season, actor=person, fields=offer_fields(season))
    assert offer.created_by == person
    offer_update(offer=offer, actor=person, changes={"seats": 7})
    foreign = InternshipOfferFactory(season=season, host=other)
    with pytest.raises(PermissionDenied):
        offer_create(host=other, season=season, actor=person, fields=offer_fields(season, title="Чужой"))
    with pytest.raises(PermissionDenied):
        offer_update(offer=foreign, actor=person, changes={"seats": 9})
    foreign.refresh_from_db()
    assert foreign.seats == 2
    participant = user_with_role(roles.PARTICIPANT)
    with pytest.raises(PermissionDenied):
        offer_update(offer=offer, actor=participant, changes={"seats": 1})


def test_the_selectors_show_each_person_their_own(staff, season):
    own, other = HostBodyFactory(name="А-орган"), HostBodyFactory(name="Б-орган")
    person = host_person(own)
    assert host_of_user(user=person) == own
    assert list(hosts_visible_to(user=person)) == [own]
    assert list(hosts_visible_to(user=staff)) == [own, other]
    assert list(hosts_visible_to(user=user_with_role(roles.EXPERT))) == []
    # The role taken away elsewhere (the Django admin): the link alone shows nothing.
    user_role_change(user=person, role=roles.HOST, grant=False, reason="Уволилась", actor=staff)
    assert host_of_user(user=person) is None and not hosts_visible_to(user=person).exists()


def test_offers_of_a_season_by_level_with_their_body(season, django_assert_num_queries):
    beginners = InternshipOfferFactory(season=season, takes_beginner=True, takes_young=False, takes_pro=False)
    both = InternshipOfferFactory(season=season)
    InternshipOfferFactory()  # another season's
    with django_assert_num_queries(1):
        rows = [(offer.pk, offer.host.name) for offer in offers_of_season(season_id=season.pk)]
    assert {pk for pk, _name in rows} == {beginners.pk, both.pk}
    assert [offer.pk for offer in offers_of_season(season_id=season.pk, level="pro")] == [both.pk]
    assert [offer.pk for offer in offers_of_season(season_id=season.pk, level="beginner")] == [beginners.pk]


# ---------------------------------------------------------------- the body's people


def test_staff_add_a_representative_with_the_role_audited(staff):
    host = HostBodyFactory()
    person = UserFactory(username="hr-officer", email="hr@minfin.example")
    membership = host_member_add(
        host=host, actor=staff, login="HR@minfin.example", reason="Кадровик министерства", position="Советник"
    )
    assert (membership.user, membership.host, membership.position) == (person, host, "Советник")
    change = RoleChange.objects.get(user=person)
    assert (change.role, change.action, change.reason, change.changed_by) == (
        "host",
        "grant",
        "Кадровик министерства",
        staff,
    )
    with pytest.raises(ValidationError) as twice:
        host_member_add(host=HostBodyFactory(), actor=staff, login="hr-officer", reason="И сюда")
    assert "remove them there first" in messages_of(twice.value)


def test_a_new_representative_gets_an_account_they_set_the_password_of(staff):
    host = HostBodyFactory()
    with pytest.raises(ValidationError) as names:
        host_member_add(host=host, actor=staff, login="new.hr@ministry.example", reason="Новый")
    assert "last_name" in names.value.message_dict
    with pytest.raises(ValidationError) as not_email:
        host_member_add(host=host, actor=staff, login="nobody-here", reason="Новый", last_name="А", first_name="Б")
    assert "login" in not_email.value.message_dict
    membership = host_member_add(
        host=host,
        actor=staff,
        login="New.HR@ministry.example",
        reason="Новый сотрудник",
        last_name="Сидорова",
        first_name="Ольга",
    )
    person = membership.user
    assert (person.username, person.email, person.get_full_name()) == (
        "new.hr@ministry.example",
        "new.hr@ministry.example",
        "Ольга Сидорова",
    )
    assert person.has_usable_password()  # so that the password reset reaches them
    assert host_of_user(user=person) == host


def test_staff_remove_a_representative_and_the_role_goes(staff):
    host = HostBodyFactory()
    membership = host_member_add(host=host, actor=staff, login=UserFactory().username, reason="Назначен")
    with pytest.raises(ValidationError):
        host_member_remove(membership=membership, actor=staff, reason=" ")
    host_member_remove(membership=membership, actor=staff, reason="Перешёл в другой орган")
    assert not HostMembership.objects.exists()
    assert not membership.user.groups.filter(name="host").exists()
    assert RoleChange.objects.filter(user=membership.user, action="revoke", role="host").exists()


def test_a_host_person_cannot_add_colleagues():
    host = HostBodyFactory()
    person = host_person(host)
    with pytest.raises(PermissionDenied):
        host_member_add(host=host, actor=person, login=UserFactory().username, reason="Коллега")


def test_a_representatives_link_is_in_their_data_and_goes_with_an_erasure(staff):
    host = HostBodyFactory(name="Минэкономразвития")
    person = host_person(host)
    part = next(part for part in personal_data_parts() if part.key == "hosts")
    (section,) = part.export(person.pk)
    assert section.rows[0]["host"] == "Минэкономразвития" and section.rows[0]["position"] == "Специалист"
    person_erase(user=person, erased_by=staff)
    assert not HostMembership.objects.exists()
    assert host_of_user(user=get_user_model().objects.get(pk=person.pk)) is None
    assert HostBody.objects.filter(pk=host.pk).exists()  # the body's own data stays
