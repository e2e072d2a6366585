from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "siaga.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from siaga.accounts import signals  # noqa: F401  (login, logout and 2FA events → audit)
