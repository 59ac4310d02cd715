"""The example score module of docs/score-modules.md: another app's module, found through the
ASSESSMENTS_SCORE_MODULES setting. Participants come as plain rows, so it reads the one field it
needs from the application forms with one query, whatever the number of participants."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.scores import ModuleFigure, ScoreModule
from lms.selectors import application_ids_with


class CommunityModule(ScoreModule):
    name = "community"
    label = gettext_lazy("Community experience")

    def figures(self, *, season, track, participants):
        experienced = application_ids_with(
            application_ids=[participant.application_id for participant in participants], youth_organisations=True
        )
        # Two possible figures, shared by everyone who has them.
        yes = ModuleFigure(value=1.0, summary=_("Youth or public organisation experience"))
        no = ModuleFigure(value=0.0, summary=_("No youth or public organisation experience"))
        return {
            participant.id: yes if participant.application_id in experienced else no for participant in participants
        }
