from django.apps import AppConfig


class ExposuresConfig(AppConfig):
    name = "siaga.exposures"
    label = "exposures"
    verbose_name = "Exposures"
