from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "siaga.assessments"
    label = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        # The notification kinds and the reminder job must be known before the preferences,
        # webhook and jobs pages list them.
        from siaga.assessments import notify, tasks  # noqa: F401

        notify.register_notifications()
