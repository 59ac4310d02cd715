from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Decision
from assessments.selectors.admission import decision_published_for
from assessments.selectors.awards import certificates_of_user
from assessments.selectors.completeness import participant_completeness
from assessments.selectors.interviews import DIRECTION_LEVELS, interview_booking_for
from assessments.selectors.ministry import (
    ministry_bookings_of,
    ministry_decisions_applied_for,
    ministry_hosts_ranked_by,
    ministry_slots_free_for,
)
from assessments.selectors.placement import placement_published_for
from assessments.selectors.published import season_outcomes_published
from assessments.selectors.quizzes import diagnostics_growth, quiz_list_for_participant_memoized
from assessments.selectors.results import interview_result_for
from assessments.selectors.slots import slot_page_from_query
from lms.cabinet import CabinetPanel, StaffTool, cabinet_panel_register, staff_tool_register


def _completeness_context(request, participant) -> dict:
    return {"items": participant_completeness(participant=participant)}


def _admission_context(request, participant) -> dict:
    booking = result = None
    if participant.track not in season_outcomes_published(season_id=participant.season_id).admission_tracks:
        return {"decision": None, "booking": booking, "result": result}
    decision = decision_published_for(participant=participant)
    if decision is not None and decision["decision"] == Decision.ADMITTED:
        result = interview_result_for(participant=participant)
        # With the results out the interviews are over: no booking to show, move or cancel.
        if result is None:
            booking = interview_booking_for(participant=participant, now=timezone.now())
            booking["slots"] = slot_page_from_query(participant=participant, query=request.GET)
    return {"decision": decision, "booking": booking, "result": result}


def _placement_context(request, participant) -> dict:
    published = season_outcomes_published(season_id=participant.season_id).placement
    return {"placement": placement_published_for(participant=participant) if published else None}


def _ministry_context(request, participant) -> dict:
    # Only the decisions staff have applied: a pending one is not even hinted at.
    context = {
        "now": timezone.now(),
        "decisions": ministry_decisions_applied_for(participant=participant)
        if season_outcomes_published(season_id=participant.season_id).ministry
        else [],
        "ranked": False,
        "slots": [],
        "bookings": [],
    }
    # Only Young and PRO go to the ministries' interviews: a Beginner's cabinet reads one query here.
    if participant.level in DIRECTION_LEVELS["foiv"] and ministry_hosts_ranked_by(participant=participant):
        context["ranked"] = True
        context["slots"] = list(ministry_slots_free_for(participant=participant, now=context["now"])[:50])
        context["bookings"] = ministry_bookings_of(participant=participant)
    return context


def _quizzes_context(request, participant) -> dict:
    return {"quizzes": quiz_list_for_participant_memoized(participant=participant)}


def _diagnostics_context(request, participant) -> dict:
    return {"growth": diagnostics_growth(participant=participant)}


def _certificates_context(request, participant) -> dict:
    # Every season's: a participant of a new season keeps the certificates of the last one.
    return {"certificates": certificates_of_user(user_id=request.user.pk)}


def register_cabinet() -> None:
    cabinet_panel_register(
        CabinetPanel(
            "certificates", _("Certificates"), "assessments/panel_certificates.html", _certificates_context, order=50
        )
    )
    cabinet_panel_register(
        CabinetPanel(
            "admission",
            _("Admission to the interviews"),
            "assessments/panel_admission.html",
            _admission_context,
            order=5,
        )
    )
    cabinet_panel_register(
        CabinetPanel(
            "completeness",
            _("What you have done and what is missing"),
            "assessments/panel_completeness.html",
            _completeness_context,
            order=20,
        )
    )
    cabinet_panel_register(
        CabinetPanel(
            "placement", _("Your internship placement"), "assessments/panel_placement.html", _placement_context, order=8
        )
    )
    cabinet_panel_register(
        CabinetPanel(
            "ministry", _("Interviews with ministries"), "assessments/panel_ministry.html", _ministry_context, order=7
        )
    )
    cabinet_panel_register(
        CabinetPanel("quizzes", _("Tests"), "assessments/panel_quizzes.html", _quizzes_context, order=30)
    )
    cabinet_panel_register(
        CabinetPanel(
            "diagnostics", _("Skills diagnostics"), "assessments/panel_diagnostics.html", _diagnostics_context, order=40
        )
    )
    staff_tool_register(
        StaffTool(
            "admission",
            _("Admission to the interviews"),
            lambda: reverse("assessments:admission"),
            _("Run the admission, review, override and publish"),
            order=30,
        )
    )
    staff_tool_register(
        StaffTool(
            "candidates",
            _("Candidates per direction"),
            lambda: reverse("assessments:candidates-page"),
            _("ROIV internships and FOIV interviews after the interviews, with the experts' scores"),
            order=35,
        )
    )
    staff_tool_register(
        StaffTool(
            "interviews",
            _("Interviews"),
            lambda: reverse("assessments:interviews-staff"),
            _("The season's interview variant, panels and results"),
            order=36,
        )
    )
    staff_tool_register(
        StaffTool(
            "placement",
            _("Placement on internships"),
            lambda: reverse("assessments:placement"),
            _("Run the placement, read every participant's reasons, publish, move a participant"),
            order=37,
        )
    )
    staff_tool_register(
        StaffTool(
            "placement-host",
            _("Placed interns"),
            lambda: reverse("assessments:placement-host"),
            _("Confirm or decline the participants placed on your body's offers"),
            order=38,
            roles=("host",),
        )
    )
    staff_tool_register(
        StaffTool(
            "internships",
            _("Internships"),
            lambda: reverse("assessments:internships-staff"),
            _("Make internships of confirmed placements; who has not started, is overdue, has finished"),
            order=38,
        )
    )
    staff_tool_register(
        StaffTool(
            "talent-pool",
            _("Talent pool"),
            lambda: reverse("assessments:talent-pool"),
            _("Finalists and finished interns of every season who consented, by region, level, host and award"),
            order=38,
        )
    )
    staff_tool_register(
        StaffTool(
            "internships-host",
            _("Interns"),
            lambda: reverse("assessments:internships-host"),
            _("Your body's interns: supervisor and plan, attendance, final feedback"),
            order=39,
            roles=("host",),
        )
    )
    staff_tool_register(
        StaffTool(
            "ministry-decisions",
            _("Ministries' decisions"),
            lambda: reverse("assessments:ministry-decisions"),
            _("Apply the ministries' pending decisions on their candidates, in waves"),
            order=37,
        )
    )
    staff_tool_register(
        StaffTool(
            "ministry-interviews",
            _("Interviews with candidates"),
            lambda: reverse("assessments:own-ministry"),
            _("Your ministry's interview slots, candidates, scores and decisions"),
            order=40,
            roles=("host",),
        )
    )
    staff_tool_register(
        StaffTool(
            "awards",
            _("Awards and certificates"),
            lambda: reverse("assessments:awards"),
            _("Finalists, best projects, education modules; the season's certificates"),
            order=37,
        )
    )
    staff_tool_register(
        StaffTool(
            "interview-availability",
            _("Your interview availability"),
            lambda: reverse("assessments:expert-availability"),
            _("Publish the times participants may book an interview with you"),
            order=40,
            roles=("expert",),
        )
    )
    staff_tool_register(
        StaffTool(
            "interview-sheets",
            _("Interview scoring sheets"),
            lambda: reverse("assessments:expert-interviews"),
            _("Your interviews and their scoring"),
            order=41,
            roles=("expert", "staff"),
        )
    )
