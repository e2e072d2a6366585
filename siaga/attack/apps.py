from django.apps import AppConfig


class AttackConfig(AppConfig):
    name = "siaga.attack"
    label = "attack"
    verbose_name = "MITRE ATT&CK"
