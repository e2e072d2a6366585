from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "siaga.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from siaga.jobs import worker  # noqa: F401  (worker heartbeat signals)

        autodiscover_modules("tasks")  # each app's tasks.py registers its job kinds
