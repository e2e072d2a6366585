"""Exports as STIX 2.1 bundles: who may export what, and the audit entry of each export.

What a user may export is exactly what ``restrict(user, "view")`` returns to them, provided they
hold the export permission of that kind of object (``indicator.export``, ``incident.export``,
``stixobject.export``). TLP:RED rows therefore only reach their named recipients, and an
organization's own-organization AMBER rows never reach another organization. Each export is
written to the audit trail (with its filters and how many rows) before the first byte goes out,
so an export cut short is still on record.

The bundles are streamed: ``iter_bundle`` writes one object at a time and the rows are read in
chunks of ``EXPORT_CHUNK``, so an export of a million indicators holds a few thousand in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.audit.actions import do_record_event, record_export
from siaga.audit.choices import AuditAction
from siaga.core.observables import ObservableType
from siaga.incidents.models import Incident
from siaga.intel.models import Indicator
from siaga.sharing.choices import TLP
from siaga.stix import exporter
from siaga.stix.models import StixObject

EXPORT_CHUNK = 2000
STIX_TYPE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}[a-z0-9]")


def _require(user: Any, permission: str, message: str) -> None:
    if not principal_for(user).has_perm(permission):
        raise PermissionDenied(message)


def may_export_anything(user: Any) -> bool:
    principal = principal_for(user)
    return any(
        principal.has_perm(permission)
        for permission in ("indicator.export", "incident.export", "stixobject.export")
    )


# --- Indicators ----------------------------------------------------------------------------------


def exportable_indicators(
    user: Any, *, kind: str = "", tlp: str = "", since: datetime | None = None
) -> QuerySet[Indicator]:
    """The indicators the user sees, narrowed by type, TLP and last change; bad filters refused."""
    if kind and kind not in ObservableType.values:
        raise ValidationError({"type": _("Unknown indicator type %(type)s.") % {"type": kind}})
    if tlp and tlp not in TLP.values:
        raise ValidationError({"tlp": _("Unknown TLP level %(tlp)s.") % {"tlp": tlp}})
    indicators = Indicator.objects.restrict(user, "view")
    if kind:
        indicators = indicators.filter(type=kind)
    if tlp:
        indicators = indicators.filter(tlp=tlp)
    if since is not None:
        indicators = indicators.filter(updated_at__gte=since)
    # The columns the exporter does not read are left in the database.
    unused = ("value_key", "warninglists", "source_ref", "rsit", "alerting")
    return indicators.select_related("organization").defer(*unused).order_by("pk")


def check_export_indicators(user: Any, filters: dict[str, Any]) -> Iterator[str]:
    """The bundle of the indicators the user may export (``filters``: type, tlp, since)."""
    _require(user, "indicator.export", _("You may not export indicators."))
    indicators = exportable_indicators(
        user,
        kind=filters.get("type") or "",
        tlp=filters.get("tlp") or "",
        since=filters.get("since"),
    )
    record_export("intel.indicator", indicators.count(), {"format": "stix", **filters})

    def objects() -> Iterator[dict[str, Any]]:
        for indicator in indicators.iterator(chunk_size=EXPORT_CHUNK):
            yield from exporter.indicator_to_stix(indicator)

    return exporter.iter_bundle(objects())


# --- Incidents -----------------------------------------------------------------------------------


def check_export_incident(user: Any, pk: int) -> dict[str, Any]:
    """One incident as a bundle; 404 if the user cannot see it, 403 without the permission."""
    incident = get_object_or_404(Incident.objects.restrict(user, "view"), pk=pk)
    _require(user, "incident.export", _("You may not export incidents."))
    document = exporter.bundle(exporter.incident_to_stix(incident))
    do_record_event(
        AuditAction.EXPORT,
        incident,
        changes={"format": "stix", "objects": len(document["objects"])},
    )
    return document


# --- Objects of the STIX store ------------------------------------------------------------------


def check_stix_type(stix_type: str) -> str:
    if stix_type and not STIX_TYPE.fullmatch(stix_type):
        raise ValidationError({"type": _("Enter a STIX type such as indicator or attack-pattern.")})
    return stix_type


def check_export_store_objects(user: Any, stix_type: str = "") -> Iterator[str]:
    """The latest versions of the store's objects the user sees, of one type or all, copied
    into a bundle as stored (no re-serialization)."""
    _require(user, "stixobject.export", _("You may not export STIX objects."))
    check_stix_type(stix_type)
    rows = StixObject.objects.restrict(user, "view").filter(is_latest=True)
    if stix_type:
        rows = rows.filter(type=stix_type)
    rows = rows.order_by("pk")
    record_export("stix.stixobject", rows.count(), {"format": "stix", "type": stix_type})
    values = rows.values_list("stix_id", "raw", "tlp").iterator(chunk_size=EXPORT_CHUNK)
    return exporter.iter_bundle(exporter.RawObject(*row) for row in values)
