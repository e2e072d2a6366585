from django.apps import AppConfig


class ConstituentsConfig(AppConfig):
    name = "siaga.constituents"
    label = "constituents"
    verbose_name = "Constituents"

    def ready(self) -> None:
        from siaga.constituents.signals import connect_signals

        connect_signals()
