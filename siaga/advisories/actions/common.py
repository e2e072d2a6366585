"""What the advisories' actions share: limits, tracking ids, and which advisories a user may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy

from siaga.accounts.roles import principal_for
from siaga.advisories.choices import AdvisoryStatus
from siaga.advisories.models import (
    LANGUAGES,
    TEXT_FIELDS,
    Advisory,
    AdvisoryRecipient,
)
from siaga.incidents.models.sequences import next_number, tracking_year

TRACKING_KIND = "advisory"  # its own counter per year (siaga.incidents sequences)
TEXT_NAMES = tuple(f"{name}_{language}" for language in LANGUAGES for name in TEXT_FIELDS)
FIELDS = (
    "kind",
    "severity",
    "tlp",
    *TEXT_NAMES,
    "target_inventory",
    "target_all",
    "target_constituent_types",
    "target_provinces",
    "target_vital_only",
)
RELATIONS = (
    "cves",
    "products",
    "references",
    "attack_techniques",
    "incidents",
    "indicators",
    "target_organizations",
)
PRODUCT_FIELDS = ("vendor", "product", "versions", "fixed_in", "cpe", "purl")
MAX_ITEMS = 500  # CVEs, products, references or links in one advisory
EDITABLE = frozenset({AdvisoryStatus.DRAFT, AdvisoryStatus.PUBLISHED})
# Lazy: said in the language of whoever is refused, not of the process that imported this.
RED_REFUSED = gettext_lazy(
    "An advisory cannot be TLP:RED: TLP:RED is for named people only, and an advisory goes to "
    "organizations. Use TLP:AMBER+STRICT and name the constituents that may receive it."
)


class FourEyesError(PermissionDenied):
    """The approver wrote or submitted the advisory: a second person must approve it."""


def format_tracking_id(year: int, number: int) -> str:
    return f"{settings.SIAGA_TRACKING_PREFIX}-ADV-{year}-{number:04d}"


def allocate_tracking_id(moment: datetime | None = None) -> str:
    """The next advisory id of the year; inside the creating transaction (gapless)."""
    year = tracking_year(moment)
    return format_tracking_id(year, next_number(TRACKING_KIND, year))


# --- Access --------------------------------------------------------------------------------------


def visible_advisories(user: Any) -> QuerySet[Advisory]:
    """The CERT: every advisory; a constituent: those published to it."""
    return Advisory.objects.restrict(user, "view").select_related("organization")


def access_advisory(user: Any, pk: int, action: str = "view") -> Advisory:
    return get_object_or_404(Advisory.objects.restrict(user, action), pk=pk)


def sees_working_copy(user: Any, advisory: Advisory) -> bool:
    """The issuer's staff (and auditors) read the working copy; everyone else the last revision."""
    return principal_for(user).has_perm("advisory.view", advisory.organization_id)


def reads_working_copies(user: Any) -> bool:
    """Whether the user reads every advisory's working copy (the CERT's staff and auditors)."""
    return principal_for(user).scopes("advisory.view").all


def received_by(user: Any, advisory: Advisory, action: str = "view") -> QuerySet[AdvisoryRecipient]:
    """The recipient rows of this advisory the user may see (or answer, with ``change``)."""
    return (
        AdvisoryRecipient.objects.restrict(user, action)
        .filter(advisory=advisory)
        .select_related("organization")
    )


def visible_recipients(user: Any, advisory: Advisory) -> QuerySet[AdvisoryRecipient]:
    return received_by(user, advisory).order_by("organization__name")
