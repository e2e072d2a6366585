from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    LOGIN = "login", _("Signed in")
    LOGOUT = "logout", _("Signed out")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOCKOUT = "lockout", _("Locked out")
    TWO_FACTOR_ENABLED = "2fa_enabled", _("Two-factor enabled")
    TWO_FACTOR_VERIFIED = "2fa_verified", _("Two-factor verified")
    TWO_FACTOR_FAILED = "2fa_failed", _("Two-factor failed")
    TWO_FACTOR_RECOVERY_USED = "2fa_recovery_used", _("Recovery code used")
    TWO_FACTOR_RESET = "2fa_reset", _("Two-factor reset")
    RECOVERY_CODES_RENEWED = "recovery_codes_renewed", _("Recovery codes renewed")
    PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    EXPORT = "export", _("Exported")
    VIEW = "view", _("Viewed sensitive object")
    JOB = "job", _("Job event")
