"""Small sets of items (a track's lectures or live sessions) folded into integers inside one SQL
statement, so the database can group 100,000 people by the set they have.

Each item gets one bit of a bigint word (63 to a word: the sign bit is left alone). A person's set
is one `bit_or` per word over their rows, which a hash aggregate keeps in a few bytes; an
`array_agg(... ORDER BY ...)` would sort every person's rows instead. The items' words and bits
go into the statement as arrays beside their ids (`item_bits`), the aggregates come from
`set_aggregates`, and `positions` turns a group's words back into item positions."""

from collections.abc import Sequence

WORD = 63


def item_bits(count: int) -> tuple[list[int], list[int]]:
    """The word and the bit of each of `count` items, by position."""
    return [position // WORD for position in range(count)], [1 << (position % WORD) for position in range(count)]


def word_count(count: int) -> int:
    return max(1, -(-count // WORD))


def set_aggregates(*, word: str, bit: str, count: int, where: str) -> list[str]:
    """One SQL aggregate per word: the bits of the rows for which `where` holds (0 for none).
    `word` and `bit` are the columns holding each row's item's word and bit."""
    return [
        f"COALESCE(bit_or({bit}) FILTER (WHERE ({where}) AND {word} = {number}), 0)"
        for number in range(word_count(count))
    ]


def positions(words: Sequence[int]) -> list[int]:
    """The item positions set in `words`, in order."""
    return [number * WORD + bit for number, value in enumerate(words) for bit in range(WORD) if value >> bit & 1]
