from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "siaga.core"
    label = "core"
    verbose_name = "Siaga core"

    def ready(self) -> None:
        from siaga.core import checks  # noqa: F401  (registers the system checks)
