from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from lms.social.yandex.provider import YandexIdProvider

urlpatterns = default_urlpatterns(YandexIdProvider)
