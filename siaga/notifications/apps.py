from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "siaga.notifications"
    label = "notifications"
    verbose_name = "Notifications"
