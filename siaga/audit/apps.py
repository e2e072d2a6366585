from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "siaga.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from siaga.audit import signals

        signals.connect_model_signals()
