"""Writing advisories, the four-eyes workflow and constituents' answers.

``check_*`` checks permission and input, then changes state (in one transaction, the advisory's
row locked); ``access_*`` fetches one object the user may see (404 otherwise). Every change is in
the audit trail: the rows' saves through the audit signals, each workflow step as its own entry
naming the step.

The workflow::

    draft ──submit──► in_review ──approve──► published ──edit──► draft (version > 0: an update)
      ▲                  │                       │                  └─submit─► in_review ─approve─►
      └─────return───────┘                       └──withdraw──► withdrawn          published v+1

Approving needs ``advisory.approve`` and a second person: neither the author (``created_by``) nor
who submitted it for review. Readers (constituents) always see the last published revision
(``AdvisoryRevision.content``), never the working copy, so an update in progress stays invisible
until it is approved. TLP:RED is refused for advisories; TLP:AMBER and AMBER+STRICT ones go only
to the constituents named (``distribution``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.accounts.roles import CERT_STAFF_ROLES, principal_for
from siaga.advisories import distribution
from siaga.advisories.choices import AdvisoryKind, AdvisorySeverity, AdvisoryStatus, Answer
from siaga.advisories.models import (
    LANGUAGES,
    TEXT_FIELDS,
    Advisory,
    AdvisoryCve,
    AdvisoryProduct,
    AdvisoryRecipient,
    AdvisoryRevision,
)
from siaga.advisories.snapshot import snapshot
from siaga.attack.models import Technique
from siaga.attack.validation import validate_technique_ids
from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.constituents.choices import Province
from siaga.incidents.models import Incident
from siaga.incidents.models.sequences import next_number, tracking_year
from siaga.intel.models import Indicator
from siaga.notifications.actions import do_notify
from siaga.organizations.choices import ConstituentType, OrganizationKind
from siaga.organizations.models import Membership, Organization
from siaga.sharing.choices import TLP
from siaga.vulns.models import AffectedProduct, VendorAdvisory, Vulnerability, validate_cve_id
from siaga.vulns.scoring import CvssVectorError, score_cvss3, score_cvss4

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
RED_REFUSED = _(
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


# --- Input ---------------------------------------------------------------------------------------


def _issuing_organization(user: Any) -> Organization:
    """The CERT the author works for (the first active CERT for a superuser without one)."""
    membership = (
        Membership.objects.filter(
            user_id=user.pk,
            role__in=list(CERT_STAFF_ROLES),
            organization__kind=OrganizationKind.CERT,
            organization__is_active=True,
        )
        .select_related("organization")
        .order_by("pk")
        .first()
    )
    if membership is not None:
        return membership.organization
    cert = Organization.objects.filter(kind=OrganizationKind.CERT, is_active=True).first()
    if cert is None:
        raise ValidationError(_("There is no active CERT organization to issue advisories."))
    return cert


def _check_tlp(tlp: str) -> None:
    if tlp == TLP.RED:
        raise ValidationError({"tlp": RED_REFUSED})
    if tlp not in TLP.values:
        raise ValidationError({"tlp": _("Unknown TLP label.")})


def _list(data: dict[str, Any], name: str) -> list[Any]:
    value = data.get(name) or []
    if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
        raise ValidationError({name: _("Give a list.")})
    value = list(value)
    if len(value) > MAX_ITEMS:
        raise ValidationError({name: _("At most %(limit)d entries.") % {"limit": MAX_ITEMS}})
    return value


def _choices(data: dict[str, Any], name: str, allowed: list[str]) -> list[str]:
    values = [str(value) for value in _list(data, name)]
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError({name: _("Unknown: %(values)s.") % {"values": ", ".join(unknown)}})
    return list(dict.fromkeys(values))


def _text(value: Any) -> str:
    return str(value or "").replace("\x00", "").strip()


def clean_cves(rows: list[Any]) -> list[AdvisoryCve]:
    """CVE rows scored by the ``cvss`` library; each row's errors under ``cves``."""
    cves: list[AdvisoryCve] = []
    seen: set[str] = set()
    for index, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise ValidationError({"cves": _("Entry %(n)d is not an object.") % {"n": index}})
        cve_id = _text(row.get("cve_id")).upper()
        if cve_id in seen:
            raise ValidationError({"cves": _("%(cve)s is listed twice.") % {"cve": cve_id}})
        seen.add(cve_id)
        cve = AdvisoryCve(cve_id=cve_id)
        for version, scorer in (("3", score_cvss3), ("4", score_cvss4)):
            vector = _text(row.get(f"cvss{version}_vector"))
            if not vector:
                continue
            try:
                score = scorer(vector)
            except CvssVectorError as exc:
                raise ValidationError(
                    {
                        "cves": _("%(cve)s: bad CVSS vector: %(error)s")
                        % {"cve": cve_id, "error": exc}
                    }
                ) from None
            setattr(cve, f"cvss{version}_vector", score.vector)
            setattr(cve, f"cvss{version}_score", score.score)
            setattr(cve, f"cvss{version}_severity", score.severity)
        try:
            cve.full_clean(exclude=["advisory", "vulnerability"])
        except ValidationError as exc:
            messages = "; ".join(exc.messages)
            raise ValidationError({"cves": f"{cve_id or index}: {messages}"}) from None
        cves.append(cve)
    return cves


def clean_products(rows: list[Any]) -> list[AdvisoryProduct]:
    products = []
    for index, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise ValidationError({"products": _("Entry %(n)d is not an object.") % {"n": index}})
        product = AdvisoryProduct(**{name: _text(row.get(name)) for name in PRODUCT_FIELDS})
        try:
            product.full_clean(exclude=["advisory"])
        except ValidationError as exc:
            messages = "; ".join(exc.messages)
            raise ValidationError({"products": f"{index}: {messages}"}) from None
        products.append(product)
    return products


_URL = URLValidator(schemes=["http", "https"])


def clean_references(rows: list[Any]) -> list[dict[str, str]]:
    references: list[dict[str, str]] = []
    for index, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise ValidationError({"references": _("Entry %(n)d is not an object.") % {"n": index}})
        url = _text(row.get("url"))
        summary = _text(row.get("summary"))[:500]
        try:
            if len(url) > 2000:
                raise ValidationError(_("This address is too long."))
            _URL(url)
        except ValidationError:
            raise ValidationError(
                {
                    "references": _("%(n)d: not an http(s) address: %(url)s")
                    % {"n": index, "url": url[:100]}
                }
            ) from None
        if url not in {reference["url"] for reference in references}:
            references.append({"url": url, "summary": summary or url})
    return references


def _techniques(ids: list[Any]) -> list[Technique]:
    try:
        wanted = validate_technique_ids(ids)
    except ValidationError as exc:
        raise ValidationError({"attack_techniques": exc.messages}) from None
    return list(Technique.objects.filter(attack_id__in=wanted))


def _ids(rows: list[Any], name: str) -> list[int]:
    try:
        ids = sorted({int(value) for value in rows})
    except (TypeError, ValueError):
        raise ValidationError({name: _("Give a list of ids.")}) from None
    if any(value < 1 or value > 2**62 for value in ids):
        raise ValidationError({name: _("Give a list of ids.")})
    return ids


def _visible(user: Any, queryset: QuerySet[Any], rows: list[Any], name: str) -> list[Any]:
    """The objects of ``ids`` the user may see; an id they may not see is as unknown as one that
    does not exist."""
    ids = _ids(rows, name)
    found = list(queryset.filter(pk__in=ids))
    missing = sorted(set(ids) - {obj.pk for obj in found})
    if missing:
        raise ValidationError(
            {name: _("Unknown: %(ids)s.") % {"ids": ", ".join(str(pk) for pk in missing[:20])}}
        )
    return found


def _relations(user: Any, data: dict[str, Any]) -> dict[str, Any]:
    relations: dict[str, Any] = {}
    if "cves" in data:
        relations["cves"] = clean_cves(_list(data, "cves"))
    if "products" in data:
        relations["products"] = clean_products(_list(data, "products"))
    if "references" in data:
        relations["references"] = clean_references(_list(data, "references"))
    if "attack_techniques" in data:
        relations["attack_techniques"] = _techniques(_list(data, "attack_techniques"))
    if "incidents" in data:
        incidents = Incident.objects.restrict(user, "view")
        relations["incidents"] = _visible(user, incidents, _list(data, "incidents"), "incidents")
    if "indicators" in data:
        indicators = Indicator.objects.restrict(user, "view")
        relations["indicators"] = _visible(
            user, indicators, _list(data, "indicators"), "indicators"
        )
    if "target_organizations" in data:
        named = Organization.objects.filter(kind=OrganizationKind.CONSTITUENT, is_active=True)
        relations["target_organizations"] = _visible(
            user, named, _list(data, "target_organizations"), "target_organizations"
        )
    return relations


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    refused = sorted(set(data) - set(FIELDS) - set(RELATIONS))
    if refused:
        raise ValidationError({name: _("This field cannot be set.") for name in refused})
    fields = {name: data[name] for name in FIELDS if name in data}
    for name in TEXT_NAMES:
        if name in fields:
            fields[name] = _text(fields[name])
    if "kind" in fields and fields["kind"] not in AdvisoryKind.values:
        raise ValidationError({"kind": _("Unknown kind.")})
    if "severity" in fields and fields["severity"] not in AdvisorySeverity.values:
        raise ValidationError({"severity": _("Unknown severity.")})
    if "tlp" in fields:
        _check_tlp(fields["tlp"])
    if "target_constituent_types" in fields:
        fields["target_constituent_types"] = _choices(
            data, "target_constituent_types", ConstituentType.values
        )
    if "target_provinces" in fields:
        fields["target_provinces"] = _choices(data, "target_provinces", Province.values)
    for name in ("target_inventory", "target_all", "target_vital_only"):
        if name in fields:
            fields[name] = bool(fields[name])
    return fields


def _apply(advisory: Advisory, fields: dict[str, Any], now: datetime) -> None:
    """Set the fields and the languages' change times.

    A language whose texts change while the other keeps pace moves ahead: the other is flagged as
    lagging. A change to the lagging language is the translation catching up: both are in step
    again (whether every text was translated is for the reviewer to see; the flag cannot know)."""
    lagging = advisory.lagging_language
    changed = [
        language
        for language in LANGUAGES
        if any(
            name in fields and fields[name] != getattr(advisory, name)
            for name in (f"{text}_{language}" for text in TEXT_FIELDS)
        )
    ]
    if len(changed) == 2 or (changed and changed[0] == lagging):
        changed = list(LANGUAGES)
    for language in changed:
        setattr(advisory, f"{language}_changed_at", now)
    for name, value in fields.items():
        setattr(advisory, name, value)


def _save_relations(advisory: Advisory, relations: dict[str, Any]) -> None:
    if "cves" in relations:
        advisory.cves.all().delete()
        known = dict(
            Vulnerability.objects.filter(
                cve_id__in=[cve.cve_id for cve in relations["cves"]]
            ).values_list("cve_id", "pk")
        )
        for cve in relations["cves"]:
            cve.advisory = advisory
            cve.vulnerability_id = known.get(cve.cve_id)
            cve.save()
    if "products" in relations:
        advisory.products.all().delete()
        for product in relations["products"]:
            product.advisory = advisory
            product.save()
    if "references" in relations:
        advisory.references = relations["references"]
        advisory.save(update_fields=["references", "updated_at"])
    for name in ("attack_techniques", "incidents", "indicators", "target_organizations"):
        if name in relations:
            getattr(advisory, name).set(relations[name])


def _check_targets(advisory: Advisory) -> None:
    """TLP:AMBER and AMBER+STRICT go only to the constituents chosen by name."""
    if advisory.tlp in distribution.NAMED_ONLY_TLPS and distribution.uses_criteria(advisory):
        raise ValidationError(
            {
                "tlp": _(
                    "A TLP:AMBER or AMBER+STRICT advisory goes only to the constituents you name: "
                    'clear "all constituents", the kinds, provinces and the vital-infrastructure '
                    "flag, or choose TLP:GREEN or CLEAR."
                )
            }
        )


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


# --- Workflow ------------------------------------------------------------------------------------


def _record(advisory: Advisory, step: str, was: str, now_status: str, **extra: Any) -> None:
    do_record_event(
        AuditAction.UPDATE,
        advisory,
        changes={
            "workflow": step,
            "status": [was, now_status],
            "version": advisory.version,
            **extra,
        },
    )


def _locked(advisory: Advisory) -> Advisory:
    return Advisory.objects.select_for_update().get(pk=advisory.pk)


def _illegal(step: str, status: str) -> ValidationError:
    label = AdvisoryStatus(status).label
    messages = {
        "submit": _("Only a draft can be submitted for review; this advisory is %(status)s."),
        "approve": _("Only an advisory in review can be approved; this advisory is %(status)s."),
        "return": _("Only an advisory in review can be returned to draft; this one is %(status)s."),
        "withdraw": _("Only a published advisory can be withdrawn; this one is %(status)s."),
    }
    return ValidationError({"status": messages[step] % {"status": label}})


def ready_problems(advisory: Advisory) -> list[str]:
    """What keeps the working copy from being submitted or published."""
    problems = []
    if not (advisory.title_id or advisory.title_en):
        problems.append(_("Give a title."))
    if not (advisory.summary_id or advisory.summary_en):
        problems.append(_("Give a summary."))
    if advisory.tlp == TLP.RED:
        problems.append(str(RED_REFUSED))
    if advisory.tlp in distribution.NAMED_ONLY_TLPS:
        if distribution.uses_criteria(advisory) or advisory.target_inventory:
            problems.append(
                _(
                    "A TLP:AMBER or AMBER+STRICT advisory goes only to the constituents you name: "
                    "turn off the inventory and the criteria."
                )
            )
        named = set(advisory.target_organizations.values_list("pk", flat=True))
        if not named:
            problems.append(_("Name the constituents that may receive this TLP:AMBER advisory."))
        told = set(advisory.recipients.values_list("organization_id", flat=True))
        if told - named:
            # They keep reading the advisory's latest revision: it cannot become AMBER for them.
            problems.append(
                _(
                    "Constituents that received an earlier version are not named: they would read "
                    "this TLP:AMBER update. Name them, keep the earlier TLP, or write a new advisory."
                )
            )
    return problems


def _check_ready(advisory: Advisory) -> None:
    problems = ready_problems(advisory)
    if problems:
        raise ValidationError({"status": problems})


def check_submit(user: Any, advisory: Advisory) -> Advisory:
    if not Advisory.objects.restrict(user, "change").filter(pk=advisory.pk).exists():
        raise PermissionDenied(_("You may not submit this advisory for review."))
    with transaction.atomic():
        locked = _locked(advisory)
        if locked.status != AdvisoryStatus.DRAFT:
            raise _illegal("submit", locked.status)
        _check_ready(locked)
        locked.status = AdvisoryStatus.IN_REVIEW
        locked.submitted_by = user
        locked.submitted_at = timezone.now()
        locked.save()
        _record(locked, "submit", AdvisoryStatus.DRAFT, locked.status)
    return locked


def check_return(user: Any, advisory: Advisory, comment: str) -> Advisory:
    """Send an advisory in review back to draft, saying why; its author is told."""
    principal = principal_for(user)
    if not (
        principal.has_perm("advisory.approve", advisory.organization_id)
        or Advisory.objects.restrict(user, "change").filter(pk=advisory.pk).exists()
    ):
        raise PermissionDenied(_("You may not return this advisory to draft."))
    comment = _text(comment)[:5000]
    if not comment:
        raise ValidationError({"comment": _("Say why the advisory goes back to draft.")})
    with transaction.atomic():
        locked = _locked(advisory)
        if locked.status != AdvisoryStatus.IN_REVIEW:
            raise _illegal("return", locked.status)
        locked.status = AdvisoryStatus.DRAFT
        locked.save()
        _record(locked, "return", AdvisoryStatus.IN_REVIEW, locked.status, comment=comment)
        recipients = [
            person
            for person in (locked.created_by, locked.submitted_by)
            if person is not None and person.pk != getattr(user, "pk", None)
        ]
        do_notify(
            distribution.RETURNED,
            recipients=recipients,
            context={
                "reference": locked.tracking_id,
                "title": locked.title_en or locked.title_id,
                "url": distribution._absolute("advisories:detail", locked.pk),
                "actor": getattr(user, "full_name", "") or getattr(user, "email", ""),
                "comment": comment,
            },
            object_type=distribution.OBJECT_TYPE,
            object_id=str(locked.pk),
        )
    return locked


def check_approve(
    user: Any, advisory: Advisory, change_summary_id: str = "", change_summary_en: str = ""
) -> Advisory:
    """Publish the advisory in review as its next revision (four eyes), and distribute it."""
    if not principal_for(user).has_perm("advisory.approve", advisory.organization_id):
        raise PermissionDenied(_("Only a CERT lead or administrator may publish advisories."))
    summaries = {"id": _text(change_summary_id)[:500], "en": _text(change_summary_en)[:500]}
    with transaction.atomic():
        locked = _locked(advisory)
        if locked.status != AdvisoryStatus.IN_REVIEW:
            raise _illegal("approve", locked.status)
        if user.pk in {locked.created_by_id, locked.submitted_by_id}:
            raise FourEyesError(
                _(
                    "Four eyes: the author of an advisory and who submitted it for review cannot "
                    "approve it. Ask another lead or administrator."
                )
            )
        if locked.version > 0 and not (summaries["id"] or summaries["en"]):
            raise ValidationError(
                {"change_summary_en": _("Say what changed in this update, in either language.")}
            )
        _check_ready(locked)
        return do_publish(locked, user, summaries)


def do_publish(advisory: Advisory, approver: Any, summaries: dict[str, str]) -> Advisory:
    """Freeze the working copy as the next revision and distribute it (in the caller's
    transaction, the advisory's row locked)."""
    now = timezone.now()
    was = advisory.status
    advisory.version += 1
    advisory.status = AdvisoryStatus.PUBLISHED
    advisory.last_published_at = now
    advisory.first_published_at = advisory.first_published_at or now
    content = snapshot(
        advisory,
        change_summary_id=summaries.get("id", ""),
        change_summary_en=summaries.get("en", ""),
        published_at=now,
    )
    advisory.save()
    AdvisoryRevision.objects.create(
        advisory=advisory,
        version=advisory.version,
        content=content,
        change_summary_id=summaries.get("id", ""),
        change_summary_en=summaries.get("en", ""),
        author=advisory.submitted_by or advisory.created_by,
        approved_by=approver,
        published_at=now,
    )
    recipients = distribution.do_distribute(advisory, now=now)
    _record(
        advisory,
        "publish" if advisory.version == 1 else "publish_update",
        was,
        advisory.status,
        recipients=len(recipients),
    )
    return advisory


def check_withdraw(user: Any, advisory: Advisory, reason: str) -> Advisory:
    if not principal_for(user).has_perm("advisory.approve", advisory.organization_id):
        raise PermissionDenied(_("Only a CERT lead or administrator may withdraw advisories."))
    reason = _text(reason)[:5000]
    if not reason:
        raise ValidationError({"reason": _("Say why the advisory is withdrawn.")})
    with transaction.atomic():
        locked = _locked(advisory)
        if locked.version == 0 or locked.status == AdvisoryStatus.WITHDRAWN:
            raise _illegal("withdraw", locked.status)
        was = locked.status
        locked.status = AdvisoryStatus.WITHDRAWN
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_reason = reason
        locked.save()
        told = distribution.do_notify_withdrawal(locked)
        _record(locked, "withdraw", was, locked.status, reason=reason, recipients=told)
    return locked


def preview_recipients(advisory: Advisory) -> list[distribution.Planned]:
    """Who would receive the advisory if it were published now (the review page shows it)."""
    return list(distribution.recipients_for(advisory).values())


# --- Answers -------------------------------------------------------------------------------------


def answer_counts(advisory: Advisory) -> dict[str, int]:
    counts = dict.fromkeys(Answer.values, 0)
    counts["unanswered"] = 0
    for answer in advisory.recipients.values_list("answer", flat=True):
        counts[answer or "unanswered"] += 1
    return counts


def check_answer(
    user: Any, recipient: AdvisoryRecipient, answer: str, comment: str = ""
) -> AdvisoryRecipient:
    """A constituent's answer to an advisory it received (``advisoryrecipient.change``); "need
    help" alerts the advisory's author and the CERT's duty staff."""
    allowed = AdvisoryRecipient.objects.restrict(user, "change").filter(pk=recipient.pk)
    if not allowed.exists():
        raise PermissionDenied(_("You may not answer for this constituent."))
    if answer not in Answer.values:
        raise ValidationError({"answer": _("Choose an answer.")})
    comment = _text(comment)[:5000]
    if answer == Answer.NEED_HELP and not comment:
        raise ValidationError({"comment": _("Say what help you need.")})
    with transaction.atomic():
        locked = (
            AdvisoryRecipient.objects.select_for_update()
            .select_related("advisory", "organization")
            .get(pk=recipient.pk)
        )
        if locked.advisory.status == AdvisoryStatus.WITHDRAWN:
            raise ValidationError({"answer": _("This advisory was withdrawn: no answer needed.")})
        locked.answer = answer
        locked.answer_comment = comment
        locked.answered_by = user
        locked.answered_at = timezone.now()
        locked.save()
        if answer == Answer.NEED_HELP:
            _alert_need_help(locked, user)
    return locked


def _alert_need_help(recipient: AdvisoryRecipient, user: Any) -> None:
    from siaga.incidents.actions.reports import duty_staff

    advisory = recipient.advisory
    people = list(duty_staff())
    if advisory.created_by is not None:
        people.insert(0, advisory.created_by)
    do_notify(
        distribution.NEED_HELP,
        recipients=people,
        context={
            "reference": advisory.tracking_id,
            "title": advisory.title_en or advisory.title_id,
            "url": distribution._absolute("advisories:recipients", advisory.pk),
            "actor": getattr(user, "full_name", "") or getattr(user, "email", ""),
            "organization": recipient.organization.name,
            "comment": recipient.answer_comment,
        },
        object_type=distribution.OBJECT_TYPE,
        object_id=str(advisory.pk),
        organization=recipient.organization,
    )


def recipient_for_answer(
    user: Any, advisory: Advisory, organization_id: int | None = None
) -> AdvisoryRecipient:
    """The row the user answers: their organization's (``organization_id`` when they hold the
    right in several)."""
    rows = received_by(user, advisory, "change")
    if organization_id is not None:
        rows = rows.filter(organization_id=organization_id)
    found = list(rows[:2])
    if not found:
        if received_by(user, advisory).exists():
            raise PermissionDenied(_("You may not answer for this constituent."))
        raise ValidationError({"answer": _("This advisory was not sent to your organization.")})
    if len(found) > 1:
        raise ValidationError({"organization": _("Say which organization you answer for.")})
    return found[0]


# --- Reminders -----------------------------------------------------------------------------------


def due_reminders(now: datetime) -> QuerySet[AdvisoryRecipient]:
    """Recipients that have not answered a live advisory for ``SIAGA_ADVISORY_REMINDER_DAYS``
    since they were last told or reminded, reminded fewer than ``SIAGA_ADVISORY_MAX_REMINDERS``."""
    since = now - timedelta(days=settings.SIAGA_ADVISORY_REMINDER_DAYS)
    return (
        AdvisoryRecipient.objects.filter(
            answer="",
            advisory__version__gt=0,
            reminders_sent__lt=settings.SIAGA_ADVISORY_MAX_REMINDERS,
            organization__is_active=True,
        )
        .exclude(advisory__status=AdvisoryStatus.WITHDRAWN)
        .filter(
            Q(last_reminded_at__lte=since)
            | Q(last_reminded_at__isnull=True, notified_at__lte=since)
        )
        .order_by("pk")
    )


def do_send_reminders(now: datetime | None = None) -> dict[str, int]:
    """Remind each due recipient once (row locked and checked again: overlapping runs are safe)."""
    now = now or timezone.now()
    sent = 0
    for pk in list(due_reminders(now).values_list("pk", flat=True)):
        with transaction.atomic():
            row = (
                due_reminders(now)
                .select_for_update(of=("self",))
                .select_related("advisory", "organization")
                .filter(pk=pk)
                .first()
            )
            if row is None:
                continue
            row.reminders_sent += 1
            row.last_reminded_at = now
            row.save(update_fields=["reminders_sent", "last_reminded_at", "updated_at"])
            distribution.notify_recipient(
                row.advisory,
                row,
                distribution.REMINDER,
                reminder=row.reminders_sent,
                reminders_max=settings.SIAGA_ADVISORY_MAX_REMINDERS,
            )
            sent += 1
    return {"reminded": sent}
