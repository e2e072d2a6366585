from django.apps import AppConfig


class IntelConfig(AppConfig):
    name = "siaga.intel"
    label = "intel"
    verbose_name = "Threat intelligence"
