"""API of notifications: the caller's preferences, webhooks and the delivery log."""

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.accounts.roles import principal_for
from siaga.audit.actions import record_sensitive_view
from siaga.core.apitools import MAX_ID, ObjectId, Page, Text, optional
from siaga.notifications import actions
from siaga.notifications.choices import DeliveryChannel, DeliveryStatus
from siaga.notifications.models import Delivery, Webhook
from siaga.organizations.api import OrganizationRef, UserRef
from siaga.organizations.models import Organization

router = Router(tags=["notifications"])

EventKinds = list[Text]


# --- Schemas ------------------------------------------------------------------------------------


class PreferenceOut(Schema):
    event_kind: str
    label: str
    email_enabled: bool


class PreferenceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    event_kind: Text = Field(max_length=60)
    email_enabled: bool


class PreferencesIn(Schema):
    model_config = ConfigDict(extra="forbid")

    preferences: list[PreferenceIn] = Field(
        max_length=100, description="The kinds to change; kinds left out keep their setting."
    )


class WebhookOut(Schema):
    id: int
    organization: OrganizationRef
    name: str
    url: str
    event_kinds: list[str]
    is_active: bool
    created_by: UserRef | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret. It is shown only in this answer.")

    @staticmethod
    def resolve_secret(obj: Webhook) -> str:
        return obj.new_secret  # type: ignore[attr-defined]


class WebhookIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organization: int = Field(
        ge=1, le=MAX_ID, description="Id of the organization that owns the webhook."
    )
    name: Text = Field(min_length=1, max_length=100)
    url: Text = Field(min_length=1, max_length=500, description="An https:// address.")
    event_kinds: EventKinds = Field(min_length=1, max_length=50)
    is_active: bool = True


class WebhookPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text = optional(min_length=1, max_length=100)
    url: Text = optional(min_length=1, max_length=500)
    event_kinds: EventKinds = optional(min_length=1, max_length=50)
    is_active: bool = optional()


class SecretOut(Schema):
    secret: str


class DeliveryOut(Schema):
    id: int
    uuid: str
    channel: DeliveryChannel
    event_kind: str
    organization: OrganizationRef | None
    recipient: UserRef | None
    address: str
    webhook_id: int | None
    language: str
    subject: str
    body: str
    payload: dict[str, Any]
    object_type: str
    object_id: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    response_status: int | None
    created_at: datetime
    sent_at: datetime | None

    @staticmethod
    def resolve_uuid(obj: Delivery) -> str:
        return str(obj.uuid)


class DeliveryFilter(FilterSchema):
    channel: DeliveryChannel = optional()
    status: DeliveryStatus = optional()
    event_kind: Text = optional(max_length=60)


def _preferences(user: Any) -> list[dict[str, Any]]:
    return [
        {"event_kind": event.kind, "label": str(event.label), "email_enabled": enabled}
        for event, enabled in actions.email_preferences(user)
    ]


# --- Preferences --------------------------------------------------------------------------------


@router.get(
    "/notification-preferences",
    response=list[PreferenceOut],
    operation_id="notification_preferences_get",
    summary="Get your notification preferences",
)
def get_preferences(request: HttpRequest) -> Any:
    """Every event kind, with whether you get e-mail about it."""
    return _preferences(request.user)


@router.put(
    "/notification-preferences",
    response=list[PreferenceOut],
    operation_id="notification_preferences_update",
    summary="Change your notification preferences",
)
def update_preferences(request: HttpRequest, payload: PreferencesIn) -> Any:
    choices = {item.event_kind: item.email_enabled for item in payload.preferences}
    actions.check_update_preferences(request.user, choices)
    return _preferences(request.user)


# --- Webhooks -----------------------------------------------------------------------------------


@router.get(
    "/webhooks",
    response=list[WebhookOut],
    operation_id="webhooks_list",
    summary="List webhooks",
)
@paginate(Page)
def list_webhooks(request: HttpRequest) -> Any:
    """The webhooks of the organizations whose webhooks you manage."""
    return (
        Webhook.objects.restrict(request.user, "view")
        .select_related("organization", "created_by")
        .order_by("organization__name", "name", "pk")
    )


@router.post(
    "/webhooks",
    response={201: WebhookCreated},
    operation_id="webhooks_create",
    summary="Create a webhook",
)
def create_webhook(request: HttpRequest, payload: WebhookIn) -> Any:
    """The answer holds the signing secret, which is not shown again (rotate it if lost)."""
    if not principal_for(request.user).has_perm("webhook.add"):
        raise PermissionDenied(_("You may not add webhooks."))
    organization = (
        Organization.objects.restrict(request.user, "view").filter(pk=payload.organization).first()
    )
    if organization is None:
        raise ValidationError({"organization": _("No such organization.")})
    data = payload.model_dump(exclude={"organization"})
    webhook, secret = actions.check_create_webhook(request.user, organization, data)
    webhook.new_secret = secret  # type: ignore[attr-defined]  # shown in this answer only
    return Status(201, webhook)


@router.get(
    "/webhooks/{id}", response=WebhookOut, operation_id="webhooks_get", summary="Get a webhook"
)
def get_webhook(request: HttpRequest, id: ObjectId) -> Any:
    return actions.access_webhook(request.user, id)


@router.patch(
    "/webhooks/{id}",
    response=WebhookOut,
    operation_id="webhooks_update",
    summary="Change a webhook",
)
def update_webhook(request: HttpRequest, id: ObjectId, payload: WebhookPatch) -> Any:
    """Send only the fields to change."""
    webhook = actions.access_webhook(request.user, id)
    return actions.check_update_webhook(
        request.user, webhook, payload.model_dump(exclude_unset=True)
    )


@router.delete(
    "/webhooks/{id}",
    response={204: None},
    operation_id="webhooks_delete",
    summary="Delete a webhook",
)
def delete_webhook(request: HttpRequest, id: ObjectId) -> Any:
    """Its delivery log stays; deliveries still waiting are given up."""
    actions.check_delete_webhook(request.user, actions.access_webhook(request.user, id))
    return Status(204, None)


@router.post(
    "/webhooks/{id}/rotate-secret",
    response=SecretOut,
    operation_id="webhooks_rotate_secret",
    summary="Replace a webhook's secret",
)
def rotate_webhook_secret(request: HttpRequest, id: ObjectId) -> Any:
    """The old secret stops working at once; the new one is shown only in this answer."""
    webhook = actions.access_webhook(request.user, id)
    return {"secret": actions.check_rotate_secret(request.user, webhook)}


# --- Deliveries ---------------------------------------------------------------------------------


@router.get(
    "/deliveries",
    response=list[DeliveryOut],
    operation_id="deliveries_list",
    summary="List notification deliveries",
)
@paginate(Page)
def list_deliveries(request: HttpRequest, filters: Query[DeliveryFilter]) -> Any:
    """Newest first: the e-mails and webhook calls you may see, with what was sent."""
    deliveries = filters.filter(actions.visible_deliveries(request.user))
    actions.record_delivery_listing(deliveries.count())
    return deliveries.select_related("recipient").order_by("-created_at", "-pk")


@router.get(
    "/deliveries/{id}",
    response=DeliveryOut,
    operation_id="deliveries_get",
    summary="Get a notification delivery",
)
def get_delivery(request: HttpRequest, id: ObjectId) -> Any:
    delivery = actions.access_delivery(request.user, id)
    record_sensitive_view(delivery)
    return delivery
