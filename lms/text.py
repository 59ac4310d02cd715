"""Text that can be stored: PostgreSQL's text type holds no NUL character (it cannot even compare
with one), so text from a request that carries one is refused with a message, not a 500."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def text_storable(value: str) -> bool:
    return "\x00" not in value


def text_require_storable(*, value: str, field: str) -> None:
    if not text_storable(value):
        raise ValidationError({field: [_("This text holds a NUL character, which cannot be stored.")]})
