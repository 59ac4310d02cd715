from dataclasses import dataclass

from lms.regions import REGIONS
from lms.youthbodies.models import YouthBody


@dataclass(frozen=True)
class RegionBody:
    """A region and its youth-policy body (None when none is entered)."""

    region_code: str
    region: str
    body: YouthBody | None

    @property
    def deliverable(self) -> bool:
        """A dossier can go there: an active body with at least one address."""
        return self.body is not None and self.body.active and bool(self.body.emails)


def youth_body_get(*, region_code: str) -> YouthBody | None:
    return YouthBody.objects.filter(region_code=region_code).first()


def youth_bodies_by_region() -> list[RegionBody]:
    """Every region with its body, in the regions' order: one query."""
    bodies = {body.region_code: body for body in YouthBody.objects.select_related("updated_by")}
    return [RegionBody(region.code, region.name, bodies.get(region.code)) for region in REGIONS]


def youth_body_addresses(*, region_codes: list[str]) -> dict[str, list[str]]:
    """The addresses a dossier of each region goes to, for the regions that have an active body
    with addresses (the others are missing from the result): one query."""
    rows = YouthBody.objects.filter(region_code__in=list(region_codes), active=True).values_list(
        "region_code", "emails"
    )
    return {code: list(emails) for code, emails in rows if emails}
