from django.urls import path

from live import apis, views

urlpatterns = [
    path("api/v1/live-sessions/", apis.LiveSessionListApi.as_view(), name="live-session-list"),
    path(
        "api/v1/live-sessions/<int:session_id>/presence/",
        apis.PresenceBeatCreateApi.as_view(),
        name="live-presence-beat",
    ),
    path(
        "api/v1/live-sessions/<int:session_id>/presence-key/",
        apis.PresenceKeyCreateApi.as_view(),
        name="live-presence-key",
    ),
    path("api/v1/live-sessions/<int:session_id>/room/", apis.SessionRoomStatusApi.as_view(), name="live-room-status"),
    path("api/v1/live-sessions/<int:session_id>/roster/", apis.SessionRosterApi.as_view(), name="live-roster"),
    path("integrations/bbb/webhook/", apis.BbbWebhookApi.as_view(), name="live-bbb-webhook"),
    path("integrations/bbb/analytics/", apis.BbbAnalyticsCallbackApi.as_view(), name="live-bbb-analytics"),
    path("integrations/bbb/recording-ready/", apis.BbbRecordingReadyApi.as_view(), name="live-bbb-recording-ready"),
    path("live/<int:session_id>/", views.session_detail, name="live-session"),
    path("live/<int:session_id>/join/", views.session_join, name="live-session-join"),
    path("live/<int:session_id>/register/", views.session_register_view, name="live-session-register"),
    path("live/<int:session_id>/unregister/", views.session_unregister_view, name="live-session-unregister"),
    path(
        "api/v1/live-sessions/<int:session_id>/register/",
        apis.SessionRegisterApi.as_view(),
        name="live-session-register-api",
    ),
    path(
        "api/v1/live-sessions/<int:session_id>/unregister/",
        apis.SessionUnregisterApi.as_view(),
        name="live-session-unregister-api",
    ),
    path("live/guest/<str:token>/", views.guest_join, name="live-guest-join"),
    path("live/console/", views.console_list, name="live-console"),
    path("live/console/<int:session_id>/", views.console_detail, name="live-console-detail"),
    path("live/console/<int:session_id>/start/", views.console_session_start, name="live-console-start"),
    path("live/console/<int:session_id>/end/", views.console_session_end, name="live-console-end"),
    path("live/console/<int:session_id>/mark/", views.console_mark_set, name="live-console-mark"),
    path(
        "live/console/<int:session_id>/correct-times/", views.console_times_correct, name="live-console-times-correct"
    ),
    path(
        "live/console/<int:session_id>/import-report/", views.console_report_import, name="live-console-report-import"
    ),
    path(
        "live/console/<int:session_id>/attach-recording/",
        views.console_recording_attach,
        name="live-console-recording-attach",
    ),
    path("live/console/<int:session_id>/guests/", views.console_guest_add, name="live-console-guest-add"),
    path(
        "live/console/<int:session_id>/guests/<int:guest_id>/erase/",
        views.console_guest_erase,
        name="live-console-guest-erase",
    ),
    path(
        "api/v1/live-sessions/<int:session_id>/guests/",
        apis.SessionGuestCreateApi.as_view(),
        name="live-session-guest-create-api",
    ),
    path("live/console/<int:session_id>/recording/", views.session_recording, name="live-session-recording"),
    path("live/console/<int:session_id>/export.<str:fmt>", views.console_export, name="live-console-export"),
]
