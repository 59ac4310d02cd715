"""What the assessments pages share: a refusal shown as messages, and a form's id read safely."""

from django.contrib import messages
from django.core.exceptions import ValidationError

from lms.errors import ConflictError
from lms.numbers import whole_number


def messages_from(request, error: ValidationError | ConflictError) -> None:
    """A refused operation's messages on the page shown next (the API answers the same errors as
    400 and 409)."""
    for message in error.messages if isinstance(error, ValidationError) else [str(error)]:
        messages.error(request, message)


def form_id(raw) -> int | None:
    """A form's id field as a number, or None for anything else ("abc", "²", "", 10**30): a bad
    value must end in a clear 400, never in a ValueError or a database overflow."""
    return whole_number((raw or "").strip())


def number_or_text(raw: str) -> int | str:
    """A choice posted by a form: its number, or the text as it came, for the service to refuse."""
    number = form_id(raw)
    return raw if number is None else number
