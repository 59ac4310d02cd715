from datetime import date

import pytest

from lms.ages import age_on


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2008, 6, 1), date(2026, 5, 31), 17),
        (date(2008, 6, 1), date(2026, 6, 1), 18),
        (date(1990, 6, 1), date(2026, 5, 31), 35),
        (date(1990, 6, 1), date(2026, 6, 1), 36),
        # Leap-day births: the birthday is 28 February in common years (Civil Code art. 192)...
        (date(2008, 2, 29), date(2026, 2, 27), 17),
        (date(2008, 2, 29), date(2026, 2, 28), 18),
        # ...and 29 February in leap years.
        (date(2012, 2, 29), date(2030, 2, 28), 18),
        (date(2012, 2, 29), date(2032, 2, 28), 19),
        (date(2012, 2, 29), date(2032, 2, 29), 20),
    ],
)
def test_age_on(born, on, age):
    assert age_on(born=born, on=on) == age
