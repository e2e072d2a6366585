from django.apps import AppConfig


class DigestsConfig(AppConfig):
    name = "siaga.digests"
    label = "digests"
    verbose_name = "Digests"

    def ready(self) -> None:
        # The notification kind, its e-mail and its CSV attachment (see siaga.notifications.events),
        # and the job kind (registered when the tasks module is imported).
        from siaga.digests import actions, tasks  # noqa: F401

        actions.register_notifications()
