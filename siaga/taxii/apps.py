from django.apps import AppConfig


class TaxiiConfig(AppConfig):
    name = "siaga.taxii"
    label = "taxii"
    verbose_name = "TAXII"
