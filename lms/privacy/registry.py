"""The registry through which each app hands over its part of a person's data, as the cabinet's
panels do (lms/cabinet.py): the export asks every part, the erasure runs every part's hook."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DataSection:
    """One table of a person's data: `columns` are (key, label) pairs; the JSON export keys each
    row by the keys, the readable page heads the table with the labels."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class PersonalDataPart:
    """What one app holds of a person.

    `export(user_id)` returns the app's sections (reads only). `erase(user_id)` removes the
    person's personal fields and free text from the app's rows inside the erasure's transaction,
    keeping ids and the figures the programme must keep; it must not touch rows other people own
    and must be safe to run twice. Work outside the database (Redis) goes in `erase_after_commit`,
    run once the erasure is committed."""

    key: str
    title: str
    export: Callable[[int], list[DataSection]]
    erase: Callable[[int], None]
    erase_after_commit: Callable[[int], None] | None = None
    order: int = 100


_parts: dict[str, PersonalDataPart] = {}


def personal_data_part_register(part: PersonalDataPart) -> None:
    _parts[part.key] = part


def personal_data_parts() -> list[PersonalDataPart]:
    return sorted(_parts.values(), key=lambda part: (part.order, part.key))
