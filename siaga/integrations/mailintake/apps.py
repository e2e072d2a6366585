from django.apps import AppConfig


class MailIntakeConfig(AppConfig):
    """E-mail intake of incident reports (no models: it files reports through the incidents app)."""

    name = "siaga.integrations.mailintake"
    label = "mailintake"
    verbose_name = "Mail intake"
