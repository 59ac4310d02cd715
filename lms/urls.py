from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms import apis, views

api_urlpatterns = [
    path("auth/token/", apis.AuthTokenCreateApi.as_view(), name="auth-token"),
    path("me/", apis.MeDetailApi.as_view(), name="me"),
    path("applications/", apis.ApplicationCreateApi.as_view(), name="application-create"),
]

urlpatterns = [
    # First: the lecture-progress beat is the hottest route, and patterns are tried in order.
    path("", include("courses.urls")),
    path("django-admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("apply/", views.application_create, name="apply"),
    path("cabinet/", views.cabinet, name="cabinet"),
    path("cabinet/timezone/", views.participant_timezone_change, name="cabinet-timezone"),
    path("api/v1/", include((api_urlpatterns, "lms"), namespace="lms-api")),
    # Each app's urls.py carries its own pages and its /api/v1/ routes, so an app stays whole.
    path("", include("media.urls")),
    path("", include("live.urls")),
    path("", include("assessments.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", http_method_names=["get", "head"]),
        name="api-docs",
    ),
]

if settings.DEBUG:
    # Only Wagtail's public images are served this way; lecture video is never under MEDIA_URL.
    urlpatterns += static(settings.MEDIA_URL + "images/", document_root=settings.MEDIA_ROOT / "images")
    urlpatterns += static(
        settings.MEDIA_URL + "original_images/", document_root=settings.MEDIA_ROOT / "original_images"
    )

urlpatterns += [path("", include(wagtail_urls))]
