from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "siaga.incidents"
    label = "incidents"
    verbose_name = "Incidents"
