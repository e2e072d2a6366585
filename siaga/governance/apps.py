from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "siaga.governance"
    label = "governance"
    verbose_name = "Coordination group"

    def ready(self) -> None:
        # The reminder kinds and job must be known before the preferences and jobs pages list them.
        from siaga.governance import reminders, tasks  # noqa: F401

        reminders.register_notifications()
