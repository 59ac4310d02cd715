"""Reports read a second database (lms.replica): here a real copy of the test database, made at one
moment and then left behind by the primary, as a lagging replica is (`take_replica`, tests/plugin.py).
What the export shows is the copy's state; writes inside the block go to the primary; a block whose
`fresh` check fails reads the primary; without a replica nothing changes."""

import pytest
from django.urls import reverse

from lms import roles
from lms.hosts.models import HostBody
from lms.replica import PRIMARY, REPLICA, replica_alias, replica_holds, replica_reads
from tests.factories import HostBodyFactory, InternshipOfferFactory, SeasonFactory, user_with_role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:Overriding setting DATABASES"),  # take_replica (tests/plugin.py)
]


def test_without_a_replica_reports_read_the_primary():
    assert replica_alias() == PRIMARY
    with replica_reads() as alias:
        assert alias == PRIMARY


def test_the_offers_export_reads_the_replica_and_shows_what_it_holds(client, take_replica):
    staff = user_with_role(roles.STAFF)
    season = SeasonFactory()
    body = HostBodyFactory(name="Минтруд до репликации")
    InternshipOfferFactory(season=season, host=body)
    take_replica()
    # The primary moves on; the replica has not replayed it yet.
    HostBody.objects.filter(pk=body.pk).update(name="Минтруд после")
    HostBodyFactory(name="Новый орган")

    client.force_login(staff)
    exported = client.get(reverse("hosts:offers-export", args=["csv"]), {"season": season.pk})
    assert exported.status_code == 200
    text = exported.content.decode("utf-8-sig")
    assert "Минтруд до репликации" in text
    assert "Минтруд после" not in text and "Новый орган" not in text
    # Pages that are not reports read the primary.
    page = client.get(reverse("hosts:staff-hosts"), {"season": season.pk}).content.decode()
    assert "Минтруд после" in page and "Новый орган" in page


def test_writes_inside_a_replica_block_go_to_the_primary(take_replica):
    take_replica()
    with replica_reads() as alias:
        assert alias == REPLICA
        HostBodyFactory(name="Записан в основную")
        assert not HostBody.objects.filter(name="Записан в основную").exists()
    assert HostBody.objects.filter(name="Записан в основную").exists()
    assert not HostBody.objects.using(REPLICA).filter(name="Записан в основную").exists()


def test_a_block_that_needs_what_the_replica_lacks_reads_the_primary(take_replica, caplog):
    renamed, kept = HostBodyFactory(name="Орган"), HostBodyFactory(name="Без изменений")
    take_replica()
    renamed.name = "Орган переименован"
    renamed.save(update_fields=["name"])
    with replica_reads(fresh=replica_holds(kept, "name")) as alias:
        assert alias == REPLICA
    with replica_reads(fresh=replica_holds(renamed, "name")) as alias:
        assert alias == PRIMARY
        assert HostBody.objects.get(pk=renamed.pk).name == "Орган переименован"
    assert "the read replica is behind" in caplog.text
