from django.urls import path

from courses import apis, views

urlpatterns = [
    # First: beats are the most frequent request of the site, and patterns are tried in order.
    path(
        "api/v1/lectures/<int:lecture_id>/progress/",
        apis.LectureProgressCreateApi.as_view(),
        name="lecture-progress",
    ),
    path("api/v1/lectures/", apis.LectureListApi.as_view(), name="lecture-list"),
    path("api/v1/lectures/<int:lecture_id>/", apis.LectureDetailApi.as_view(), name="lecture-detail"),
    path(
        "api/v1/lectures/<int:lecture_id>/playback/",
        apis.LecturePlaybackCreateApi.as_view(),
        name="lecture-playback",
    ),
    path("courses/staff/lectures/", views.lecture_figures, name="lecture-figures"),
]
