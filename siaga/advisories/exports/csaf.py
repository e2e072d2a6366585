"""A published revision as a CSAF 2.0 document, in one language.

Only revisions are exported (their frozen ``content``, see ``siaga.advisories.snapshot``): the
working copy never is, so ``tracking.status`` is always ``final`` and ``tracking.version`` is the
revision's number (integer versioning, one ``revision_history`` entry per published revision).

Profiles:

- ``csaf_security_advisory`` for alerts and advisories that name at least one CVE and at least one
  product: a ``product_tree`` (vendor → product_name → product_version or product_version_range,
  and a fixed product_version when ``fixed_in`` is given), one vulnerability per CVE with notes,
  product_status (known_affected / fixed), CVSS v3.x scores (CSAF 2.0's ``cvss_v3`` object has no
  room for v4.0, so v4.0 vectors go into a note), remediations, references and threats.
- ``csaf_informational_advisory`` for everything else (announcements, situation reports, and
  alerts/advisories without CVEs or without products): no vulnerabilities, the texts as document
  notes, CVEs (if any) named in a note and as references. The profile needs an external reference;
  when the advisory has none, the issuing CERT's site (the publisher namespace) is given.

The product tree (versions as branches, product ids, CPE/purl helpers) is built by
``csaf_products``.

TLP 2.0 is written as CSAF 2.0's TLP 1.0 labels: CLEAR → WHITE, AMBER+STRICT → AMBER (the
distribution text keeps the strict meaning).

Siaga writes its advisories in Bahasa Indonesia; the English document is its translation, so it
carries ``source_lang: "id"``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from siaga.advisories.choices import AdvisoryKind, AdvisorySeverity
from siaga.advisories.exports.csaf_products import ProductTree, product_label
from siaga.advisories.exports.public import public_url
from siaga.advisories.models import AdvisoryRevision
from siaga.advisories.snapshot import text
from siaga.sharing.choices import TLP
from siaga.vulns.scoring import CvssVectorError, score_cvss3

SOURCE_LANGUAGE = "id"
TLP_URL = "https://www.first.org/tlp/"
TLP_LABELS = {
    TLP.CLEAR: "WHITE",
    TLP.GREEN: "GREEN",
    TLP.AMBER: "AMBER",
    TLP.AMBER_STRICT: "AMBER",
    TLP.RED: "RED",
}
SECURITY_KINDS = frozenset({AdvisoryKind.ALERT, AdvisoryKind.ADVISORY})


def csaf_document(revision: AdvisoryRevision, language: str) -> dict[str, Any]:
    """The CSAF 2.0 document of ``revision`` in ``language`` ("id" or "en")."""
    if language not in ("id", "en"):
        raise ValueError(f"Unknown language {language!r}")
    with translation.override(language):
        return _Builder(revision.content, language).document()


def tlp_label(tlp: str) -> str:
    """The CSAF 2.0 (TLP 1.0) label of a TLP 2.0 value."""
    return TLP_LABELS[TLP(tlp)]


def csaf_filename(tracking_id: str) -> str:
    """The file name CSAF 2.0 (section 5.1) gives a document: the tracking id in lower case,
    every character outside ``[+\\-a-z0-9]`` replaced by ``_``, and ``.json``."""
    return re.sub(r"[^+\-a-z0-9]+", "_", tracking_id.lower()) + ".json"


@cache
def engine_version() -> str:
    try:
        return version("siaga")
    except PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        return "0"


def _date(value: str) -> str:
    moment = datetime.fromisoformat(value).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class _Builder:
    """Builds one document; keeps the product ids assigned while walking the products."""

    def __init__(self, content: dict[str, Any], language: str) -> None:
        self.content = content
        self.language = language
        self.products = ProductTree()

    def text(self, name: str) -> str:
        return text(self.content, name, self.language)

    def is_security(self) -> bool:
        return (
            self.content.get("kind") in SECURITY_KINDS
            and bool(self.content.get("cves"))
            and bool(self.content.get("products"))
        )

    def document(self) -> dict[str, Any]:
        security = self.is_security()
        result: dict[str, Any] = {"document": self.document_meta(security)}
        if security:
            result["product_tree"] = self.products.build(self.content["products"])
            result["vulnerabilities"] = [self.vulnerability(cve) for cve in self.content["cves"]]
        return result

    # --- document --------------------------------------------------------------------------

    def document_meta(self, security: bool) -> dict[str, Any]:
        content = self.content
        publisher = dict(settings.SIAGA_CSAF_PUBLISHER)
        meta: dict[str, Any] = {
            "category": "csaf_security_advisory" if security else "csaf_informational_advisory",
            "csaf_version": "2.0",
            "publisher": {
                "category": "coordinator",
                "name": publisher["name"],
                "namespace": publisher["namespace"],
                **{
                    key: publisher[key]
                    for key in ("contact_details", "issuing_authority")
                    if publisher.get(key)
                },
            },
            "title": self.text("title") or content["tracking_id"],
            "lang": self.language,
            "distribution": self.distribution(),
            "aggregate_severity": {"text": str(AdvisorySeverity(content["severity"]).label)},
            "tracking": self.tracking(),
        }
        if self.language != SOURCE_LANGUAGE:
            meta["source_lang"] = SOURCE_LANGUAGE
        notes = self.document_notes(security)
        if notes:
            meta["notes"] = notes
        meta["references"] = self.document_references(security)
        return meta

    def distribution(self) -> dict[str, Any]:
        tlp = TLP(self.content["tlp"])
        texts = {
            TLP.CLEAR: _("TLP:CLEAR. Disclosure is not limited."),
            TLP.GREEN: _(
                "TLP:GREEN. Limited disclosure, recipients may share within their community."
            ),
            TLP.AMBER: _(
                "TLP:AMBER. Limited disclosure, recipients may share within their organization "
                "and its clients on a need-to-know basis."
            ),
            TLP.AMBER_STRICT: _(
                "TLP:AMBER+STRICT. Limited disclosure, restricted to the recipient's "
                "organization only."
            ),
            TLP.RED: _("TLP:RED. For the eyes and ears of individual recipients only."),
        }
        return {"text": texts[tlp], "tlp": {"label": TLP_LABELS[tlp], "url": TLP_URL}}

    def tracking(self) -> dict[str, Any]:
        content = self.content
        history = sorted(content.get("history") or [], key=lambda entry: int(entry["version"]))
        if not history or int(history[-1]["version"]) != int(content["version"]):
            history.append({"version": content["version"], "published_at": content["published_at"]})
        return {
            "id": content["tracking_id"],
            "status": "final",
            "version": str(int(content["version"])),
            "initial_release_date": _date(content["first_published_at"]),
            "current_release_date": _date(content["published_at"]),
            "revision_history": [self.revision_entry(entry) for entry in history],
            "generator": {
                "engine": {"name": "Siaga", "version": engine_version()},
                "date": _date(content["published_at"]),
            },
        }

    def revision_entry(self, entry: dict[str, Any]) -> dict[str, Any]:
        summaries = entry.get("change_summary") or {}
        other = "en" if self.language == "id" else "id"
        summary = summaries.get(self.language) or summaries.get(other) or ""
        if not summary:
            summary = _("Initial version.") if int(entry["version"]) == 1 else _("Updated.")
        return {
            "number": str(int(entry["version"])),
            "date": _date(entry["published_at"]),
            "summary": summary,
        }

    def document_notes(self, security: bool) -> list[dict[str, Any]]:
        notes: list[dict[str, Any]] = []
        for name, category, title in (
            ("summary", "summary", _("Summary")),
            ("description", "description", _("Description")),
        ):
            if value := self.text(name):
                notes.append({"category": category, "title": str(title), "text": value})
        if not security:
            for name, title in (
                ("remediation", _("Remediation")),
                ("workarounds", _("Workarounds")),
            ):
                if value := self.text(name):
                    notes.append({"category": "general", "title": str(title), "text": value})
        if not notes:
            # The informational profile needs a note of its own (CSAF test 6.1.27.1).
            notes.append(
                {
                    "category": "summary",
                    "title": str(_("Summary")),
                    "text": self.text("title") or self.content["tracking_id"],
                }
            )
        notes.append(
            {
                "category": "general",
                "title": str(_("Kind")),
                "text": str(AdvisoryKind(self.content["kind"]).label),
            }
        )
        if not security and self.content.get("cves"):
            notes.append(
                {
                    "category": "other",
                    "title": str(_("CVEs")),
                    "text": ", ".join(cve["cve_id"] for cve in self.content["cves"]),
                }
            )
        if not security and self.content.get("products"):
            lines = [product_label(product) for product in self.content["products"]]
            notes.append(
                {
                    "category": "other",
                    "title": str(_("Affected products")),
                    "text": "\n".join(lines),
                }
            )
        techniques = self.content.get("attack_techniques") or []
        if techniques:
            notes.append(
                {
                    "category": "other",
                    "title": str(_("MITRE ATT&CK techniques")),
                    "text": "\n".join(f"{t['id']} {t['name']}" for t in techniques),
                }
            )
        source = self.content.get("vendor_advisory")
        if source:
            notes.append(
                {
                    "category": "other",
                    "title": str(_("Source")),
                    "text": _("Based on %(publisher)s advisory %(tracking_id)s.")
                    % {"publisher": source["publisher"], "tracking_id": source["tracking_id"]},
                }
            )
        return notes

    def document_references(self, security: bool) -> list[dict[str, Any]]:
        references: list[dict[str, Any]] = []
        seen: set[str] = set()
        if self.content["tlp"] == TLP.CLEAR:
            url = public_url(self.content["tracking_id"], self.language)
            references.append(
                {"category": "self", "summary": str(_("This advisory on the web")), "url": url}
            )
            seen.add(url)
        for reference in self.content.get("references") or []:
            url = reference["url"]
            if url in seen:
                continue
            seen.add(url)
            references.append(
                {
                    "category": "external",
                    "summary": reference.get("summary") or url,
                    "url": url,
                }
            )
        if not security:
            for cve in self.content.get("cves") or []:
                url = _cve_url(cve["cve_id"])
                if url not in seen:
                    seen.add(url)
                    references.append(
                        {"category": "external", "summary": cve["cve_id"], "url": url}
                    )
        if not any(ref["category"] == "external" for ref in references):
            # The informational profile needs an external reference (CSAF test 6.1.27.2).
            namespace = settings.SIAGA_CSAF_PUBLISHER["namespace"]
            references.append(
                {
                    "category": "external",
                    "summary": settings.SIAGA_CSAF_PUBLISHER["name"],
                    "url": namespace,
                }
            )
        return references

    # --- product tree ----------------------------------------------------------------------

    # --- vulnerabilities -------------------------------------------------------------------

    def vulnerability(self, cve: dict[str, Any]) -> dict[str, Any]:
        notes = [
            {
                "category": "summary",
                "title": str(_("Summary")),
                "text": self.text("summary") or self.text("title") or cve["cve_id"],
            }
        ]
        if description := self.text("description"):
            notes.append(
                {"category": "description", "title": str(_("Description")), "text": description}
            )
        if cve.get("cvss4_vector"):
            detail = cve["cvss4_vector"]
            if cve.get("cvss4_score") is not None:
                rating = " ".join(
                    part
                    for part in (
                        f"{cve['cvss4_score']:.1f}",
                        (cve.get("cvss4_severity") or "").upper(),
                    )
                    if part
                )
                detail = f"{detail} ({rating})"
            notes.append({"category": "other", "title": "CVSS v4.0", "text": detail})
        status: dict[str, list[str]] = {"known_affected": self.products.affected}
        if self.products.fixed:
            status["fixed"] = self.products.fixed
        vulnerability: dict[str, Any] = {
            "cve": cve["cve_id"],
            "notes": notes,
            "product_status": status,
            "references": [
                {"category": "external", "summary": cve["cve_id"], "url": _cve_url(cve["cve_id"])}
            ],
        }
        if score_v3 := self.cvss_v3(cve):
            vulnerability["scores"] = [{"cvss_v3": score_v3, "products": self.products.affected}]
        if remediations := self.remediations():
            vulnerability["remediations"] = remediations
        vulnerability["threats"] = self.threats()
        return vulnerability

    def cvss_v3(self, cve: dict[str, Any]) -> dict[str, Any] | None:
        vector = (cve.get("cvss3_vector") or "").strip()
        if not vector.startswith(("CVSS:3.0/", "CVSS:3.1/")):
            return None
        try:
            scored = score_cvss3(vector)
        except CvssVectorError:
            return None
        # The score is computed again from the vector so the two always agree (CSAF test 6.1.9).
        return {
            "version": scored.vector[5:8],
            "vectorString": scored.vector,
            "baseScore": float(scored.score),
            "baseSeverity": scored.severity.upper(),
        }

    def remediations(self) -> list[dict[str, Any]]:
        remediations: list[dict[str, Any]] = []
        remediation = self.text("remediation")
        if self.products.affected_with_fix:
            fixes = "; ".join(
                _("%(product)s: update to %(version)s") % {"product": label, "version": version}
                for label, version in self.products.fixes
            )
            details = f"{remediation}\n\n{fixes}" if remediation else fixes
            remediations.append(
                {
                    "category": "vendor_fix",
                    "details": details,
                    "product_ids": self.products.affected_with_fix,
                }
            )
            without_fix = [
                pid
                for pid in self.products.affected
                if pid not in set(self.products.affected_with_fix)
            ]
            if remediation and without_fix:
                remediations.append(
                    {"category": "mitigation", "details": remediation, "product_ids": without_fix}
                )
        elif remediation:
            remediations.append(
                {
                    "category": "mitigation",
                    "details": remediation,
                    "product_ids": self.products.affected,
                }
            )
        if workarounds := self.text("workarounds"):
            remediations.append(
                {
                    "category": "workaround",
                    "details": workarounds,
                    "product_ids": self.products.affected,
                }
            )
        return remediations

    def threats(self) -> list[dict[str, Any]]:
        severity = str(AdvisorySeverity(self.content["severity"]).label)
        threats: list[dict[str, Any]] = [
            {
                "category": "impact",
                "details": _("Severity assessed by the issuer: %(severity)s.")
                % {"severity": severity},
                "product_ids": self.products.affected,
            }
        ]
        if self.content["kind"] == AdvisoryKind.ALERT:
            threats.append(
                {
                    "category": "exploit_status",
                    "details": _("Active threat: exploitation has been reported."),
                    "product_ids": self.products.affected,
                }
            )
        return threats


def _cve_url(cve_id: str) -> str:
    return f"https://www.cve.org/CVERecord?id={cve_id}"
