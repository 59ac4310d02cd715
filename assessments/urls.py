from django.urls import path

from assessments import apis, views

app_name = "assessments"

urlpatterns = [
    path("cabinet/tests/<int:quiz_id>/", views.quiz_page, name="quiz"),
    path("cabinet/attempts/<int:attempt_id>/", views.attempt_page, name="attempt"),
    path("cabinet/interview/book/", views.interview_book_view, name="interview-book"),
    path("cabinet/interview/<int:interview_id>/cancel/", views.interview_cancel_view, name="interview-cancel-page"),
    path("expert/interviews/", views.expert_interview_list, name="expert-interviews"),
    path("expert/availability/", views.expert_availability, name="expert-availability"),
    path("expert/availability/timezone/", views.expert_timezone_change, name="expert-timezone"),
    path("expert/availability/slots/<int:slot_id>/remove/", views.expert_slot_remove, name="expert-slot-remove"),
    path("expert/interviews/<int:interview_id>/", views.expert_sheet_page, name="expert-sheet"),
    path("staff/admission/", views.admission_home, name="admission"),
    path("staff/admission/runs/<int:run_id>/", views.admission_run_page, name="admission-run"),
    path("staff/candidates/", views.candidates_page, name="candidates-page"),
    path("api/v1/me/completeness/", apis.MeCompletenessApi.as_view(), name="me-completeness"),
    path("api/v1/me/admission/", apis.MeAdmissionApi.as_view(), name="me-admission"),
    path(
        "api/v1/participants/<int:participant_id>/completeness/",
        apis.ParticipantCompletenessApi.as_view(),
        name="participant-completeness",
    ),
    path("api/v1/seasons/<int:season_id>/admission-runs/", apis.AdmissionRunCreateApi.as_view(), name="run-create"),
    path("api/v1/admission-runs/<int:run_id>/", apis.AdmissionRunDetailApi.as_view(), name="run-detail"),
    path("api/v1/admission-runs/<int:run_id>/publish/", apis.AdmissionRunPublishApi.as_view(), name="run-publish"),
    path(
        "api/v1/admission-decisions/<int:decision_id>/overrides/",
        apis.DecisionOverrideCreateApi.as_view(),
        name="decision-override",
    ),
    path("api/v1/quizzes/", apis.QuizListApi.as_view(), name="quiz-list"),
    path("api/v1/quizzes/<int:quiz_id>/attempts/", apis.AttemptCreateApi.as_view(), name="attempt-create"),
    path("api/v1/attempts/<int:attempt_id>/", apis.AttemptDetailApi.as_view(), name="attempt-detail"),
    path(
        "api/v1/attempts/<int:attempt_id>/answers/<int:question_id>/",
        apis.AnswerSaveApi.as_view(),
        name="answer-save",
    ),
    path("api/v1/attempts/<int:attempt_id>/submit/", apis.AttemptSubmitApi.as_view(), name="attempt-submit"),
    path("api/v1/interview-slots/", apis.SlotListApi.as_view(), name="slot-list"),
    path("api/v1/expert/interview-slots/", apis.ExpertSlotListApi.as_view(), name="expert-slot-list"),
    path("api/v1/expert/interview-slots/create/", apis.ExpertSlotCreateApi.as_view(), name="expert-slot-create"),
    path(
        "api/v1/expert/interview-slots/series/",
        apis.ExpertSlotSeriesCreateApi.as_view(),
        name="expert-slot-series-create",
    ),
    path(
        "api/v1/expert/interview-slots/<int:slot_id>/",
        apis.ExpertSlotDeleteApi.as_view(),
        name="expert-slot-delete",
    ),
    path("api/v1/interview-slots/<int:slot_id>/bookings/", apis.SlotBookApi.as_view(), name="slot-book"),
    path(
        "api/v1/offline-meetings/<int:meeting_id>/registrations/",
        apis.MeetingRegisterApi.as_view(),
        name="meeting-register",
    ),
    path("api/v1/interviews/<int:interview_id>/cancel/", apis.InterviewCancelApi.as_view(), name="interview-cancel"),
    path(
        "api/v1/interviews/<int:interview_id>/presentation/start/",
        apis.PresentationStartApi.as_view(),
        name="presentation-start",
    ),
    path(
        "api/v1/interviews/<int:interview_id>/presentation/stop/",
        apis.PresentationStopApi.as_view(),
        name="presentation-stop",
    ),
    path("api/v1/interviews/<int:interview_id>/sheet/", apis.SheetSubmitApi.as_view(), name="sheet-submit"),
    path("api/v1/seasons/<int:season_id>/candidates/", apis.CandidatesListApi.as_view(), name="candidates"),
]
