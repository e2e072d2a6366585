from django.apps import AppConfig


class MispConfig(AppConfig):
    name = "siaga.integrations.misp"
    label = "misp"
    verbose_name = "MISP interoperability"
