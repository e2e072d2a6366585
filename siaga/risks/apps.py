from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "siaga.risks"
    label = "risks"
    verbose_name = "Risks"

    def ready(self) -> None:
        # The review reminder's notification kind and job must be known before the preferences
        # and jobs pages list them.
        from siaga.risks import checks, reminders, tasks  # noqa: F401

        reminders.register_notifications()
