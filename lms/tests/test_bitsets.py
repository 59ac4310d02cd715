import pytest
from django.db import connection

from lms.bitsets import item_bits, positions, set_aggregates, word_count

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="bit_or is PostgreSQL's")
def test_sets_longer_than_a_word_fold_in_sql_and_unfold():
    count = 130  # three words: 63 + 63 + 4 items
    words, bits = item_bits(count)
    members = {1: [0, 62, 63, 129], 2: [5], 3: []}
    rows = [(person, words[at], bits[at], at != 5) for person, ats in members.items() for at in ats]
    rows.append((3, words[7], bits[7], False))  # a row that `where` leaves out
    aggregates = set_aggregates(word="r.w", bit="r.b", count=count, where="r.kept")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT r.person, {", ".join(aggregates)}
                FROM unnest(%s::int[], %s::int[], %s::bigint[], %s::bool[]) AS r(person, w, b, kept)
                GROUP BY r.person ORDER BY r.person""",
            [[row[i] for row in rows] for i in range(4)],
        )
        found = {person: positions(set_words) for person, *set_words in cursor.fetchall()}
    assert word_count(count) == len(aggregates) == 3
    assert found == {1: [0, 62, 63, 129], 2: [], 3: []}
