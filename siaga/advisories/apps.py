from django.apps import AppConfig


class AdvisoriesConfig(AppConfig):
    name = "siaga.advisories"
    label = "advisories"
    verbose_name = "Advisories"

    def ready(self) -> None:
        # The notification kinds (published, updated, withdrawn, reminder, need help, returned) and
        # the reminder job must be known before the preferences and webhook pages list them.
        from siaga.advisories import distribution, tasks  # noqa: F401

        distribution.register_notifications()
