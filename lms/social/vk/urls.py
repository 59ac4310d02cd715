from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from lms.social.vk.provider import VkIdProvider

urlpatterns = default_urlpatterns(VkIdProvider)
