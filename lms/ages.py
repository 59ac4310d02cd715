from datetime import date


def age_on(*, born: date, on: date) -> int:
    """Full years on a date. Someone born on 29 February comes of age on 28 February in a common
    year: Russian law ends a period on the last day of the month when the date does not exist
    (Civil Code, art. 192)."""
    birthday_month, birthday_day = born.month, born.day
    if (birthday_month, birthday_day) == (2, 29) and not _is_leap(on.year):
        birthday_day = 28
    had_birthday = (on.month, on.day) >= (birthday_month, birthday_day)
    return on.year - born.year - (0 if had_birthday else 1)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
