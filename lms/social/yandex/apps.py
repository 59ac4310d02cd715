from django.apps import AppConfig


class YandexIdConfig(AppConfig):
    # allauth's own Yandex app is labelled "yandex"; ours must not collide with it.
    name = "lms.social.yandex"
    label = "social_yandex"
    verbose_name = "Yandex ID"
