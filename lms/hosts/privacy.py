"""A host body's people in lms.privacy's registry. The body's contacts are the body's, not a person's;
what is a person's is that they represent a body, and their position there. The export shows it;
the erasure removes the link (the role goes with the core's part, which clears every role). Offers
they wrote keep their id only as the author, as every app's rows do."""

from django.utils.translation import gettext_lazy as _

from lms.hosts.models import HostMembership
from lms.privacy.registry import DataSection, PersonalDataPart


def hosts_part_export(user_id: int) -> list[DataSection]:
    """One query: the person's link to a body, if any."""
    memberships = HostMembership.objects.filter(user_id=user_id).select_related("host")
    return [
        DataSection(
            "host_body",
            _("Host body you represent"),
            [("host", _("host body")), ("position", _("position")), ("added_at", _("added at"))],
            [
                {"host": membership.host.name, "position": membership.position, "added_at": membership.added_at}
                for membership in memberships
            ],
        )
    ]


def hosts_part_erase(user_id: int) -> None:
    HostMembership.objects.filter(user_id=user_id).delete()


HOSTS_PART = PersonalDataPart("hosts", _("Host bodies"), hosts_part_export, hosts_part_erase, order=20)
