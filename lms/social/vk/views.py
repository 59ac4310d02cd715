"""VK ID's OAuth 2.0 endpoints from the settings (allauth's adapter names them in its class)."""

from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.vk.views import VKOAuth2Adapter

from lms.social.endpoints import ProviderEndpoint, when_on


class VkIdOAuth2Adapter(VKOAuth2Adapter):
    authorize_url = ProviderEndpoint("AUTHORIZE_URL")
    access_token_url = ProviderEndpoint("ACCESS_TOKEN_URL")
    profile_url = ProviderEndpoint("PROFILE_URL")


oauth2_login = when_on(OAuth2LoginView.adapter_view(VkIdOAuth2Adapter), "vk")
oauth2_callback = when_on(OAuth2CallbackView.adapter_view(VkIdOAuth2Adapter), "vk")
