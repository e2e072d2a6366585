"""Writing the working copy: create, update (an update of a published advisory starts here), and
a draft made from a vendor's CSAF advisory."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.roles import principal_for
from siaga.advisories import distribution
from siaga.advisories.actions.common import MAX_ITEMS, allocate_tracking_id
from siaga.advisories.actions.inputs import (
    _URL,
    _apply,
    _check_targets,
    _fields,
    _issuing_organization,
    _relations,
    _save_relations,
)
from siaga.advisories.actions.workflow import _record
from siaga.advisories.choices import AdvisoryKind, AdvisorySeverity, AdvisoryStatus
from siaga.advisories.models import (
    LANGUAGES,
    Advisory,
)
from siaga.sharing.choices import TLP
from siaga.vulns.models import AffectedProduct, VendorAdvisory, validate_cve_id

# --- Authoring -----------------------------------------------------------------------------------


def check_create_advisory(user: Any, data: dict[str, Any]) -> Advisory:
    if not principal_for(user).has_perm("advisory.add"):
        raise PermissionDenied(_("You may not write advisories."))
    data = dict(data)
    if data.get("tlp") in distribution.NAMED_ONLY_TLPS:
        # The inventory is not a choice of recipients: off unless asked for (and then refused).
        data.setdefault("target_inventory", False)
    fields = _fields(data)
    relations = _relations(user, data)
    if not fields.get("kind"):
        raise ValidationError({"kind": _("Choose the kind of advisory.")})
    if not (fields.get("title_id") or fields.get("title_en")):
        raise ValidationError({"title_en": _("Give a title in at least one language.")})
    return do_create_advisory(user, fields, relations)


def do_create_advisory(
    user: Any,
    fields: dict[str, Any],
    relations: dict[str, Any],
    *,
    changed_at: dict[str, datetime] | None = None,
) -> Advisory:
    now = timezone.now()
    with transaction.atomic():
        advisory = Advisory(
            tracking_id=allocate_tracking_id(now),
            organization=_issuing_organization(user),
            created_by=user if getattr(user, "pk", None) else None,
        )
        _apply(advisory, fields, now)
        for language, moment in (changed_at or {}).items():
            setattr(advisory, f"{language}_changed_at", moment)
        if "references" in relations:
            advisory.references = relations.pop("references")
        _check_targets(advisory)
        advisory.full_clean(exclude=["created_by", "organization"])
        advisory.save()
        _save_relations(advisory, relations)
        if "target_organizations" in relations:
            _check_targets(advisory)
    return advisory


def check_update_advisory(user: Any, advisory: Advisory, data: dict[str, Any]) -> Advisory:
    """Edit the working copy. A published advisory goes back to draft as an update (readers keep
    the last revision); one in review must be returned first; a withdrawn one stays as it is."""
    if not Advisory.objects.restrict(user, "change").filter(pk=advisory.pk).exists():
        raise PermissionDenied(_("You may not change this advisory."))
    fields = _fields(data)
    relations = _relations(user, data)
    now = timezone.now()
    with transaction.atomic():
        locked = Advisory.objects.select_for_update().get(pk=advisory.pk)
        if locked.status == AdvisoryStatus.IN_REVIEW:
            raise ValidationError(
                {"status": _("The advisory is in review: return it to draft before editing it.")}
            )
        if locked.status == AdvisoryStatus.WITHDRAWN:
            raise ValidationError({"status": _("A withdrawn advisory cannot be edited.")})
        was = locked.status
        _apply(locked, fields, now)
        if was == AdvisoryStatus.PUBLISHED:
            locked.status = AdvisoryStatus.DRAFT
        _check_targets(locked)
        locked.full_clean(exclude=["created_by", "organization"])
        locked.save()
        _save_relations(locked, relations)
        if "target_organizations" in relations:
            _check_targets(locked)
        if was == AdvisoryStatus.PUBLISHED:
            _record(locked, "update_started", was, locked.status)
    return locked


def _draft_texts(document: dict[str, Any]) -> dict[str, str]:
    """Summary, description, remediation and workarounds from a CSAF document's notes and
    remediations (English, as vendors write them)."""
    notes = _dicts(_meta(document).get("notes"))
    summary = [n.get("text", "") for n in notes if n.get("category") == "summary"]
    details = [
        n.get("text", "")
        for n in notes
        if n.get("category") in {"description", "details", "general"}
    ]
    remediation: list[str] = []
    workarounds: list[str] = []
    for vulnerability in _dicts(document.get("vulnerabilities")):
        for note in _dicts(vulnerability.get("notes")):
            if note.get("category") in {"description", "summary"}:
                details.append(str(note.get("text", "")))
        for item in _dicts(vulnerability.get("remediations")):
            text = str(item.get("details", "")).strip()
            if not text:
                continue
            target = (
                remediation
                if item.get("category") in {"vendor_fix", "none_available", "no_fix_planned"}
                else workarounds
            )
            if text not in target:
                target.append(text)
    return {
        "summary": "\n\n".join(dict.fromkeys(map(str, summary)))[:50_000],
        "description": "\n\n".join(dict.fromkeys(map(str, details)))[:50_000],
        "remediation": "\n\n".join(remediation)[:50_000],
        "workarounds": "\n\n".join(workarounds)[:50_000],
    }


def _meta(document: dict[str, Any]) -> dict[str, Any]:
    meta = document.get("document")
    return meta if isinstance(meta, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _draft_cves(document: dict[str, Any]) -> list[dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for vulnerability in _dicts(document.get("vulnerabilities")):
        cve_id = str(vulnerability.get("cve") or "").strip().upper()
        if not cve_id or cve_id in rows:
            continue
        try:
            validate_cve_id(cve_id)
        except ValidationError:
            continue  # not a CVE id: the vendor's other identifiers stay in its own advisory
        row = {"cve_id": cve_id}
        for score in _dicts(vulnerability.get("scores")):
            cvss_v3 = score.get("cvss_v3")
            vector = str(cvss_v3.get("vectorString") or "") if isinstance(cvss_v3, dict) else ""
            if vector.startswith("CVSS:3.1/"):
                row["cvss3_vector"] = vector
        rows[cve_id] = row
    return list(rows.values())


def _draft_references(document: dict[str, Any]) -> list[dict[str, str]]:
    refs = _dicts(_meta(document).get("references"))
    for vulnerability in _dicts(document.get("vulnerabilities")):
        refs += _dicts(vulnerability.get("references"))
    good = []
    for ref in refs:
        url = str(ref.get("url") or "")
        try:
            _URL(url)
        except ValidationError:
            continue
        good.append({"url": url, "summary": str(ref.get("summary") or url)})
    return good


def check_create_draft_from_vendor_advisory(user: Any, vendor_advisory: VendorAdvisory) -> Advisory:
    principal = principal_for(user)
    if not principal.has_perm("advisory.add") or not principal.has_perm("vendoradvisory.view"):
        raise PermissionDenied(_("You may not write advisories from vendor advisories."))
    return create_draft_from_vendor_advisory(vendor_advisory, user)


def create_draft_from_vendor_advisory(vendor_advisory: VendorAdvisory, user: Any) -> Advisory:
    """A draft filled from an imported CSAF advisory: title, texts from its notes, its CVEs with
    their CVSS v3.1 vectors, its affected products, remediations and references. Both languages
    start from the vendor's English; the Indonesian is marked as lagging (to be translated)."""
    document = vendor_advisory.document if isinstance(vendor_advisory.document, dict) else {}
    texts = _draft_texts(document)
    fields: dict[str, Any] = {
        "kind": AdvisoryKind.ADVISORY,
        "tlp": vendor_advisory.tlp if vendor_advisory.tlp != TLP.RED else TLP.AMBER_STRICT,
    }
    for language in LANGUAGES:
        fields[f"title_{language}"] = vendor_advisory.title[:300]
        for name, text in texts.items():
            fields[f"{name}_{language}"] = text
    severities = []
    products = []
    seen: set[tuple[str, ...]] = set()
    rows = AffectedProduct.objects.filter(
        vendor_advisory=vendor_advisory, status="affected"
    ).order_by("pk")
    for row in rows:
        key = (row.vendor, row.product or row.name, row.versions, row.cpe, row.purl)
        if key in seen:
            continue
        seen.add(key)
        products.append(
            {
                "vendor": (row.vendor or vendor_advisory.publisher_name)[:255],
                "product": (row.product or row.name)[:500],
                "versions": row.versions[:500],
                "cpe": row.cpe,
                "purl": row.purl,
            }
        )
    data = {
        "cves": _draft_cves(document),
        "products": products[:MAX_ITEMS],
        "references": _draft_references(document)[:MAX_ITEMS],
    }
    if fields["tlp"] in distribution.NAMED_ONLY_TLPS:
        fields["target_inventory"] = False
    try:
        relations = _relations(user, data)
    except ValidationError:
        # A vendor's odd CVSS vector must not stop the draft: keep the CVEs without scores.
        data["cves"] = [{"cve_id": row["cve_id"]} for row in data["cves"]]
        relations = _relations(user, data)
    for cve in relations.get("cves", []):
        if cve.cvss3_severity:
            severities.append(cve.cvss3_severity)
    order = [
        AdvisorySeverity.LOW,
        AdvisorySeverity.MEDIUM,
        AdvisorySeverity.HIGH,
        AdvisorySeverity.CRITICAL,
    ]
    known = [value for value in severities if value in order]
    if known:
        fields["severity"] = max(known, key=order.index)
    now = timezone.now()
    # The Indonesian is the English copied: older than the English, so the page flags it.
    changed_at = {"en": now, "id": now - timedelta(seconds=1)}
    advisory = do_create_advisory(user, fields, relations, changed_at=changed_at)
    advisory.vendor_advisory = vendor_advisory
    advisory.save(update_fields=["vendor_advisory", "updated_at"])
    return advisory
