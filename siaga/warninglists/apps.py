from django.apps import AppConfig


class WarninglistsConfig(AppConfig):
    name = "siaga.warninglists"
    label = "warninglists"
    verbose_name = "Warninglists"
