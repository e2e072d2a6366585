"""Pages of notifications: preferences, webhooks and the delivery log.

Views parse input, call an action from ``actions.py`` and render. An object outside the user's
scope is a 404; a visible object the user may not change is a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.accounts.roles import principal_for
from siaga.audit.actions import record_sensitive_view
from siaga.core.forms import add_validation_error
from siaga.notifications import actions
from siaga.notifications.filters import DeliveryFilterForm
from siaga.notifications.forms import PreferencesForm, WebhookForm
from siaga.notifications.models import Delivery, Webhook

PAGE_SIZE = 25
# The creator sees a new secret on the next page only; it is kept in the session until then.
SECRET_SESSION_KEY = "siaga_webhook_secret"  # noqa: S105  # a session key name


# --- Preferences ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        preferences=actions.email_preferences(request.user),
    )
    if form.is_bound and form.is_valid():
        try:
            actions.check_update_preferences(request.user, form.choices())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Notification settings saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


# --- Webhooks ------------------------------------------------------------------------------------


def _require(request: HttpRequest, permission: str) -> None:
    if not principal_for(request.user).has_perm(permission):
        raise PermissionDenied


@login_required
@require_GET
def webhook_list(request: HttpRequest) -> HttpResponse:
    _require(request, "webhook.view")
    webhooks = (
        Webhook.objects.restrict(request.user, "view")
        .select_related("organization")
        .order_by("organization__name", "name", "pk")
    )
    page = Paginator(webhooks, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "can_create": principal_for(request.user).has_perm("webhook.add"),
        "new_secret": request.session.pop(SECRET_SESSION_KEY, None),
    }
    return render(request, "notifications/webhook_list.html", context)


def _show_secret_once(request: HttpRequest, webhook: Webhook, secret: str) -> None:
    request.session[SECRET_SESSION_KEY] = {"webhook": webhook.name, "secret": secret}


@login_required
@require_http_methods(["GET", "POST"])
def webhook_create(request: HttpRequest) -> HttpResponse:
    _require(request, "webhook.add")
    form = WebhookForm(
        request.POST if request.method == "POST" else None,
        organizations=actions.webhook_organizations(request.user),
    )
    if form.is_bound and form.is_valid():
        try:
            webhook, secret = actions.check_create_webhook(
                request.user, form.organization(), form.changes()
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            _show_secret_once(request, webhook, secret)
            messages.success(request, _("Webhook created."))
            return redirect("notifications:webhook-list")
    return render(request, "notifications/webhook_form.html", {"form": form, "webhook": None})


@login_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = actions.access_webhook(request.user, pk)
    if not principal_for(request.user).has_perm("webhook.change", webhook.organization_id):
        raise PermissionDenied
    form = WebhookForm(request.POST if request.method == "POST" else None, instance=webhook)
    if form.is_bound and form.is_valid():
        try:
            actions.check_update_webhook(request.user, webhook, form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("notifications:webhook-list")
    return render(request, "notifications/webhook_form.html", {"form": form, "webhook": webhook})


@login_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = actions.access_webhook(request.user, pk)
    actions.check_delete_webhook(request.user, webhook)
    messages.success(request, _("Webhook %(name)s deleted.") % {"name": webhook.name})
    return redirect("notifications:webhook-list")


@login_required
@require_POST
def webhook_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = actions.access_webhook(request.user, pk)
    secret = actions.check_rotate_secret(request.user, webhook)
    _show_secret_once(request, webhook, secret)
    messages.success(request, _("New secret created; the old one no longer works."))
    return redirect("notifications:webhook-list")


@login_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    webhook = actions.access_webhook(request.user, pk)
    delivery = actions.check_test_webhook(request.user, webhook)
    messages.success(request, _("Test event queued; see the delivery log for the outcome."))
    if principal_for(request.user).has_perm("delivery.view", webhook.organization_id):
        return redirect("notifications:delivery-detail", pk=delivery.pk)
    return redirect("notifications:webhook-list")


# --- Deliveries ----------------------------------------------------------------------------------


@login_required
@require_GET
def delivery_list(request: HttpRequest) -> HttpResponse:
    _require(request, "delivery.view")
    filters = DeliveryFilterForm(request.GET)
    deliveries = filters.apply(actions.visible_deliveries(request.user)).order_by(
        "-created_at", "-pk"
    )
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    actions.record_delivery_listing(len(page.object_list))
    return render(request, "notifications/delivery_list.html", {"filters": filters, "page": page})


@login_required
@require_GET
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery: Delivery = actions.access_delivery(request.user, pk)
    record_sensitive_view(delivery)
    return render(request, "notifications/delivery_detail.html", {"delivery": delivery})
