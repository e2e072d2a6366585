from django.apps import AppConfig


class CorrelationConfig(AppConfig):
    name = "siaga.correlation"
    label = "correlation"
    verbose_name = "Correlation"
