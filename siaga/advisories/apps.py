from django.apps import AppConfig


class AdvisoriesConfig(AppConfig):
    name = "siaga.advisories"
    label = "advisories"
    verbose_name = "Advisories"
