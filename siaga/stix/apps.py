from django.apps import AppConfig


class StixConfig(AppConfig):
    name = "siaga.stix"
    label = "stix"
    verbose_name = "STIX store"
