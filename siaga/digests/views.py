"""Pages of feed digests: the list, one digest with its advice and items, its CSV, and the
subscriptions a constituent's administrator manages.

Views parse input, call ``actions`` and render. Digests come from ``Digest.objects.restrict``: the
CERT sees every digest, a constituent its own; another's digest is a 404.
"""

from __future__ import annotations

import itertools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from siaga.accounts.roles import principal_for
from siaga.audit.actions import record_export
from siaga.constituents.models import Contact
from siaga.core.forms import add_validation_error
from siaga.digests import actions
from siaga.digests.forms import SubscriptionForm
from siaga.digests.models import Digest, DigestSubscription

PAGE_SIZE = 50
ITEMS_SHOWN = 200  # the page shows the first events; the CSV has them all


def _require(request: HttpRequest, permission: str) -> None:
    if not principal_for(request.user).has_perm(permission):
        raise PermissionDenied


def _language() -> str:
    return (get_language() or "id").split("-")[0]


@login_required
@require_GET
def digest_list(request: HttpRequest) -> HttpResponse:
    _require(request, "digest.view")
    digests = actions.visible_digests(request.user).order_by("-period_end", "-pk")
    page = Paginator(digests, PAGE_SIZE).get_page(request.GET.get("page"))
    statuses = actions.delivery_statuses(list(page.object_list))
    rows = [(digest, statuses.get(digest.pk, [])) for digest in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "can_manage": principal_for(request.user).has_perm("digestsubscription.view"),
    }
    return render(request, "digests/list.html", context)


@login_required
@require_GET
def digest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    digest = actions.access_digest(request.user, pk)
    rows = list(itertools.islice(actions.digest_rows(digest), ITEMS_SHOWN))
    context = {
        "digest": digest,
        "summary": actions.summary_with_advice(digest, _language()),
        "items": rows,
        "more_items": digest.event_count > len(rows),
        "statuses": actions.delivery_statuses([digest]).get(digest.pk, []),
    }
    return render(request, "digests/detail.html", context)


def csv_response(digest: Digest) -> StreamingHttpResponse:
    """The digest's CSV as a download; the export goes to the audit trail first."""
    record_export("digests.digest", digest.event_count, {"ticket": digest.ticket})
    response = StreamingHttpResponse(
        itertools.chain(["\ufeff"], actions.digest_csv_lines(digest)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{actions.csv_filename(digest)}"'
    return response


@login_required
@require_GET
def digest_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    return csv_response(actions.access_digest(request.user, pk))


@login_required
@require_GET
def subscription_list(request: HttpRequest) -> HttpResponse:
    _require(request, "digestsubscription.view")
    subscriptions = actions.visible_subscriptions(request.user)
    page = Paginator(subscriptions, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "can_create": principal_for(request.user).has_perm("digestsubscription.add"),
    }
    return render(request, "digests/subscription_list.html", context)


def _contacts(request: HttpRequest, organization_id: int | None = None) -> object:
    contacts = Contact.objects.restrict(request.user, "view").filter(is_active=True)
    if organization_id is not None:
        contacts = contacts.filter(organization_id=organization_id)
    return contacts.select_related("organization").order_by("organization__name", "name")


@login_required
@require_http_methods(["GET", "POST"])
def subscription_create(request: HttpRequest) -> HttpResponse:
    _require(request, "digestsubscription.add")
    organizations = actions.subscription_organizations(request.user)
    form = SubscriptionForm(
        request.POST if request.method == "POST" else None,
        organizations=organizations,
        contacts=_contacts(request).filter(organization__in=organizations),  # type: ignore[attr-defined]
    )
    if form.is_bound and form.is_valid():
        try:
            actions.check_create_subscription(request.user, form.organization(), form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Digest subscription created."))
            return redirect("digests:subscriptions")
    context = {"form": form, "subscription": None}
    return render(request, "digests/subscription_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    subscription: DigestSubscription = actions.access_subscription(request.user, pk, "change")
    form = SubscriptionForm(
        request.POST if request.method == "POST" else None,
        instance=subscription,
        contacts=_contacts(request, subscription.organization_id),
    )
    if form.is_bound and form.is_valid():
        try:
            actions.check_update_subscription(request.user, subscription, form.changes())
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Digest subscription saved."))
            return redirect("digests:subscriptions")
    context = {"form": form, "subscription": subscription}
    return render(request, "digests/subscription_form.html", context)
