from django.urls import include, path

from lms.youthbodies import apis, views

app_name = "youthbodies"

pages = [
    path("staff/youth-bodies/", views.staff_youth_bodies, name="staff-list"),
    path("staff/youth-bodies/<str:region_code>/edit/", views.youth_body_edit, name="edit"),
]

api = [
    path("youth-bodies/", apis.YouthBodyListApi.as_view(), name="list-api"),
    path("youth-bodies/<str:region_code>/update/", apis.YouthBodyUpdateApi.as_view(), name="update-api"),
]

urlpatterns = [*pages, path("api/v1/", include(api))]
