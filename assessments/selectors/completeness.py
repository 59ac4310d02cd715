from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import AdmissionPolicy
from assessments.models.admission import default_rules
from assessments.scores import ModuleUnavailable, score_modules
from assessments.selectors.quizzes import TRACK_TESTS_CACHE
from lms.memo import page_cached

if TYPE_CHECKING:
    from lms.models import Participant


def participant_completeness(*, participant: "Participant") -> list[dict]:
    """Each score module's figure and evidence for one participant, with the minimum the current
    policy asks (so the cabinet can say "55% of 70% needed"). A module with nothing required on the
    participant's track is not applicable: said so, never "0 of 0 — done, 100%"."""
    rules = _policy_rules(season_id=participant.season_id, track=participant.track)
    minimums = {rule["module"]: float(rule["min"]) for rule in rules}
    items = []
    for name, module in sorted(score_modules().items()):
        try:
            assessment = module.assess(
                season=participant.season, track=participant.track, participants=[participant], now=timezone.now()
            )
        except ModuleUnavailable:
            continue
        figure = assessment.figures[participant.id]
        applicable = assessment.required != 0
        minimum = minimums.get(name) if applicable else None
        items.append(
            {
                "module": name,
                "label": str(module.label),
                "value": figure.value,
                "percent": round(figure.value * 100),
                "minimum": minimum,
                "minimum_percent": None if minimum is None else round(minimum * 100),
                "meets_minimum": minimum is None or figure.value + 1e-9 >= minimum,
                "summary": figure.summary,
                "done": figure.done,
                "missing": figure.missing,
                "applicable": applicable,
                "status": _("Not applicable: nothing is required on your track")
                if not applicable
                else _("Done")
                if minimum is None or figure.value + 1e-9 >= minimum
                else _("%(percent)s%% of %(minimum)s%% needed")
                % {"percent": round(figure.value * 100), "minimum": round(minimum * 100)},
            }
        )
    return items


def _policy_rules(*, season_id: int, track: str) -> list[dict]:
    """The rules of the track's admission policy, the defaults without one (one query; on a page,
    from the pages' cache, dropped when a policy changes)."""

    def read() -> list[dict]:
        policy = AdmissionPolicy.objects.filter(season_id=season_id, track=track).order_by().first()
        return policy.rules if policy else default_rules()

    return page_cached(subject=TRACK_TESTS_CACHE, key=("policy", season_id, track), compute=read)
