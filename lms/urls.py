from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms import apis, views
from lms.health import HealthView
from lms.privacy import views as privacy_views

api_urlpatterns = [
    path("auth/token/", apis.AuthTokenCreateApi.as_view(), name="auth-token"),
    path("auth/logout/", apis.AuthTokenDeleteApi.as_view(), name="auth-logout"),
    path("auth/logoutall/", apis.AuthTokensDeleteAllApi.as_view(), name="auth-logout-all"),
    path("me/", apis.MeDetailApi.as_view(), name="me"),
    path("applications/", apis.ApplicationCreateApi.as_view(), name="application-create"),
]

urlpatterns = [
    # First: the lecture-progress beat is the hottest route, and patterns are tried in order.
    path("", include("courses.urls")),
    path("health/", HealthView.as_view(), name="health"),
    path("metrics", views.metrics, name="metrics"),
    # The admins' login pages (and Wagtail's for restricted pages) hand over to the one allauth login,
    # the form django-axes throttles: before the admins' own patterns, which they shadow.
    path("django-admin/login/", views.django_admin_login, name="django-admin-login"),
    path("cms/login/", views.wagtail_admin_login, name="wagtail-admin-login"),
    path("_util/login/", views.site_login, name="site-login"),
    path("django-admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    # allauth's code pages, answering 400 to a refused code (lms.views): before allauth's own.
    path("accounts/2fa/authenticate/", views.mfa_authenticate, name="mfa_authenticate"),
    path("accounts/2fa/totp/activate/", views.mfa_totp_activate, name="mfa_activate_totp"),
    # allauth's account and two-factor pages; its social ones (VK ID, Yandex ID) only while a
    # provider is configured.
    path("accounts/", include("allauth.account.urls")),
    path("accounts/2fa/", include("allauth.mfa.urls")),
    path("accounts/", include("lms.social.urls")),
    path("apply/", views.application_create, name="apply"),
    path("cabinet/", views.cabinet, name="cabinet"),
    path("cabinet/timezone/", views.participant_timezone_change, name="cabinet-timezone"),
    path("cabinet/data/", include("lms.privacy.urls")),
    path("staff/personal-data/", privacy_views.staff_people, name="staff-people"),
    path("staff/personal-data/<int:user_id>/erase/", privacy_views.staff_person_erase, name="staff-person-erase"),
    path("api/v1/", include((api_urlpatterns, "lms"), namespace="lms-api")),
    path("", include("lms.hosts.urls")),
    path("", include("lms.candidacy.urls")),
    path("", include("lms.youthbodies.urls")),
    # Each app's urls.py carries its own pages and its /api/v1/ routes, so an app stays whole.
    path("", include("media.urls")),
    path("", include("live.urls")),
    path("", include("assessments.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # The split view serves its start-up script as a file (?script): no inline script under the CSP.
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="lms/swagger_ui.html", http_method_names=["get", "head"]
        ),
        name="api-docs",
    ),
]

if settings.DEBUG:
    # Only Wagtail's public images are served this way; lecture video is never under MEDIA_URL.
    urlpatterns += static(settings.MEDIA_URL + "images/", document_root=settings.MEDIA_ROOT / "images")
    urlpatterns += static(
        settings.MEDIA_URL + "original_images/", document_root=settings.MEDIA_ROOT / "original_images"
    )

urlpatterns += [path("", include("cms.urls"))]

# allauth's rate limits answer with it (allauth.core.ratelimit.respond_429 looks it up here).
handler429 = views.too_many_requests
# A database outage answers 503 (our page, or JSON for the API); any other error Django's 500.
handler500 = "lms.views.server_error"
