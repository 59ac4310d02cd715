from django.urls import include, path

from lms.candidacy import apis, views

app_name = "candidacy"

pages = [
    path("cabinet/offers/", views.preferences_page, name="preferences"),
    path("cabinet/cv/", views.cv_edit, name="cv-edit"),
    path("participants/<int:participant_id>/cv.pdf", views.cv_pdf_view, name="cv-pdf"),
    path("staff/participants/<int:participant_id>/cv/", views.cv_versions_page, name="cv-versions"),
    path("staff/participants/<int:participant_id>/cv/<int:number>.pdf", views.cv_version_pdf, name="cv-version-pdf"),
    path("staff/hosts/preferences/", views.staff_preferences, name="staff-preferences"),
    path("host/applicants/", views.host_applicants_page, name="host-applicants"),
]

api = [
    path("me/offer-preferences/", apis.OfferPreferenceListApi.as_view(), name="preference-list"),
    path("me/offer-preferences/set/", apis.OfferPreferenceSetApi.as_view(), name="preference-set"),
    path("me/offer-choices/", apis.OfferChoiceListApi.as_view(), name="choice-list"),
    path("me/cv/create/", apis.CvVersionCreateApi.as_view(), name="cv-create"),
    path("participants/<int:participant_id>/cv/", apis.CvDetailApi.as_view(), name="cv-detail"),
    path(
        "seasons/<int:season_id>/offer-preferences/",
        apis.SeasonOfferPreferenceListApi.as_view(),
        name="season-preference-list",
    ),
]

urlpatterns = [*pages, path("api/v1/", include(api))]
