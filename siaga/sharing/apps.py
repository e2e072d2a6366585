from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "siaga.sharing"
    label = "sharing"
    verbose_name = "Sharing"
