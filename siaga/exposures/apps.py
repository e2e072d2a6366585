from django.apps import AppConfig


class ExposuresConfig(AppConfig):
    name = "siaga.exposures"
    label = "exposures"
    verbose_name = "Exposures"

    def ready(self) -> None:
        # The notification kind of new findings, and the job kinds (registered when the tasks
        # module is imported).
        from siaga.exposures import actions, tasks  # noqa: F401

        actions.register_notifications()
