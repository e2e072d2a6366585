"""Pages of the constituent registry.

Views parse input, call an action from ``actions.py`` and render. An object outside the user's
scope is a 404 (its existence is not revealed); a visible object the user may not change is a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siaga.accounts.roles import principal_for
from siaga.audit.actions import record_personal_data_listing, record_sensitive_view
from siaga.constituents import actions
from siaga.constituents.filters import ConstituentFilterForm, InventoryFilterForm
from siaga.constituents.forms import (
    AssetForm,
    ContactForm,
    InventoryImportForm,
    InventoryItemForm,
    LookupForm,
    ProfileForm,
    ReviewForm,
)
from siaga.constituents.inventory_csv import InventoryCsvError
from siaga.constituents.models import Contact, InventoryItem
from siaga.core.forms import add_validation_error
from siaga.organizations.models import Organization

PAGE_SIZE = 25


def _form_data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _require(user: Any, permission: str, organization_id: int | None = None) -> None:
    if not principal_for(user).has_perm(permission, organization_id):
        raise PermissionDenied


# --- The registry --------------------------------------------------------------------------------


@login_required
@require_GET
def constituent_list(request: HttpRequest) -> HttpResponse:
    filters = ConstituentFilterForm(request.GET)
    constituents = filters.apply(actions.visible_constituents(request.user)).order_by("name")
    page = Paginator(constituents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "constituents/list.html", {"filters": filters, "page": page})


@login_required
@require_GET
def constituent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization = actions.access_constituent(request.user, pk)
    principal = principal_for(request.user)
    contacts = list(actions.visible_contacts(request.user, organization).order_by("name", "pk"))
    record_personal_data_listing(organization, len(contacts))  # names, e-mail, phone numbers
    assets = actions.attach_overlaps(
        request.user, list(actions.visible_assets(request.user).filter(organization=organization))
    )
    inventory = (
        actions.visible_inventory(request.user, organization)
        .values("criticality")
        .annotate(count=Count("pk"))
        .order_by("criticality")
    )
    context = {
        "organization": organization,
        "profile": actions.profile_of(organization),
        "contacts": contacts,
        "assets": assets,
        "inventory_counts": {row["criticality"]: row["count"] for row in inventory},
        "inventory_total": sum(row["count"] for row in inventory),
        "can_edit_profile": principal.has_perm("constituentprofile.change", organization.pk),
        "can_add_contact": principal.has_perm("contact.add", organization.pk),
        "can_change_contact": principal.has_perm("contact.change", organization.pk),
        "can_add_asset": principal.has_perm("networkasset.add", organization.pk),
        "can_remove_asset": principal.has_perm("networkasset.delete", organization.pk),
        "can_review": actions.may_review_assets(request.user),
    }
    return render(request, "constituents/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organization = actions.access_constituent(request.user, pk)
    _require(request.user, "constituentprofile.change", organization.pk)
    form = ProfileForm(_form_data(request), instance=actions.profile_of(organization))
    if form.is_bound and form.is_valid():
        try:
            actions.check_update_profile(request.user, organization, form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("constituents:detail", pk=organization.pk)
    return render(
        request,
        "constituents/form.html",
        {"form": form, "organization": organization, "title": _("Edit profile")},
    )


# --- Contacts ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    organization = actions.access_constituent(request.user, pk)
    _require(request.user, "contact.add", organization.pk)
    form = ContactForm(_form_data(request))
    if form.is_bound and form.is_valid():
        try:
            actions.check_create_contact(request.user, organization, form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Contact added."))
            return redirect("constituents:detail", pk=organization.pk)
    return render(
        request,
        "constituents/form.html",
        {"form": form, "organization": organization, "title": _("New contact")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = actions.access_contact(request.user, pk)
    _require(request.user, "contact.change", contact.organization_id)
    record_sensitive_view(contact)
    form = ContactForm(_form_data(request), instance=Contact.objects.get(pk=contact.pk))
    if form.is_bound and form.is_valid():
        try:
            actions.check_update_contact(request.user, contact, form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("constituents:detail", pk=contact.organization_id)
    context = {
        "form": form,
        "organization": contact.organization,
        "title": _("Edit contact"),
        "delete_url_name": "constituents:contact-delete",
        "delete_pk": contact.pk,
    }
    return render(request, "constituents/form.html", context)


@login_required
@require_POST
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = actions.access_contact(request.user, pk)
    actions.check_delete_contact(request.user, contact)
    messages.success(request, _("Contact removed."))
    return redirect("constituents:detail", pk=contact.organization_id)


# --- Network assets ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def asset_create(request: HttpRequest, pk: int) -> HttpResponse:
    organization = actions.access_constituent(request.user, pk)
    _require(request.user, "networkasset.add", organization.pk)
    form = AssetForm(_form_data(request))
    if form.is_bound and form.is_valid():
        try:
            asset = actions.check_add_asset(
                request.user, organization, form.cleaned_data["kind"], form.cleaned_data["value"]
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            if asset.is_registered:
                messages.success(request, _("%(value)s registered.") % {"value": asset.value})
            else:
                messages.success(
                    request,
                    _("%(value)s was sent to the CERT for review.") % {"value": asset.value},
                )
            return redirect("constituents:detail", pk=organization.pk)
    return render(
        request,
        "constituents/form.html",
        {"form": form, "organization": organization, "title": _("New network asset")},
    )


@login_required
@require_POST
def asset_remove(request: HttpRequest, pk: int) -> HttpResponse:
    asset = actions.access_asset(request.user, pk)
    try:
        outcome = actions.check_remove_asset(request.user, asset)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if outcome.deleted:
            messages.success(request, _("%(value)s removed.") % {"value": asset.value})
        else:
            messages.success(
                request,
                _("The removal of %(value)s was sent to the CERT for review.")
                % {"value": asset.value},
            )
    return redirect("constituents:detail", pk=asset.organization_id)


@login_required
@require_GET
def asset_review_queue(request: HttpRequest) -> HttpResponse:
    queue = actions.review_queue(request.user)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    assets = actions.attach_overlaps(request.user, list(page.object_list))
    return render(
        request,
        "constituents/review_queue.html",
        {"page": page, "assets": assets, "review_form": ReviewForm()},
    )


@login_required
@require_POST
def asset_review(request: HttpRequest, pk: int) -> HttpResponse:
    asset = actions.access_asset(request.user, pk)
    if not actions.may_review_assets(request.user):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject; a note has at most 1000 characters."))
        return redirect("constituents:asset-review-queue")
    try:
        outcome = actions.check_review_asset(
            request.user, asset, form.cleaned_data["decision"], form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if outcome.deleted:
            messages.success(request, _("%(value)s removed.") % {"value": asset.value})
        else:
            messages.success(
                request,
                _("%(value)s is now %(status)s.")
                % {"value": asset.value, "status": outcome.asset.get_status_display()},
            )
    return redirect("constituents:asset-review-queue")


# --- Inventory -----------------------------------------------------------------------------------


@login_required
@require_GET
def inventory_list(request: HttpRequest, pk: int) -> HttpResponse:
    organization = actions.access_constituent(request.user, pk)
    principal = principal_for(request.user)
    filters = InventoryFilterForm(request.GET)
    items = filters.apply(actions.visible_inventory(request.user, organization))
    page = Paginator(items.order_by("kind", "name", "product", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "organization": organization,
        "filters": filters,
        "page": page,
        "can_add": principal.has_perm("inventoryitem.add", organization.pk),
        "can_change": principal.has_perm("inventoryitem.change", organization.pk),
        "can_import": principal.has_perm("inventoryitem.add", organization.pk)
        and principal.has_perm("inventoryitem.change", organization.pk),
    }
    return render(request, "constituents/inventory.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def inventory_create(request: HttpRequest, pk: int) -> HttpResponse:
    organization = actions.access_constituent(request.user, pk)
    _require(request.user, "inventoryitem.add", organization.pk)
    form = InventoryItemForm(_form_data(request))
    if form.is_bound and form.is_valid():
        try:
            actions.check_create_item(request.user, organization, form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Inventory item added."))
            return redirect("constituents:inventory", pk=organization.pk)
    return render(
        request,
        "constituents/form.html",
        {"form": form, "organization": organization, "title": _("New inventory item")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def inventory_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = actions.access_item(request.user, pk)
    _require(request.user, "inventoryitem.change", item.organization_id)
    form = InventoryItemForm(_form_data(request), instance=InventoryItem.objects.get(pk=item.pk))
    if form.is_bound and form.is_valid():
        try:
            actions.check_update_item(request.user, item, form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Inventory item saved."))
            return redirect("constituents:inventory", pk=item.organization_id)
    context = {
        "form": form,
        "organization": item.organization,
        "title": _("Edit inventory item"),
        "delete_url_name": "constituents:inventory-delete",
        "delete_pk": item.pk,
    }
    return render(request, "constituents/form.html", context)


@login_required
@require_POST
def inventory_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = actions.access_item(request.user, pk)
    actions.check_delete_item(request.user, item)
    messages.success(request, _("Inventory item removed."))
    return redirect("constituents:inventory", pk=item.organization_id)


@login_required
@require_http_methods(["GET", "POST"])
def inventory_import(request: HttpRequest, pk: int) -> HttpResponse:
    organization = actions.access_constituent(request.user, pk)
    _require(request.user, "inventoryitem.add", organization.pk)
    _require(request.user, "inventoryitem.change", organization.pk)
    form = InventoryImportForm(_form_data(request), request.FILES or None)
    row_errors: list[Any] = []
    if form.is_bound and form.is_valid():
        try:
            result = actions.check_import_inventory(
                request.user, organization, form.cleaned_data["file"].read()
            )
        except InventoryCsvError as exc:
            row_errors = exc.errors
            form.add_error("file", _("Nothing was imported; correct the rows below and try again."))
        else:
            messages.success(
                request,
                _("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("constituents:inventory", pk=organization.pk)
    context = {"form": form, "organization": organization, "row_errors": row_errors}
    return render(request, "constituents/inventory_import.html", context)


@login_required
@require_GET
def inventory_export(request: HttpRequest, pk: int) -> HttpResponse:
    organization: Organization = actions.access_constituent(request.user, pk)
    text = actions.check_export_inventory(request.user, organization)
    filename = f"inventory-{organization.pk}-{timezone.now():%Y%m%d}.csv"
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Lookup --------------------------------------------------------------------------------------


@login_required
@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    _require(request.user, "networkasset.lookup")
    form = LookupForm(request.GET or None)
    query = owners = None
    if form.is_bound and form.is_valid():
        try:
            query, owners = actions.check_lookup(request.user, form.cleaned_data["value"])
        except ValidationError as exc:
            add_validation_error(form, exc)
    return render(
        request, "constituents/lookup.html", {"form": form, "query": query, "owners": owners}
    )
