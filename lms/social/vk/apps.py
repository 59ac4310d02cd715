from django.apps import AppConfig


class VkIdConfig(AppConfig):
    # allauth's own VK app is labelled "vk"; ours must not collide with it should both be installed.
    name = "lms.social.vk"
    label = "social_vk"
    verbose_name = "VK ID"
