from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from assessments.models import AdmissionPolicy
from assessments.models.admission import default_rules
from assessments.scores import ModuleUnavailable, score_modules

if TYPE_CHECKING:
    from lms.models import Participant


def participant_completeness(*, participant: "Participant") -> list[dict]:
    """Each score module's figure and evidence for one participant, with the minimum the current
    policy asks (so the cabinet can say "55% of 70% needed")."""
    policy = AdmissionPolicy.objects.filter(season_id=participant.season_id, track=participant.track).first()
    rules = policy.rules if policy else default_rules()
    minimums = {rule["module"]: float(rule["min"]) for rule in rules}
    items = []
    for name, module in sorted(score_modules().items()):
        try:
            figure = module.figures(season=participant.season, track=participant.track, participants=[participant])[
                participant.id
            ]
        except ModuleUnavailable:
            continue
        minimum = minimums.get(name)
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
                "status": _("Done")
                if minimum is None or figure.value + 1e-9 >= minimum
                else _("%(percent)s%% of %(minimum)s%% needed")
                % {"percent": round(figure.value * 100), "minimum": round(minimum * 100)},
            }
        )
    return items
