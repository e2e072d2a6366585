"""Pulling from and pushing to remote TAXII collections, and managing their settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.integrations.taxiiclient.client import RemoteSession
from siaga.integrations.taxiiclient.models import PUSHABLE_TLP, RemoteCollection
from siaga.sharing.models import validate_sharing

PUSH_BATCH = 500
MAX_PROBLEMS_KEPT = 50


@dataclass
class SyncResult:
    pulled: int = 0
    added: int = 0
    duplicates: int = 0
    failed: int = 0
    pushed: int = 0
    push_failed: int = 0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- Settings ---------------------------------------------------------------------------------------


def check_save_remote(user: Any, remote: RemoteCollection, secret: str | None) -> RemoteCollection:
    """Create or change a remote collection; ``secret`` None keeps the stored one."""
    action = "change" if remote.pk else "add"
    if not principal_for(user).has_perm(f"remotecollection.{action}"):
        raise PermissionDenied
    validate_sharing(remote.tlp, remote.distribution, remote.sharing_group)
    if secret is not None:
        remote.set_secret(secret)
    remote.save()  # audited by siaga.audit.signals, the sealed secret excluded
    return remote


# --- Pull -------------------------------------------------------------------------------------------


def pull(remote: RemoteCollection) -> SyncResult:
    """Import what the remote collection added since the last pull, page by page.

    The cursor moves after each page is stored, so a pull that fails half-way resumes after the
    last page that landed rather than starting again or skipping a page.
    """
    from siaga.stix.importer import SharingLabels, import_objects

    result = SyncResult()
    labels = SharingLabels(
        organization=remote.source_organization,
        tlp=remote.tlp,
        distribution=remote.distribution,
        sharing_group=remote.sharing_group,
    )
    session = RemoteSession(remote)
    for objects in session.pages(remote.added_after or None):
        outcome = import_objects(objects, labels, source=f"taxii-pull:{remote.name}")
        result.pulled += len(objects)
        result.added += outcome.added
        result.duplicates += outcome.duplicates
        result.failed += len(outcome.failures)
        _keep_problems(result, [f"{p.stix_id or p.index}: {p.message}" for p in outcome.failures])
        if session.date_added_last:
            RemoteCollection.objects.filter(pk=remote.pk).update(
                added_after=session.date_added_last
            )
            remote.added_after = session.date_added_last
    return result


# --- Push -------------------------------------------------------------------------------------------


def objects_to_push(remote: RemoteCollection) -> Any:
    """The local collection's latest versions added after the push cursor, oldest first."""
    from siaga.stix.models import StixObject

    local = remote.push_from
    if local is None:
        return StixObject.objects.none()
    queryset = StixObject.objects.filter(
        distribution=local.distribution,
        sharing_group=local.sharing_group,
        tlp=local.tlp,
        tlp__in=PUSHABLE_TLP,
        is_latest=True,
    )
    if local.organization_id is not None:
        queryset = queryset.filter(organization_id=local.organization_id)
    if remote.pushed_until is not None:
        queryset = queryset.filter(date_added__gte=remote.pushed_until).exclude(
            date_added=remote.pushed_until, pk__lte=remote.pushed_until_pk
        )
    return queryset.order_by("date_added", "pk")


def push(remote: RemoteCollection) -> SyncResult:
    """Send the local collection's new objects in batches; the cursor moves per accepted batch."""
    result = SyncResult()
    if remote.push_from is None or remote.push_from.tlp not in PUSHABLE_TLP:
        return result
    session = RemoteSession(remote)
    batch: list[Any] = []
    for row in (
        objects_to_push(remote).only("pk", "date_added", "raw").iterator(chunk_size=PUSH_BATCH)
    ):
        batch.append(row)
        if len(batch) == PUSH_BATCH:
            _push_batch(remote, session, batch, result)
            batch = []
    if batch:
        _push_batch(remote, session, batch, result)
    return result


def _push_batch(
    remote: RemoteCollection, session: RemoteSession, rows: list[Any], result: SyncResult
) -> None:
    status = session.add_objects([orjson.loads(row.raw) for row in rows])
    result.pushed += int(status.get("success_count") or 0)
    failures = status.get("failures") or []
    result.push_failed += int(status.get("failure_count") or len(failures))
    _keep_problems(result, [f"{f.get('id')}: {f.get('message', '')}" for f in failures])
    last = rows[-1]
    RemoteCollection.objects.filter(pk=remote.pk).update(
        pushed_until=last.date_added, pushed_until_pk=last.pk
    )
    remote.pushed_until, remote.pushed_until_pk = last.date_added, last.pk


# --- Both, on a schedule ------------------------------------------------------------------------------


def sync(remote: RemoteCollection, *, pull_now: bool = True, push_now: bool = True) -> SyncResult:
    """Pull and push one remote collection, recording the outcome (or the error) on its row."""
    result = SyncResult()
    now = timezone.now()
    try:
        if pull_now and remote.pull_enabled:
            pulled = pull(remote)
            result = _merge(result, pulled)
            remote.last_pull_at = now
        if push_now and remote.push_enabled:
            result = _merge(result, push(remote))
            remote.last_push_at = now
    except Exception as exc:  # any failure of a remote is recorded, then raised
        remote.last_error = _("%(when)s: %(error)s") % {"when": now.isoformat(), "error": exc}
        remote.last_result = result.as_dict()
        remote.save(update_fields=["last_error", "last_result", "last_pull_at", "last_push_at"])
        raise
    remote.last_error = ""
    remote.last_result = result.as_dict()
    remote.save(update_fields=["last_error", "last_result", "last_pull_at", "last_push_at"])
    return result


def sync_due(now: Any = None) -> dict[str, Any]:
    """Every remote whose pull is due, and every push-enabled one; errors are kept per remote."""
    outcome: dict[str, Any] = {}
    for remote in RemoteCollection.objects.select_related(
        "source_organization", "sharing_group", "push_from"
    ):
        due_pull = remote.pull_is_due(now)
        if not due_pull and not remote.push_enabled:
            continue
        try:
            outcome[remote.name] = sync(remote, pull_now=due_pull).as_dict()
        except Exception as exc:  # one broken partner must not stop the others
            outcome[remote.name] = {"error": str(exc)}
    return outcome


def _merge(total: SyncResult, part: SyncResult) -> SyncResult:
    merged = SyncResult(
        **{
            name: getattr(total, name) + getattr(part, name)
            for name in ("pulled", "added", "duplicates", "failed", "pushed", "push_failed")
        }
    )
    merged.problems = (total.problems + part.problems)[:MAX_PROBLEMS_KEPT]
    return merged


def _keep_problems(result: SyncResult, problems: list[str]) -> None:
    room = MAX_PROBLEMS_KEPT - len(result.problems)
    if room > 0:
        result.problems.extend(problems[:room])


@transaction.atomic
def do_delete_remote(user: Any, remote: RemoteCollection) -> None:
    if not principal_for(user).has_perm("remotecollection.delete"):
        raise PermissionDenied
    remote.delete()
