from django.apps import AppConfig


class ConstituentsConfig(AppConfig):
    name = "siaga.constituents"
    label = "constituents"
    verbose_name = "Constituents"
