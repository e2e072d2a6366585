"""API of the signed-in user's own account: profile, preferences and API tokens."""

from datetime import datetime, timedelta
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.accounts import actions
from siaga.accounts.actions import MAX_TOKEN_DAYS
from siaga.accounts.choices import LanguageChoice, TimeZoneChoice, TokenScope
from siaga.accounts.models import ApiToken, User
from siaga.core.apitools import MAX_ID, ObjectId, Page, Text, optional
from siaga.organizations.api import RoleInOrganization, UserRef, visible_memberships

router = Router(tags=["accounts"])


# --- Schemas ------------------------------------------------------------------------------------


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    phone: str
    language: LanguageChoice
    time_zone: TimeZoneChoice
    memberships: list[RoleInOrganization]

    @staticmethod
    def resolve_memberships(obj: User) -> list[Any]:
        return visible_memberships(obj, obj)


class MePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    full_name: Text = optional(min_length=1, max_length=200)
    phone: Text = optional(max_length=40)
    language: LanguageChoice = optional()
    time_zone: TimeZoneChoice = optional()


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it by.")
    scope: TokenScope
    status: Literal["active", "expired", "revoked"]
    user: UserRef
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    last_used_ip: str | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret. It is shown this once and cannot be shown again.")


class TokenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=100)
    scope: TokenScope = TokenScope.READ
    expires_in_days: int | None = Field(
        None, ge=1, le=MAX_TOKEN_DAYS, description="Leave out for a token that does not expire."
    )


class TokenFilter(FilterSchema):
    user_id: int = optional(ge=1, le=MAX_ID, description="Only this user's tokens.")
    status: Literal["active", "expired", "revoked"] = optional()

    def filter_status(self, value: str | None) -> Q:
        now = timezone.now()
        unexpired = Q(expires_at=None) | Q(expires_at__gt=now)
        if value == "active":
            return Q(revoked_at=None) & unexpired
        if value == "expired":
            return Q(revoked_at=None, expires_at__lte=now)
        if value == "revoked":
            return Q(revoked_at__isnull=False)
        return Q()


# --- Profile --------------------------------------------------------------------------------------


@router.get("/me", response=MeOut, operation_id="me_get", summary="Get your profile")
def get_me(request: HttpRequest) -> Any:
    """You, your memberships (organization and role), language and time zone."""
    return request.user


@router.patch("/me", response=MeOut, operation_id="me_update", summary="Change your preferences")
def update_me(request: HttpRequest, payload: MePatch) -> Any:
    """Send only the fields to change."""
    data = payload.model_dump(mode="json", exclude_unset=True)
    return actions.check_update_preferences(request.user, data)  # type: ignore[arg-type]


# --- Tokens ---------------------------------------------------------------------------------------


@router.get(
    "/tokens", response=list[TokenOut], operation_id="tokens_list", summary="List API tokens"
)
@paginate(Page)
def list_tokens(request: HttpRequest, filters: Query[TokenFilter]) -> Any:
    """Your tokens, newest first (an administrator sees everyone's)."""
    tokens = ApiToken.objects.restrict(request.user, "view").select_related("user")
    return filters.filter(tokens).order_by("-created_at", "-pk")


@router.post(
    "/tokens",
    response={201: TokenCreatedOut},
    operation_id="tokens_create",
    summary="Create an API token",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    """The answer holds the token itself, this once.

    A token may create another only if it may write, and the new one must expire no later than it.
    """
    _check_not_outliving(request, payload.expires_in_days)
    token, raw = actions.check_create_token(
        request.user, payload.name, payload.scope.value, payload.expires_in_days
    )
    token.token = raw  # type: ignore[attr-defined]  # only on this answer, never stored
    return Status(201, token)


def _check_not_outliving(request: HttpRequest, expires_in_days: int | None) -> None:
    # Otherwise a short-lived token could mint a lasting one and outlive its own expiry.
    creator = getattr(request, "auth", None)
    if not isinstance(creator, ApiToken) or creator.expires_at is None:
        return
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    if expires_at is None or expires_at > creator.expires_at:
        raise ValidationError(
            {"expires_in_days": _("A token cannot create a token that outlives it.")}
        )


@router.delete(
    "/tokens/{id}",
    response={204: None},
    operation_id="tokens_revoke",
    summary="Revoke an API token",
)
def revoke_token(request: HttpRequest, id: ObjectId) -> Any:
    token = actions.access_token(request.user, id)
    actions.check_revoke_token(request.user, token)
    return Status(204, None)
