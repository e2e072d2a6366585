"""State changes of the MISP integration: imports and feeds.

``check_*`` checks the user's permission and input, then calls the ``do_*`` that changes state;
``access_*`` fetches a row the user may see (404 otherwise). Importing needs ``indicator.add`` in
the source organization (the user's own); feeds need ``mispfeed.view``/``add``/``change``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.models import hash_token
from siaga.accounts.roles import principal_for
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.integrations.misp.importer import ImportDefaults, ImportResult, import_events
from siaga.integrations.misp.models import MispFeed
from siaga.integrations.misp.parser import MispEvent, MispFormatError, parse_event
from siaga.integrations.misp.sources import FeedFiles, ZipFeed, feed_events
from siaga.organizations.models import Organization
from siaga.sharing.choices import TLP
from siaga.sharing.models import validate_sharing
from siaga.sharing.visibility import PUBLIC, Audience, audience_for_organization

FETCH_RECORD_INTERVAL = 300  # seconds between two "last fetched" writes of one feed

# --- Imports -------------------------------------------------------------------------------------


def check_import_defaults(user: Any, defaults: ImportDefaults) -> None:
    """The user may add indicators for the source organization, which is one of their own, and
    the default labels agree with each other."""
    principal = principal_for(user)
    organization = defaults.organization
    member_of = {org_id for org_id, _role in principal.roles}
    if organization.pk not in member_of and not principal.is_superuser:
        raise PermissionDenied(_("You can only import for your own organizations."))
    if not principal.has_perm("indicator.add", organization.pk):
        raise PermissionDenied(_("You may not add indicators for this organization."))
    if defaults.tlp == TLP.RED:
        # TLP:RED needs named recipients, which a bulk import cannot name.
        raise ValidationError({"tlp": _("Imports cannot be TLP:RED by default.")})
    validate_sharing(defaults.tlp, defaults.distribution, defaults.sharing_group)


def check_import_event(user: Any, document: Any, defaults: ImportDefaults) -> ImportResult:
    """Import one decoded MISP event document (``{"Event": {...}}``)."""
    check_import_defaults(user, defaults)
    event = _parsed(document)
    return do_import([event], defaults, label=_("MISP event %(uuid)s") % {"uuid": event.uuid})


def check_import_feed(user: Any, files: FeedFiles, defaults: ImportDefaults) -> ImportResult:
    """Import every event of a feed (directory or uploaded .zip)."""
    check_import_defaults(user, defaults)
    return do_import(feed_events(files), defaults, label=_("MISP feed"))


def check_import_upload(
    user: Any, name: str, data: bytes, defaults: ImportDefaults
) -> ImportResult:
    """An uploaded file: a .zip of a feed directory, else one event's JSON."""
    if name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04":
        check_import_defaults(user, defaults)
        return check_import_feed(user, _wrap_errors(ZipFeed, data), defaults)
    from siaga.integrations.misp.parser import load_event_bytes

    check_import_defaults(user, defaults)
    event = _wrap_errors(load_event_bytes, data)
    return do_import([event], defaults, label=_("MISP event %(uuid)s") % {"uuid": event.uuid})


def do_import(events: Iterable[MispEvent], defaults: ImportDefaults, *, label: str) -> ImportResult:
    """Import and write one audit entry for the whole import (in the same transaction)."""
    with transaction.atomic():
        result = _wrap_errors(import_events, events, defaults)
        do_record_event(
            AuditAction.CREATE,
            object_type="misp.import",
            object_repr=label[:300],
            changes={
                "organization": defaults.organization.pk,
                "events": len(result.events),
                "created": result.created,
                "updated": result.updated,
                "sightings": result.sightings,
                "not_imported": dict(result.not_imported),
                "problems": result.problem_count,
            },
            actor=defaults.created_by,
        )
    return result


def _parsed(document: Any) -> MispEvent:
    return _wrap_errors(parse_event, document)


def _wrap_errors(function: Any, *args: Any) -> Any:
    """A MISP format problem becomes a ValidationError that names it (and nothing is saved)."""
    try:
        return function(*args)
    except MispFormatError as exc:
        raise ValidationError({"file": str(exc)}) from None


# --- Feeds ---------------------------------------------------------------------------------------


def visible_feeds(user: Any) -> Any:
    return MispFeed.objects.restrict(user, "view").select_related("organization", "created_by")


def access_feed(user: Any, pk: int, action: str = "view") -> MispFeed:
    return get_object_or_404(MispFeed.objects.restrict(user, action), pk=pk)


def check_create_feed(
    user: Any, name: str, organization: Organization | None
) -> tuple[MispFeed, str]:
    """A new feed and its secret token (shown once; only its hash is kept)."""
    if not principal_for(user).has_perm("mispfeed.add"):
        raise PermissionDenied(_("You may not create MISP feeds."))
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": _("Give the feed a name of at most 100 characters.")})
    if organization is not None and not organization.is_active:
        raise ValidationError({"organization": _("This organization is not active.")})
    raw = MispFeed.generate_token()
    feed = MispFeed.objects.create(
        name=name,
        organization=organization,
        prefix=raw[:16],
        token_hash=hash_token(raw),
        created_by=user,
    )
    return feed, raw


def check_revoke_feed(user: Any, feed: MispFeed) -> MispFeed:
    if not principal_for(user).has_perm("mispfeed.change"):
        raise PermissionDenied(_("You may not revoke MISP feeds."))
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at", "updated_at"])
    return feed


def feed_for_token(raw: str) -> MispFeed | None:
    """The active feed a token opens, if any (a revoked feed opens nothing)."""
    if not raw or len(raw) > 200:
        return None
    return (
        MispFeed.objects.select_related("organization")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )


def audience_of(feed: MispFeed) -> Audience:
    if feed.organization is None:
        return PUBLIC
    return audience_for_organization(feed.organization)


def do_record_fetch(feed: MispFeed) -> None:
    """Audit the subscriber fetching the feed's manifest (at most once per interval)."""
    now = timezone.now()
    last = feed.last_fetched_at
    if last is not None and (now - last).total_seconds() < FETCH_RECORD_INTERVAL:
        return
    with transaction.atomic():
        MispFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
        do_record_event(AuditAction.EXPORT, feed, changes={"fetched": "manifest.json"})
