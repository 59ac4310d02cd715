from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from lms.regions import region_get
from lms.text import text_require_storable
from lms.youthbodies.models import YouthBody
from lms.youthbodies.permissions import youth_body_staff_check

MAX_ADDRESSES = 10


def youth_body_emails_parse(*, text: str) -> list[str]:
    """Addresses typed one a line, or separated by commas or semicolons: lower-cased, each checked,
    duplicates dropped in order."""
    found: list[str] = []
    for raw in text.replace(";", "\n").replace(",", "\n").splitlines():
        address = raw.strip().lower()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError as error:
            raise ValidationError(
                {"emails": [_("Not an e-mail address: %(value)s") % {"value": address[:100]}]}
            ) from error
        if address not in found:
            found.append(address)
    if len(found) > MAX_ADDRESSES:
        raise ValidationError({"emails": [_("At most %(n)s addresses.") % {"n": MAX_ADDRESSES}]})
    return found


@transaction.atomic
def youth_body_save(
    *, region_code: str, name: str, emails: list[str], active: bool, actor: AbstractBaseUser
) -> YouthBody:
    """Create or change the body of a region (staff only); who and when are kept on the row."""
    youth_body_staff_check(user=actor)
    if region_get(region_code) is None:
        raise ValidationError({"region_code": [_("Unknown region.")]})
    name = name.strip()
    text_require_storable(value=name, field="name")
    emails = youth_body_emails_parse(text="\n".join(emails))
    body = YouthBody.objects.select_for_update().filter(region_code=region_code).first()
    body = body or YouthBody(region_code=region_code)
    body.name, body.emails, body.active, body.updated_by = name, emails, active, actor
    body.full_clean()
    body.save()
    return body
