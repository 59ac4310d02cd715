from django.urls import include, path

from lms.hosts import apis, views

app_name = "hosts"

pages = [
    path("host/", views.own_host, name="own-host"),
    path("hosts/<int:host_id>/", views.host_page, name="host"),
    path("hosts/<int:host_id>/offers/new/", views.offer_create_view, name="offer-create"),
    path("hosts/offers/<int:offer_id>/edit/", views.offer_edit_view, name="offer-edit"),
    path("staff/hosts/", views.staff_hosts, name="staff-hosts"),
    path("staff/hosts/new/", views.staff_host_create, name="host-create"),
    path("staff/hosts/<int:host_id>/edit/", views.host_edit, name="host-edit"),
    path("staff/hosts/<int:host_id>/people/add/", views.host_member_add_view, name="member-add"),
    path("staff/hosts/<int:host_id>/people/<int:user_id>/remove/", views.host_member_remove_view, name="member-remove"),
    path("staff/hosts/offers/", views.staff_offers, name="staff-offers"),
    path("staff/hosts/offers/export/<str:fmt>/", views.offers_export, name="offers-export"),
    path("staff/hosts/import/", views.import_upload, name="import"),
    path("staff/hosts/import/template/<str:fmt>/", views.import_template, name="import-template"),
    path("staff/hosts/import/<int:import_id>/", views.import_preview, name="import-preview"),
    path("staff/hosts/import/<int:import_id>/apply/", views.import_apply, name="import-apply"),
]

api = [
    path("hosts/", apis.HostListApi.as_view(), name="host-list"),
    path("hosts/create/", apis.HostCreateApi.as_view(), name="host-create-api"),
    path("hosts/<int:host_id>/", apis.HostDetailApi.as_view(), name="host-detail"),
    path("hosts/<int:host_id>/update/", apis.HostUpdateApi.as_view(), name="host-update"),
    path("seasons/<int:season_id>/internship-offers/", apis.InternshipOfferListApi.as_view(), name="offer-list"),
    path("internship-offers/create/", apis.InternshipOfferCreateApi.as_view(), name="offer-create-api"),
    path("internship-offers/<int:offer_id>/", apis.InternshipOfferDetailApi.as_view(), name="offer-detail"),
    path("internship-offers/<int:offer_id>/update/", apis.InternshipOfferUpdateApi.as_view(), name="offer-update"),
    path("seasons/<int:season_id>/host-imports/", apis.HostImportCreateApi.as_view(), name="import-create"),
]

urlpatterns = [*pages, path("api/v1/", include(api))]
