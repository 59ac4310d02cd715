from django.urls import include, path

from assessments.apis import admission as admission_apis
from assessments.apis import awards as award_apis
from assessments.apis import completeness as completeness_apis
from assessments.apis import dossiers as dossier_apis
from assessments.apis import internships as internship_apis
from assessments.apis import interviews as interview_apis
from assessments.apis import ministry as ministry_apis
from assessments.apis import panels as panel_apis
from assessments.apis import placement as placement_apis
from assessments.apis import quizzes as quiz_apis
from assessments.apis import results as result_apis
from assessments.apis import slots as slot_apis
from assessments.apis import talent_pool as talent_pool_apis
from assessments.views import (
    admission,
    availability,
    awards,
    dossiers,
    internships,
    interviews,
    interviews_staff,
    ministry,
    panels,
    placement,
    quizzes,
    results,
    talent_pool,
)

app_name = "assessments"

pages = [
    path("cabinet/tests/<int:quiz_id>/", quizzes.quiz_page, name="quiz"),
    path("cabinet/attempts/<int:attempt_id>/", quizzes.attempt_page, name="attempt"),
    path("cabinet/interview/book/", interviews.interview_book_view, name="interview-book"),
    path(
        "cabinet/interview/<int:interview_id>/cancel/", interviews.interview_cancel_view, name="interview-cancel-page"
    ),
    path("expert/interviews/", interviews.expert_interview_list, name="expert-interviews"),
    path("expert/interviews/<int:interview_id>/", interviews.expert_sheet_page, name="expert-sheet"),
    path("expert/availability/", availability.expert_availability, name="expert-availability"),
    path("expert/availability/timezone/", availability.expert_timezone_change, name="expert-timezone"),
    path("expert/availability/slots/<int:slot_id>/remove/", availability.expert_slot_remove, name="expert-slot-remove"),
    path("staff/admission/", admission.admission_home, name="admission"),
    path("staff/admission/runs/<int:run_id>/", admission.admission_run_page, name="admission-run"),
    path("staff/admission/runs/<int:run_id>/publish/", admission.admission_publish_page, name="admission-publish"),
    path("staff/placement/", placement.placement_home, name="placement"),
    path("staff/placement/runs/<int:run_id>/", placement.placement_run_page, name="placement-run"),
    path("staff/placement/runs/<int:run_id>/move/", placement.placement_move_view, name="placement-move"),
    path("host/placement/", placement.placement_host_page, name="placement-host"),
    path("staff/internships/", internships.internships_staff, name="internships-staff"),
    path("staff/talent-pool/", talent_pool.talent_pool_staff, name="talent-pool"),
    path("staff/internships/<int:internship_id>/", internships.internship_staff, name="internship-staff"),
    path("host/internships/", internships.internships_host, name="internships-host"),
    path("host/internships/<int:internship_id>/", internships.internship_host, name="internship-host"),
    path("cabinet/internship/", internships.internship_mine, name="internship-mine"),
    path("cabinet/placement/decline/", placement.placement_decline_view, name="placement-decline"),
    path("staff/candidates/", interviews.candidates_page, name="candidates-page"),
    path("staff/interviews/", interviews_staff.interviews_staff_page, name="interviews-staff"),
    path(
        "staff/interviews/<int:interview_id>/cancel/",
        interviews_staff.interview_staff_cancel_page,
        name="interview-staff-cancel",
    ),
    path("staff/interviews/meetings/<int:meeting_id>/", panels.meeting_panel, name="meeting-panel"),
    path("staff/interviews/results/", results.interview_results_page, name="interview-results"),
    path("staff/interviews/results/publish/", results.interview_results_publish_page, name="interview-results-publish"),
    path("host/ministry/", ministry.own_ministry, name="own-ministry"),
    path("hosts/<int:host_id>/ministry/", ministry.ministry_host_page, name="ministry-host"),
    path(
        "hosts/<int:host_id>/ministry/slots/<int:slot_id>/remove/",
        ministry.ministry_slot_remove,
        name="ministry-slot-remove",
    ),
    path(
        "hosts/<int:host_id>/ministry/candidates/<int:participant_id>/",
        ministry.ministry_candidate_page,
        name="ministry-candidate",
    ),
    path("staff/ministry-decisions/", ministry.ministry_decisions_page, name="ministry-decisions"),
    path("cabinet/ministry/book/", ministry.ministry_book_view, name="ministry-book"),
    path("cabinet/ministry/<int:interview_id>/cancel/", ministry.ministry_cancel_view, name="ministry-cancel-page"),
    path("staff/awards/", awards.awards_page, name="awards"),
    path("staff/dossiers/", dossiers.dossier_outbox_page, name="dossiers"),
    path("staff/dossiers/<int:dossier_id>/", dossiers.dossier_preview, name="dossier"),
    path("staff/certificates/", awards.certificates_page, name="certificates"),
    path(
        "staff/certificates/<int:certificate_id>/revoke/",
        awards.certificate_revoke_page,
        name="certificate-revoke",
    ),
    path("cabinet/certificates/<int:certificate_id>/pdf/", awards.certificate_download, name="certificate-download"),
    # Public: the code is the credential (96 random bits); the QR code on the PDF leads here.
    path("certificates/<str:code>/", awards.certificate_verify, name="certificate-verify"),
]

api = [
    path("me/completeness/", completeness_apis.MeCompletenessDetailApi.as_view(), name="me-completeness"),
    path(
        "participants/<int:participant_id>/completeness/",
        completeness_apis.ParticipantCompletenessDetailApi.as_view(),
        name="participant-completeness",
    ),
    path("me/admission/", admission_apis.MeAdmissionDetailApi.as_view(), name="me-admission"),
    path("seasons/<int:season_id>/admission-runs/", admission_apis.AdmissionRunCreateApi.as_view(), name="run-create"),
    path("admission-runs/<int:run_id>/", admission_apis.AdmissionRunDetailApi.as_view(), name="run-detail"),
    path("admission-runs/<int:run_id>/publish/", admission_apis.AdmissionRunPublishApi.as_view(), name="run-publish"),
    path(
        "admission-decisions/<int:decision_id>/overrides/",
        admission_apis.DecisionOverrideCreateApi.as_view(),
        name="decision-override",
    ),
    path("me/placement/", placement_apis.MePlacementDetailApi.as_view(), name="me-placement"),
    path("me/internship/", internship_apis.MeInternshipDetailApi.as_view(), name="me-internship"),
    path("me/internship/log/", internship_apis.MeInternshipLogSaveApi.as_view(), name="me-internship-log"),
    path("me/host/internships/", internship_apis.HostInternshipListApi.as_view(), name="host-internships"),
    path("seasons/<int:season_id>/internships/", internship_apis.InternshipListApi.as_view(), name="internship-list"),
    path("talent-pool/", talent_pool_apis.TalentPoolListApi.as_view(), name="talent-pool-list"),
    path(
        "seasons/<int:season_id>/internships/create/",
        internship_apis.InternshipBulkCreateApi.as_view(),
        name="internship-bulk-create",
    ),
    path(
        "internships/<int:internship_id>/plan/",
        internship_apis.InternshipPlanUpdateApi.as_view(),
        name="internship-plan",
    ),
    path(
        "internships/<int:internship_id>/weeks/",
        internship_apis.InternshipWeekCreateApi.as_view(),
        name="internship-weeks",
    ),
    path(
        "internships/<int:internship_id>/supervisor/",
        internship_apis.InternshipSupervisorUpdateApi.as_view(),
        name="internship-supervisor",
    ),
    path(
        "internships/<int:internship_id>/feedback/reopen/",
        internship_apis.InternshipFeedbackReopenApi.as_view(),
        name="internship-feedback-reopen",
    ),
    path(
        "internships/<int:internship_id>/feedback/",
        internship_apis.InternshipFeedbackCreateApi.as_view(),
        name="internship-feedback",
    ),
    path("me/placement/decline/", placement_apis.MePlacementDeclineApi.as_view(), name="me-placement-decline"),
    path("me/host/placements/", placement_apis.HostPlacementListApi.as_view(), name="host-placements"),
    path(
        "placement-runs/<int:run_id>/host-decisions/",
        placement_apis.PlacementHostDecisionCreateApi.as_view(),
        name="placement-host-decision",
    ),
    path(
        "placement-runs/<int:run_id>/moves/", placement_apis.PlacementMoveCreateApi.as_view(), name="placement-move-api"
    ),
    path(
        "seasons/<int:season_id>/placement-runs/",
        placement_apis.PlacementRunCreateApi.as_view(),
        name="placement-run-create",
    ),
    path("placement-runs/<int:run_id>/", placement_apis.PlacementRunDetailApi.as_view(), name="placement-run-detail"),
    path(
        "placement-runs/<int:run_id>/publish/",
        placement_apis.PlacementRunPublishApi.as_view(),
        name="placement-run-publish",
    ),
    path("quizzes/", quiz_apis.QuizListApi.as_view(), name="quiz-list"),
    path("quizzes/<int:quiz_id>/attempts/", quiz_apis.AttemptCreateApi.as_view(), name="attempt-create"),
    path("attempts/<int:attempt_id>/", quiz_apis.AttemptDetailApi.as_view(), name="attempt-detail"),
    path("attempts/<int:attempt_id>/answers/<int:question_id>/", quiz_apis.AnswerSaveApi.as_view(), name="answer-save"),
    path("attempts/<int:attempt_id>/submit/", quiz_apis.AttemptSubmitApi.as_view(), name="attempt-submit"),
    path("interview-slots/", interview_apis.SlotListApi.as_view(), name="slot-list"),
    path("interview-slots/<int:slot_id>/bookings/", interview_apis.SlotBookApi.as_view(), name="slot-book"),
    path(
        "offline-meetings/<int:meeting_id>/registrations/",
        interview_apis.MeetingRegisterApi.as_view(),
        name="meeting-register",
    ),
    path("interviews/<int:interview_id>/cancel/", interview_apis.InterviewCancelApi.as_view(), name="interview-cancel"),
    path(
        "interviews/<int:interview_id>/staff-cancel/",
        interview_apis.InterviewStaffCancelApi.as_view(),
        name="interview-staff-cancel-api",
    ),
    path(
        "interviews/<int:interview_id>/presentation/start/",
        interview_apis.PresentationStartApi.as_view(),
        name="presentation-start",
    ),
    path(
        "interviews/<int:interview_id>/presentation/stop/",
        interview_apis.PresentationStopApi.as_view(),
        name="presentation-stop",
    ),
    path("interviews/<int:interview_id>/sheet/", interview_apis.SheetSubmitApi.as_view(), name="sheet-submit"),
    path("seasons/<int:season_id>/candidates/", interview_apis.CandidatesListApi.as_view(), name="candidates"),
    path("seasons/<int:season_id>/offline-meetings/", panel_apis.MeetingListApi.as_view(), name="meeting-list"),
    path(
        "offline-meetings/<int:meeting_id>/panel/",
        panel_apis.MeetingPanelDetailApi.as_view(),
        name="meeting-panel-detail",
    ),
    path(
        "offline-meetings/<int:meeting_id>/panel/experts/",
        panel_apis.MeetingPanelUpdateApi.as_view(),
        name="meeting-panel-update",
    ),
    path(
        "offline-meetings/<int:meeting_id>/panel/participants/",
        panel_apis.MeetingParticipantsAssignApi.as_view(),
        name="meeting-participants-assign",
    ),
    path(
        "seasons/<int:season_id>/interview-results/",
        result_apis.InterviewResultListApi.as_view(),
        name="interview-result-list",
    ),
    path(
        "seasons/<int:season_id>/interview-results/<int:participant_id>/",
        result_apis.InterviewResultChooseApi.as_view(),
        name="interview-result-choose",
    ),
    path(
        "seasons/<int:season_id>/interview-results/levels/",
        result_apis.InterviewLevelsApplyApi.as_view(),
        name="interview-levels-apply",
    ),
    path(
        "seasons/<int:season_id>/interview-results/publish/",
        result_apis.InterviewResultsPublishApi.as_view(),
        name="interview-results-publish-api",
    ),
    path("seasons/<int:season_id>/awards/", award_apis.AwardListApi.as_view(), name="award-list"),
    path("seasons/<int:season_id>/dossiers/", dossier_apis.DossierListApi.as_view(), name="dossier-list"),
    path("seasons/<int:season_id>/dossiers/prepare/", dossier_apis.DossierPrepareApi.as_view(), name="dossier-prepare"),
    path("seasons/<int:season_id>/dossiers/send/", dossier_apis.DossierSendApi.as_view(), name="dossier-send"),
    path("seasons/<int:season_id>/awards/change/", award_apis.AwardChangeApi.as_view(), name="award-change"),
    path("seasons/<int:season_id>/certificates/", award_apis.CertificateListApi.as_view(), name="certificate-list"),
    path(
        "seasons/<int:season_id>/certificates/issue/",
        award_apis.CertificatesIssueApi.as_view(),
        name="certificates-issue",
    ),
    path(
        "certificates/<int:certificate_id>/revoke/",
        award_apis.CertificateRevokeApi.as_view(),
        name="certificate-revoke-api",
    ),
    path("me/certificates/", award_apis.MeCertificateListApi.as_view(), name="me-certificates"),
    path("me/ministry-decisions/", ministry_apis.MeMinistryDecisionListApi.as_view(), name="me-ministry-decisions"),
    path("ministry-slots/", ministry_apis.MinistrySlotListApi.as_view(), name="ministry-slot-list"),
    path(
        "ministry-slots/<int:slot_id>/bookings/", ministry_apis.MinistrySlotBookApi.as_view(), name="ministry-slot-book"
    ),
    path("ministry-slots/<int:slot_id>/", ministry_apis.MinistrySlotDeleteApi.as_view(), name="ministry-slot-delete"),
    path(
        "ministry-interviews/<int:interview_id>/cancel/",
        ministry_apis.MinistryInterviewCancelApi.as_view(),
        name="ministry-interview-cancel",
    ),
    path(
        "ministry-interviews/<int:interview_id>/sheet/",
        ministry_apis.MinistrySheetSubmitApi.as_view(),
        name="ministry-sheet-submit",
    ),
    path(
        "hosts/<int:host_id>/ministry-slots/",
        ministry_apis.HostMinistrySlotListApi.as_view(),
        name="ministry-host-slot-list",
    ),
    path(
        "hosts/<int:host_id>/ministry-slots/create/",
        ministry_apis.HostMinistrySlotCreateApi.as_view(),
        name="ministry-slot-create",
    ),
    path(
        "hosts/<int:host_id>/ministry-candidates/",
        ministry_apis.MinistryCandidateListApi.as_view(),
        name="ministry-candidate-list",
    ),
    path(
        "hosts/<int:host_id>/ministry-decisions/",
        ministry_apis.MinistryDecisionSetApi.as_view(),
        name="ministry-decision-set",
    ),
    path(
        "hosts/<int:host_id>/ministry-decisions/<int:participant_id>/",
        ministry_apis.MinistryDecisionDetailApi.as_view(),
        name="ministry-decision-detail",
    ),
    path("hosts/<int:host_id>/rubric/", ministry_apis.HostRubricDetailApi.as_view(), name="host-rubric"),
    path("hosts/<int:host_id>/rubric/update/", ministry_apis.HostRubricUpdateApi.as_view(), name="host-rubric-update"),
    path(
        "seasons/<int:season_id>/ministry-decisions/pending/",
        ministry_apis.MinistryDecisionPendingListApi.as_view(),
        name="ministry-decision-pending",
    ),
    path(
        "seasons/<int:season_id>/ministry-waves/",
        ministry_apis.MinistryWaveApplyApi.as_view(),
        name="ministry-wave-apply",
    ),
    path("expert/interview-slots/", slot_apis.ExpertSlotListApi.as_view(), name="expert-slot-list"),
    path("expert/interview-slots/create/", slot_apis.ExpertSlotCreateApi.as_view(), name="expert-slot-create"),
    path(
        "expert/interview-slots/series/",
        slot_apis.ExpertSlotSeriesCreateApi.as_view(),
        name="expert-slot-series-create",
    ),
    path("expert/interview-slots/<int:slot_id>/", slot_apis.ExpertSlotDeleteApi.as_view(), name="expert-slot-delete"),
]

urlpatterns = [*pages, path("api/v1/", include(api))]
