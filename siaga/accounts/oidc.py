"""Optional OpenID Connect sign-in for agencies that run an identity provider.

Off unless SIAGA_OIDC_ENABLED is set. Only people who already have a Siaga account (through an
invitation) may sign in this way: the provider's verified e-mail address finds the account; no
account is ever created from a provider's claims. Staff still pass Siaga's own second factor.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from siaga.accounts.models import User


class SiagaOIDCBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims: dict[str, Any]) -> bool:
        # An unverified address could be anyone's: refuse it.
        return bool(claims.get("email")) and claims.get("email_verified", False) is True

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        email = str(claims.get("email", "")).strip().lower()
        if not email:
            return User.objects.none()
        return User.objects.filter(email__iexact=email, is_active=True)

    def create_user(self, claims: dict[str, Any]) -> None:
        return None
