"""Whole numbers from request text (ids in forms, query strings, tokens, report cells)."""


def whole_number(text, *, digits: int = 18) -> int | None:
    """The number `text` spells in ASCII digits, or None for anything else. `str.isdigit` alone
    takes "²", which int() refuses; past 18 digits no bigint id fits, and int() refuses text of
    more than 4,300 digits."""
    if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= digits:
        return int(text)
    return None
