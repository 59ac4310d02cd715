"""The example score module of docs/score-modules.md: another app's module, found through the
ASSESSMENTS_SCORE_MODULES setting. It reads what `participant_list` already loaded, so it costs
no query at all."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.scores import Figure, ScoreModule


class CommunityModule(ScoreModule):
    name = "community"
    label = gettext_lazy("Community experience")

    def figures(self, *, season, track, participants):
        return {
            participant.id: Figure(
                value=1.0 if participant.application.youth_organisations else 0.0,
                summary=_("Youth or public organisation experience")
                if participant.application.youth_organisations
                else _("No youth or public organisation experience"),
            )
            for participant in participants
        }
