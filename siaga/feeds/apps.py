from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "siaga.feeds"
    label = "feeds"
    verbose_name = "Feeds"
