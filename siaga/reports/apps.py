from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "siaga.reports"
    label = "reports"
    verbose_name = "Sector reports"

    def ready(self) -> None:
        # The notification kind and the "generate" job must be known before the preferences and
        # jobs pages list them.
        from siaga.reports import notifications, tasks  # noqa: F401

        notifications.register_notifications()
