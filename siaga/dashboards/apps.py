from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "siaga.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"

    def ready(self) -> None:
        from siaga.dashboards import signals

        signals.connect()
