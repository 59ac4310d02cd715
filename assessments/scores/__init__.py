"""Score modules: each turns a season's data into one figure per participant (0..1) and the
evidence behind it. Modules are found at call time in two places, so another app or project adds
one without touching this app:

* an AppConfig attribute `score_modules = ["dotted.path.ModuleClass", ...]`;
* the setting `ASSESSMENTS_SCORE_MODULES = ["dotted.path.ModuleClass", ...]` (later wins by name).
"""

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from django.apps import apps
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy

from assessments.conf import extra_score_module_paths

if TYPE_CHECKING:
    from lms.models import Participant, Season


class ParticipantRow(NamedTuple):
    """What a module learns of a participant: the participant row's own columns, read as a plain
    tuple (an admission run reads 100,000 of them; model instances would cost seconds). A
    `Participant` instance has the same attributes, so a module works with either."""

    id: int
    user_id: int
    season_id: int
    track: str
    level: str
    federal_district: str
    application_id: int


PARTICIPANT_ROW_FIELDS = ParticipantRow._fields


@dataclass(frozen=True)
class ModuleFigure:
    """One participant's figure from one score module (0..1), its summary and its evidence.

    Never changed once made, and compared by value: equal figures are one key wherever a run groups them (its
    judgements and its JSON are made once per distinct figure), whether or not a module shares the
    object. The hash is computed once, as a run looks figures up 100,000s of times."""

    value: float
    summary: str
    done: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def __post_init__(self):
        # Hashed by value once, here: the lists are never changed after the figure is made.
        object.__setattr__(self, "_hash", hash((self.value, self.summary, tuple(self.done), tuple(self.missing))))

    def __hash__(self) -> int:
        return self._hash

    def as_json(self) -> dict:
        # The snapshot keeps what is missing by name and what is done as a count: the summary
        # already says "28 of 30", and 100,000 lists of done titles would only weigh it down.
        return {"summary": self.summary, "done_count": len(self.done), "missing": self.missing}


class ModuleAssessment(NamedTuple):
    """What a run learns from a module: the figures, and whether they may still change.

    `required`: how many required items the track has (None: the module does not say);
    `open_until`: the latest deadline of the track still ahead (None: everything has closed);
    `extended`: participant id → [(title, until)], their own extensions still ahead for items they
    have not done yet."""

    figures: dict[int, ModuleFigure]
    required: int | None
    open_until: datetime | None
    extended: dict[int, list[tuple[str, datetime]]]


class ModuleUnavailable(Exception):
    """The data a module reads is not installed (its app's contract is missing)."""


class ScoreModule:
    """Subclass and set `name` and `label`; `figures` must be set-based: a fixed number of queries
    whatever the number of participants, and a figure for every participant passed in.

    Participants with the same data may share one ModuleFigure object (the built-in modules do):
    its texts are then rendered once, not once per participant. The run groups figures by value,
    so sharing saves time and never changes a result."""

    name: str = ""
    label: str = ""
    # What the run page says of a track whose deadlines are still ahead ("lectures open until 3 January").
    open_text = gettext_lazy("%(label)s: open until %(date)s")

    def figures(
        self, *, season: "Season", track: str, participants: "Sequence[ParticipantRow | Participant]"
    ) -> dict[int, ModuleFigure]:
        raise NotImplementedError

    def assess(
        self,
        *,
        season: "Season",
        track: str,
        participants: "Sequence[ParticipantRow | Participant]",
        now: datetime,
    ) -> ModuleAssessment:
        """The figures with what is still open. A module that knows no deadlines keeps this default:
        its figures are taken as final."""
        return ModuleAssessment(self.figures(season=season, track=track, participants=participants), None, None, {})

    def required_count(self, *, season: "Season", track: str) -> int | None:
        """How many required items the track has, cheaply (a run refuses or leaves out a module with
        none); None when the module cannot tell, and is then always applicable."""
        return None


class DatedScoreModule(ScoreModule):
    """A built-in module that knows its deadlines: `assess` is its one implementation."""

    def figures(
        self, *, season: "Season", track: str, participants: "Sequence[ParticipantRow | Participant]"
    ) -> dict[int, ModuleFigure]:
        return self.assess(season=season, track=track, participants=participants, now=timezone.now()).figures


def score_module_paths() -> list[str]:
    paths: list[str] = []
    for config in apps.get_app_configs():
        paths.extend(getattr(config, "score_modules", ()))
    paths.extend(extra_score_module_paths())
    return paths


def score_modules() -> dict[str, ScoreModule]:
    modules: dict[str, ScoreModule] = {}
    for path in score_module_paths():
        module = import_string(path)()
        if not module.name:
            raise ValueError(f"{path} has no name")
        modules[module.name] = module
    return modules


def clamp(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 4)


# Inside a run, the texts a module writes keep their dates as moments, not as one zone's days: the
# snapshot is read in Vladivostok and in Kaliningrad, and each reader sees their own day.
_dates_as_moments: ContextVar[bool] = ContextVar("dates_as_moments", default=False)
_MOMENT = re.compile(r"⟦([^⟧]+)⟧")


@contextmanager
def dates_as_moments() -> Iterator[None]:
    token = _dates_as_moments.set(True)
    try:
        yield
    finally:
        _dates_as_moments.reset(token)


def day(value: datetime) -> str:
    """A date in a module's text: "3 January" in the active zone, or inside a run a moment that
    `days_shown` turns into the reader's day."""
    if _dates_as_moments.get():
        return f"⟦{value.isoformat()}⟧"
    return date_format(timezone.localtime(value), "j E")


def days_shown(text: str) -> str:
    """A stored text with its moments shown as days in the active (the reader's) zone."""
    if "⟦" not in text:
        return text
    return _MOMENT.sub(lambda found: date_format(timezone.localtime(datetime.fromisoformat(found[1])), "j E"), text)
