"""Publishing Siaga's own indicators and sightings into the STIX store, for TAXII to serve.

Each indicator or sighting becomes one ``StixObject`` row per version, carrying the sharing labels
of its source row (TLP, distribution, sharing group, organization, creator, and the named
recipients of TLP:RED), so the TAXII collection cell it lands in is exactly its audience.

Versions: the STIX ``modified`` of a published object is the row's ``updated_at``. Publishing
again writes a new version only when something changed (the object or its labels); if the row
changed without its ``updated_at`` moving on (same timestamp), the new version is stamped one
millisecond after the last, because STIX versions must grow. ``is_latest`` is recomputed in SQL
for the ids written (the newest version wins), so two publishers at once still leave one latest.
Revoking (``unpublish_*``) writes a final version with ``revoked: true``; a revoked object is not
published again (STIX does not allow un-revoking).

Indicators that came from STIX or TAXII are not published: their original objects are already in
the store under their own ids.

Work is done ``PUBLISH_CHUNK`` rows at a time, one transaction per chunk (a few thousand objects
in memory at most).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from siaga.intel.choices import SourceKind
from siaga.intel.models import Indicator, Sighting
from siaga.sharing.choices import TLP
from siaga.stix import exporter
from siaga.stix.models import StixObject

PUBLISH_CHUNK = 1000
SOURCE = "siaga"
ONE_MS = timedelta(milliseconds=1)
LABELS = ("tlp", "distribution", "sharing_group_id", "organization_id", "created_by_id")


def _ids_of(rows: QuerySet[Any] | Iterable[Any]) -> list[int]:
    if isinstance(rows, QuerySet):
        return list(rows.values_list("pk", flat=True))
    return [row.pk if hasattr(row, "pk") else int(row) for row in rows]


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), PUBLISH_CHUNK):
        yield ids[start : start + PUBLISH_CHUNK]


# --- Publishing ---------------------------------------------------------------------------------


def publish_indicators(indicators: QuerySet[Indicator] | Iterable[Any]) -> int:
    """Publish (or re-publish) indicators, given as a queryset, rows or ids; the number of
    versions written."""
    written = 0
    for chunk in _chunks(_ids_of(indicators)):
        rows = (
            Indicator.objects.filter(pk__in=chunk)
            .exclude(source_kind__in=[SourceKind.STIX, SourceKind.TAXII])
            .select_related("organization")
        )
        written += _publish(_with_recipients(list(rows)), _indicator_object)
    return written


def publish_sightings(sightings: QuerySet[Sighting] | Iterable[Any]) -> int:
    """Publish (or re-publish) sightings, given as a queryset, rows or ids."""
    written = 0
    for chunk in _chunks(_ids_of(sightings)):
        rows = Sighting.objects.filter(pk__in=chunk).select_related("organization", "indicator")
        written += _publish(_with_recipients(list(rows)), _sighting_object)
    return written


def publish_everything() -> dict[str, int]:
    """(Re)publish every own indicator and sighting: for ``siaga publish_stix``."""
    return {
        "indicators": publish_indicators(Indicator.objects.order_by("pk")),
        "sightings": publish_sightings(Sighting.objects.order_by("pk")),
    }


def publish_indicators_on_commit(indicator_ids: Iterable[int]) -> None:
    """The hook for code that changed indicators in a transaction (``do_upsert_indicators``):
    publish them once the change is committed, never a version that was rolled back."""
    publish_after_commit(indicator_ids=indicator_ids)


# A change this small is published in the request that made it, so a partner polling TAXII sees
# it at once; a larger one (an import) goes to a worker rather than holding the request.
INLINE_PUBLISH_MAX = 500


def publish_after_commit(
    *, indicator_ids: Iterable[int] = (), sighting_ids: Iterable[int] = ()
) -> None:
    """Publish these indicators and sightings once the current transaction commits."""
    indicators, sightings = list(indicator_ids), list(sighting_ids)
    if not indicators and not sightings:
        return

    def publish() -> None:
        if len(indicators) + len(sightings) <= INLINE_PUBLISH_MAX:
            publish_indicators(indicators)
            publish_sightings(sightings)
            return
        from siaga.stix.tasks import publish_in_background

        publish_in_background.delay(indicators, sightings)

    transaction.on_commit(publish)


def _indicator_object(indicator: Indicator) -> dict[str, Any] | None:
    return exporter.indicator_sdo(indicator)


def _sighting_object(sighting: Sighting) -> dict[str, Any] | None:
    return exporter.sighting_to_stix(sighting)[-1]


def _publish(rows: list[Any], to_stix: Callable[[Any], dict[str, Any] | None]) -> int:
    candidates = [(row, obj) for row in rows if (obj := to_stix(row)) is not None]
    if not candidates:
        return 0
    with transaction.atomic():
        latest = _latest_versions([obj["id"] for _row, obj in candidates])
        new_rows = []
        for row, obj in candidates:
            stored = latest.get(obj["id"])
            version = _next_version(row, obj, stored)
            if version is not None:
                obj["modified"] = exporter.stix_time(version)
                new_rows.append((row, _store_row(row, obj, version)))
        _write(new_rows)
    return len(new_rows)


def _latest_versions(stix_ids: list[str]) -> dict[str, StixObject]:
    # Locked, so that two publishers of the same object take turns (PostgreSQL; SQLite
    # serializes writers anyway).
    latest = StixObject.objects.select_for_update().filter(stix_id__in=stix_ids, is_latest=True)
    return {row.stix_id: row for row in _with_recipients(list(latest))}


def _next_version(row: Any, obj: dict[str, Any], stored: StixObject | None) -> datetime | None:
    """The ``modified`` of the new version, or None when the stored one is still right."""
    modified = row.updated_at
    if stored is None:
        return modified
    if stored.revoked:
        return None
    if _same_content(obj, stored) and _same_labels(row, stored):
        return None
    return max(modified, stored.version + ONE_MS)


def _same_content(obj: dict[str, Any], stored: StixObject) -> bool:
    try:
        before = json.loads(stored.raw)
    except ValueError:
        return False
    return {**before, "modified": None} == {**obj, "modified": None}


def _with_recipients(rows: list[Any]) -> list[Any]:
    """Attach the named recipients of the TLP:RED rows (one query; the others have none that
    count). Cheaper than ``prefetch_related``, which builds a user object per link."""
    red = [row.pk for row in rows if row.tlp == TLP.RED]
    recipients: dict[int, set[int]] = {}
    if red:
        model = type(rows[0])
        through = model._meta.get_field("recipients").remote_field.through
        source = f"{model._meta.model_name}_id"
        for row_pk, user_pk in through.objects.filter(**{f"{source}__in": red}).values_list(
            source, "user_id"
        ):
            recipients.setdefault(row_pk, set()).add(user_pk)
    for row in rows:
        row.publish_recipients = recipients.get(row.pk, set())
    return rows


def _recipient_ids(row: Any) -> set[int]:
    return row.publish_recipients if row.tlp == TLP.RED else set()


def _same_labels(row: Any, stored: StixObject) -> bool:
    return all(getattr(row, label) == getattr(stored, label) for label in LABELS) and (
        _recipient_ids(row) == _recipient_ids(stored)
    )


def _store_row(row: Any, obj: dict[str, Any], version: datetime) -> StixObject:
    return StixObject(
        stix_id=obj["id"],
        type=obj["type"],
        spec_version="2.1",
        version=version,
        date_added=timezone.now(),
        is_latest=True,
        revoked=bool(obj.get("revoked")),
        raw=json.dumps(obj, ensure_ascii=False),
        source=SOURCE,
        tlp=row.tlp,
        distribution=row.distribution,
        sharing_group_id=row.sharing_group_id,
        organization_id=row.organization_id,
        created_by_id=row.created_by_id,
    )


def _write(new_rows: list[tuple[Any, StixObject]]) -> None:
    if not new_rows:
        return
    StixObject.objects.bulk_create([stored for _row, stored in new_rows], ignore_conflicts=True)
    stix_ids = [stored.stix_id for _row, stored in new_rows]
    fix_latest(stix_ids)
    _copy_recipients(new_rows)


def fix_latest(stix_ids: list[str]) -> None:
    """Mark the newest version of each id as the latest and every other as not."""
    # A correlated subquery on the (stix_id, version) unique index: one index probe per row.
    newest = (
        StixObject.objects.filter(stix_id=OuterRef("stix_id"))
        .order_by("-version")
        .values("version")[:1]
    )
    StixObject.objects.filter(stix_id__in=stix_ids).update(
        is_latest=ExpressionWrapper(Q(version=Subquery(newest)), output_field=BooleanField())
    )


def _copy_recipients(new_rows: list[tuple[Any, StixObject]]) -> None:
    # TLP:RED rows go to their named people: copy them onto the stored version.
    red = [(row, stored) for row, stored in new_rows if row.tlp == TLP.RED]
    if not red:
        return
    keys = {(stored.stix_id, stored.version) for _row, stored in red}
    stored_pks = {
        (stix_id, version): pk
        for pk, stix_id, version in StixObject.objects.filter(
            stix_id__in=[key[0] for key in keys]
        ).values_list("pk", "stix_id", "version")
        if (stix_id, version) in keys
    }
    through = StixObject.recipients.through
    links = [
        through(stixobject_id=stored_pks[(stored.stix_id, stored.version)], user_id=user_id)
        for row, stored in red
        if (stored.stix_id, stored.version) in stored_pks
        for user_id in _recipient_ids(row)
    ]
    through.objects.bulk_create(links, ignore_conflicts=True)


# --- Revoking -----------------------------------------------------------------------------------


def unpublish_indicator(indicator: Indicator | str) -> bool:
    """Revoke a published indicator (a row, or its STIX id once the row is gone); False if it
    was never published or is revoked already."""
    stix_id = indicator if isinstance(indicator, str) else indicator.stix_id
    return revoke([stix_id]) == 1


def unpublish_sighting(sighting: Sighting | str) -> bool:
    stix_id = sighting if isinstance(sighting, str) else sighting.stix_id
    return revoke([stix_id]) == 1


def revoke(stix_ids: Iterable[str]) -> int:
    """Write a revoked version of each published, not yet revoked, object of Siaga's own."""
    ids = list(stix_ids)
    revoked = 0
    for start in range(0, len(ids), PUBLISH_CHUNK):
        with transaction.atomic():
            latest = _latest_versions(ids[start : start + PUBLISH_CHUNK])
            new_rows = [
                (stored, _revoked_row(stored))
                for stored in latest.values()
                if not stored.revoked and stored.source == SOURCE
            ]
            _write(new_rows)
            revoked += len(new_rows)
    return revoked


def _revoked_row(stored: StixObject) -> StixObject:
    obj = json.loads(stored.raw)
    version = max(timezone.now(), stored.version + ONE_MS)
    obj.update({"modified": exporter.stix_time(version), "revoked": True})
    return _store_row(stored, obj, version)
