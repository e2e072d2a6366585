"""The frozen content of an advisory revision: what readers saw, and what every export reads.

``snapshot(advisory)`` turns the working copy into a plain, JSON-serialisable dict, stored as
``AdvisoryRevision.content`` when a revision is published. The public page, the CSAF export, the
PDF, the feeds and the CSAF provider directory read revisions' content only; the working copy is
never exported, so a draft edit can never leak before it is reviewed.

Call it while publishing, after the working copy carries the new revision's numbers: ``version``
set to the revision's version, ``last_published_at`` (and on the first publication
``first_published_at``) set to the moment of publishing. The history lists every revision already
stored below that version, then the one being published (``change_summary_id`` / ``_en`` are given
as arguments, since the revision row does not exist yet).

Format (``FORMAT_VERSION`` 1)::

    {
      "format": 1,
      "tracking_id": "SIAGA-ADV-2026-0001",
      "uuid": "0b0e…",                       # the advisory's UUID (stable across revisions)
      "version": 2,                          # this revision's number, 1, 2, …
      "kind": "advisory",                    # AdvisoryKind value
      "severity": "high",                    # AdvisorySeverity value
      "tlp": "clear",                        # TLP 2.0 value (siaga.sharing.choices.TLP)
      "texts": {
        "id": {"title": …, "summary": …, "description": …, "remediation": …, "workarounds": …},
        "en": {…same keys…}                  # each language as written (may be "")
      },
      "cves": [{"cve_id", "cvss3_vector", "cvss3_score", "cvss3_severity",
                "cvss4_vector", "cvss4_score", "cvss4_severity"}],   # scores as float or None
      "products": [{"vendor", "product", "versions", "fixed_in", "cpe", "purl"}],
      "references": [{"url", "summary"}],
      "attack_techniques": [{"id": "T1190", "name": "Exploit Public-Facing Application"}],
      "issuer": "Health CERT",               # the issuing organization's name
      "vendor_advisory": {"tracking_id", "publisher", "publisher_namespace"} or None,
      "first_published_at": "2026-03-01T02:00:00+00:00",
      "published_at": "2026-03-05T02:00:00+00:00",
      "history": [{"version": 1, "published_at": "…",
                   "change_summary": {"id": "…", "en": "…"}}, …]     # oldest first, this one last
    }

Strings are kept exactly as written; readers escape them (templates autoescape, CSAF is JSON).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from siaga.advisories.models import LANGUAGES, TEXT_FIELDS, Advisory, AdvisoryRevision

FORMAT_VERSION = 1


def snapshot(
    advisory: Advisory,
    *,
    change_summary_id: str = "",
    change_summary_en: str = "",
    published_at: datetime | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    """The content of the revision being published from ``advisory`` (see the module docstring).

    ``version`` and ``published_at`` default to the working copy's ``version`` and
    ``last_published_at``; pass them when the working copy is updated after the snapshot."""
    published = published_at or advisory.last_published_at or timezone.now()
    first = advisory.first_published_at or published
    version = version or advisory.version or 1
    return {
        "format": FORMAT_VERSION,
        "tracking_id": advisory.tracking_id,
        "uuid": str(advisory.uuid),
        "version": version,
        "kind": advisory.kind,
        "severity": advisory.severity,
        "tlp": advisory.tlp,
        "texts": {
            language: {
                name: str(getattr(advisory, f"{name}_{language}") or "") for name in TEXT_FIELDS
            }
            for language in LANGUAGES
        },
        "cves": [_cve(cve) for cve in advisory.cves.order_by("cve_id")],
        "products": [
            {
                "vendor": product.vendor,
                "product": product.product,
                "versions": product.versions,
                "fixed_in": product.fixed_in,
                "cpe": product.cpe,
                "purl": product.purl,
            }
            for product in advisory.products.order_by("vendor", "product", "pk")
        ],
        "references": [
            {"url": str(ref.get("url", "")), "summary": str(ref.get("summary", "") or "")}
            for ref in (advisory.references or [])
            if isinstance(ref, dict) and ref.get("url")
        ],
        "attack_techniques": [
            {"id": technique.attack_id, "name": technique.name}
            for technique in advisory.attack_techniques.order_by("attack_id")
        ],
        "issuer": advisory.organization.name,
        "vendor_advisory": _vendor_advisory(advisory),
        "first_published_at": _iso(first),
        "published_at": _iso(published),
        "history": _history(advisory, version, published, change_summary_id, change_summary_en),
    }


def _cve(cve: Any) -> dict[str, Any]:
    return {
        "cve_id": cve.cve_id,
        "cvss3_vector": cve.cvss3_vector,
        "cvss3_score": _score(cve.cvss3_score),
        "cvss3_severity": cve.cvss3_severity,
        "cvss4_vector": cve.cvss4_vector,
        "cvss4_score": _score(cve.cvss4_score),
        "cvss4_severity": cve.cvss4_severity,
    }


def _score(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _vendor_advisory(advisory: Advisory) -> dict[str, str] | None:
    source = advisory.vendor_advisory
    if source is None:
        return None
    return {
        "tracking_id": source.tracking_id,
        "publisher": source.publisher_name,
        "publisher_namespace": source.publisher_namespace,
    }


def _history(
    advisory: Advisory, version: int, published: datetime, summary_id: str, summary_en: str
) -> list[dict[str, Any]]:
    earlier = AdvisoryRevision.objects.filter(advisory=advisory, version__lt=version).order_by(
        "version"
    )
    history = [
        {
            "version": revision.version,
            "published_at": _iso(revision.published_at),
            "change_summary": {"id": revision.change_summary_id, "en": revision.change_summary_en},
        }
        for revision in earlier
    ]
    history.append(
        {
            "version": version,
            "published_at": _iso(published),
            "change_summary": {"id": summary_id, "en": summary_en},
        }
    )
    return history


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def text(content: dict[str, Any], name: str, language: str) -> str:
    """One text of a snapshot in ``language``, falling back to the other language when empty."""
    other = "en" if language == "id" else "id"
    texts = content.get("texts", {})
    return str(texts.get(language, {}).get(name) or texts.get(other, {}).get(name) or "")
