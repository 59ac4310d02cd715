"""allauth's social pages (sign-up completion, connections, a cancelled or failed login) and each
provider's login and callback, under /accounts/ as allauth lays them out. A provider that is off
answers 404, and so do the shared pages while every provider is off (lms.social.endpoints)."""

from importlib import import_module

from allauth.socialaccount import views
from allauth.socialaccount.providers import registry
from django.urls import path

from lms.social import views as social_views
from lms.social.endpoints import when_on

urlpatterns = [
    path("3rdparty/login/cancelled/", when_on(views.login_cancelled), name="socialaccount_login_cancelled"),
    path("3rdparty/login/error/", when_on(views.login_error), name="socialaccount_login_error"),
    path("3rdparty/signup/", when_on(views.signup), name="socialaccount_signup"),
    path("3rdparty/", when_on(social_views.connections), name="socialaccount_connections"),
]
for provider_class in registry.get_class_list():
    urlpatterns += import_module(f"{provider_class.get_package()}.urls").urlpatterns
