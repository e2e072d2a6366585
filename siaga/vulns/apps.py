from django.apps import AppConfig


class VulnsConfig(AppConfig):
    name = "siaga.vulns"
    label = "vulns"
    verbose_name = "Vulnerabilities"
