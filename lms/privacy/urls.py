from django.urls import path

from lms.privacy import views

urlpatterns = [
    path("", views.personal_data_page, name="personal-data"),
    path("export.json", views.personal_data_download_json, name="personal-data-json"),
    path("export/", views.personal_data_download_html, name="personal-data-html"),
    path("consents/<int:consent_id>/withdraw/", views.consent_withdraw_view, name="consent-withdraw"),
]
