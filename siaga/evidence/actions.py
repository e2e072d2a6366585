"""Adding, reading and verifying evidence, each step written to the file's chain of custody.

``check_*`` checks a user's request (permission, then the file) and calls the ``do_*`` that stores
it; ``access_*`` fetches what the user may see. Who may add evidence:

- to an incident: CERT staff who may change it (``incident.change`` on that incident);
- to a report they can see: CERT staff (``report.triage``) at any time; its reporter, or whoever
  may file reports for its organization, while it is still new (not yet triaged).
"""

from __future__ import annotations

import io
import itertools
import logging
from collections.abc import Iterator
from typing import Any, BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.audit.context import current_context
from siaga.evidence import vault
from siaga.evidence.choices import CustodyAction, EvidenceSource
from siaga.evidence.models import CustodyEvent, Evidence
from siaga.evidence.validation import CheckedUpload, check_upload
from siaga.incidents.choices import ReportStatus
from siaga.incidents.models import Incident, Report

logger = logging.getLogger("siaga.evidence")

MAX_DESCRIPTION_LENGTH = 2000


# --- Access ------------------------------------------------------------------------------------


def access_evidence(user: Any, pk: int) -> Evidence:
    """One evidence file the user may see (404 otherwise)."""
    return get_object_or_404(
        Evidence.objects.restrict(user, "view").select_related("incident", "report", "uploaded_by"),
        pk=pk,
    )


def access_incident(user: Any, pk: int) -> Incident:
    return get_object_or_404(Incident.objects.restrict(user, "view"), pk=pk)


def access_report(user: Any, pk: int) -> Report:
    return get_object_or_404(Report.objects.restrict(user, "view"), pk=pk)


def evidence_of_incident(user: Any, incident: Incident) -> QuerySet[Evidence]:
    """The evidence of an incident and of its reports that the user may see, newest first."""
    return (
        Evidence.objects.restrict(user, "view")
        .of_incident(incident)
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-pk")
    )


def evidence_of_report(user: Any, report: Report) -> QuerySet[Evidence]:
    return (
        Evidence.objects.restrict(user, "view")
        .filter(report=report)
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-pk")
    )


def custody_log(evidence: Evidence) -> QuerySet[CustodyEvent]:
    return evidence.custody_events.select_related("actor").order_by("at", "pk")


# --- Permissions ---------------------------------------------------------------------------------


def may_add_to_incident(user: Any, incident: Incident) -> bool:
    return (
        principal_for(user).has_perm("incident.change")
        and Incident.objects.restrict(user, "change").filter(pk=incident.pk).exists()
    )


def may_add_to_report(user: Any, report: Report) -> bool:
    principal = principal_for(user)
    if not Report.objects.restrict(user, "view").filter(pk=report.pk).exists():
        return False
    if principal.has_perm("report.triage"):
        return True
    files_for_it = report.reporter_id == user.pk or (
        report.organization_id is not None
        and principal.has_perm("report.add", report.organization_id)
    )
    return files_for_it and report.status == ReportStatus.NEW


def may_verify(user: Any, evidence: Evidence) -> bool:
    """Verification is the CERT's: its staff who may change incidents."""
    principal = principal_for(user)
    return principal.is_cert_staff and principal.has_perm("incident.change")


def _check_may_add(user: Any, incident: Incident | None, report: Report | None) -> None:
    if incident is not None and not may_add_to_incident(user, incident):
        raise PermissionDenied(_("You may not add evidence to this incident."))
    if report is not None and not may_add_to_report(user, report):
        raise PermissionDenied(_("You may not add evidence to this report."))


def _check_target(incident: Incident | None, report: Report | None) -> None:
    if incident is None and report is None:
        raise ValidationError(_("Evidence belongs to an incident or a report."))


def _check_description(description: str) -> str:
    description = (description or "").replace("\x00", "").strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(
            {
                "description": _("Enter at most %(max)s characters.")
                % {"max": MAX_DESCRIPTION_LENGTH}
            }
        )
    return description


# --- Adding --------------------------------------------------------------------------------------


def check_add_evidence(
    user: Any,
    *,
    incident: Incident | None = None,
    report: Report | None = None,
    upload: Any,
    description: str = "",
    sealed: bool = False,
    source: str = EvidenceSource.UPLOAD,
) -> Evidence:
    """Add an uploaded file (a Django ``UploadedFile``) as evidence, after the permission check."""
    _check_target(incident, report)
    _check_may_add(user, incident, report)
    description = _check_description(description)
    checked = check_upload(
        upload,
        name=getattr(upload, "name", "") or "",
        declared_type=getattr(upload, "content_type", "") or "",
        sealed=sealed,
    )
    return do_add_evidence(
        upload,
        checked,
        incident=incident,
        report=report,
        description=description,
        source=source,
        actor=user,
    )


def do_add_evidence_from_bytes(
    data: bytes,
    *,
    name: str,
    declared_type: str = "",
    incident: Incident | None = None,
    report: Report | None = None,
    description: str = "",
    sealed: bool = False,
) -> Evidence:
    """Add a file that arrived by e-mail (an attachment of a report); the actor is the system.

    The checks are the same as for an upload: a refused attachment raises ``UploadRefused``; the
    intake may then retry with ``sealed=True`` to keep it as a sealed sample.
    """
    _check_target(incident, report)
    stream = io.BytesIO(data)
    checked = check_upload(stream, name=name, declared_type=declared_type, sealed=sealed)
    return do_add_evidence(
        stream,
        checked,
        incident=incident,
        report=report,
        description=_check_description(description),
        source=EvidenceSource.EMAIL,
        actor=None,
    )


def do_add_evidence(
    stream: BinaryIO,
    checked: CheckedUpload,
    *,
    incident: Incident | None,
    report: Report | None,
    description: str,
    source: str,
    actor: Any,
) -> Evidence:
    """Encrypt the file into the vault, then write the row and its first custody events.

    The file is stored first, outside any transaction (it may take a while and must not hold
    locks); if the row cannot be written, the stored file is removed again, so the vault never
    keeps a file that no evidence names. A caller that wraps this in its own transaction and
    rolls back later leaves an unnamed file behind; such files hold nothing readable without
    the key, and carry no name.
    """
    stream.seek(0)
    stored = vault.store(stream)
    try:
        with transaction.atomic():
            if report is not None:
                report = _lock_report_for_new_evidence(report, actor)
            evidence = Evidence.objects.create(
                incident=incident,
                report=report,
                original_name=checked.original_name,
                safe_name=checked.safe_name,
                size=stored.size,
                sha256=stored.sha256,
                declared_type=checked.declared_type,
                sniffed_type=checked.sniffed_type,
                flags=checked.flags,
                storage_id=stored.path_id,
                key_id=stored.key_id,
                description=description,
                source=source,
                uploaded_by=actor,
            )
            _record_custody(evidence, CustodyAction.RECEIVED, actor, note=_received_note(checked))
            _record_custody(
                evidence,
                CustodyAction.STORED,
                actor,
                note=_("Encrypted in the vault; SHA-256 %(sha256)s, %(size)s bytes.")
                % {"sha256": stored.sha256, "size": stored.size},
            )
    except BaseException:
        vault.remove(stored.path_id)
        raise
    return evidence


def _received_note(checked: CheckedUpload) -> str:
    note = _(
        "Received as “%(name)s”, declared type “%(declared)s”, detected type “%(sniffed)s”."
    ) % {
        "name": checked.original_name,
        "declared": checked.declared_type or "—",
        "sniffed": checked.sniffed_type,
    }
    if checked.flags:
        note += " " + _("Flags: %(flags)s.") % {"flags": ", ".join(checked.flags)}
    return note


def _lock_report_for_new_evidence(report: Report, actor: Any) -> Report:
    """Lock the report and check again: triage may have closed it to its reporter meanwhile."""
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if actor is not None and not may_add_to_report(actor, locked):
        raise PermissionDenied(_("You may not add evidence to this report."))
    return locked


def _record_custody(
    evidence: Evidence,
    action: str,
    actor: Any,
    *,
    note: str = "",
    succeeded: bool = True,
) -> CustodyEvent:
    context = current_context()
    if actor is None:
        actor = context.resolve_actor()
    return CustodyEvent.objects.create(
        evidence=evidence,
        action=action,
        actor=actor,
        actor_label=(getattr(actor, "email", "") if actor is not None else "system")[:254],
        succeeded=succeeded,
        note=note,
        client_address=context.ip_address,
    )


def do_transfer_to_incident(source: Incident, target: Incident, *, actor: Any) -> int:
    """Move the evidence of a duplicate incident to the incident it was merged into.

    Each move is written to the file's chain of custody (which incident held it, which holds it
    now); the caller holds both incidents' locks. Returns how many files moved.
    """
    moved = 0
    for evidence in Evidence.objects.filter(incident=source).order_by("pk"):
        Evidence.objects.filter(pk=evidence.pk).update(incident=target)
        note = _("Moved from %(source)s to %(target)s (merge).") % {
            "source": source.reference,
            "target": target.reference,
        }
        _record_custody(evidence, CustodyAction.TRANSFERRED, actor, note=note)
        moved += 1
    return moved


# --- Reading and verifying -----------------------------------------------------------------------


def check_download(user: Any, evidence: Evidence) -> Iterator[bytes]:
    """The decrypted content, for a user who may see the evidence; the download is recorded.

    The first chunk is decrypted before the custody event is written, so a missing file or a wrong
    key is reported (``vault.VaultError``) instead of being recorded as a download.
    """
    if not Evidence.objects.restrict(user, "view").filter(pk=evidence.pk).exists():
        raise PermissionDenied(_("You may not download this evidence."))
    chunks = vault.open_decrypted(evidence.storage_id, evidence.sha256)
    first = next(chunks, b"")
    with transaction.atomic():
        _record_custody(evidence, CustodyAction.DOWNLOADED, user)
    return itertools.chain([first], chunks)


def check_verify(user: Any, evidence: Evidence) -> CustodyEvent:
    if not may_verify(user, evidence):
        raise PermissionDenied(_("Only the CERT's staff verify evidence."))
    return do_verify_evidence(evidence, actor=user)


def do_verify_evidence(evidence: Evidence, *, actor: Any = None) -> CustodyEvent:
    """Decrypt and re-hash the stored file; the outcome is a custody event either way."""
    try:
        vault.verify(evidence.storage_id, evidence.sha256)
    except vault.VaultError as exc:
        logger.warning("Evidence %s failed verification: %s", evidence.pk, exc)
        note, succeeded = _("Integrity check failed: %(reason)s") % {"reason": exc}, False
    else:
        note, succeeded = _("SHA-256 matches: %(sha256)s") % {"sha256": evidence.sha256}, True
    with transaction.atomic():
        return _record_custody(
            evidence, CustodyAction.VERIFIED, actor, note=note, succeeded=succeeded
        )


def verify_evidence(evidence: Evidence) -> bool:
    """Verify as the system (a scheduled check); True when the file is whole and unchanged."""
    return do_verify_evidence(evidence).succeeded
