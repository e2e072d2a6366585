from django.apps import AppConfig


class TaxiiClientConfig(AppConfig):
    name = "siaga.integrations.taxiiclient"
    label = "taxiiclient"
    verbose_name = "TAXII client"
