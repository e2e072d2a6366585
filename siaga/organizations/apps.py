from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "siaga.organizations"
    label = "organizations"
    verbose_name = "Organizations"
