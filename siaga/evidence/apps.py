from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "siaga.evidence"
    label = "evidence"
    verbose_name = "Evidence"
