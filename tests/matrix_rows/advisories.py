"""Permission-matrix rows of advisories: the CERT's staff write and submit, its leads and
administrators approve and withdraw (never their own: the rows are written by the analyst), the
auditor reads; a constituent reads and answers what was published to it, nothing else."""

from __future__ import annotations

from typing import Any

from siaga.advisories import actions
from siaga.core.testing import Personas
from siaga.vulns.models import VendorAdvisory
from tests.matrix_base import CERT_STAFF, IN_AN_ORGANIZATION, Operation, Page

APPROVERS = frozenset({"cert_admin", "cert_lead"})
READS_SENT_TO_HOSPITAL = CERT_STAFF | {"auditor", "constituent_admin", "constituent_reporter"}
READS_WORKING_COPIES = CERT_STAFF | {"auditor"}
ANSWERS_FOR_HOSPITAL = frozenset({"constituent_admin", "constituent_reporter"})


def _advisory(personas: Personas, title: str) -> Any:
    return actions.check_create_advisory(
        personas.cert_analyst,
        {
            "kind": "advisory",
            "title_en": title,
            "summary_en": "Update the firmware.",
            "target_inventory": False,
            "target_organizations": [personas.orgs.hospital.pk],
        },
    )


def rows(personas: Personas) -> dict[str, Any]:
    draft = _advisory(personas, "Draft advisory")
    in_review = actions.check_submit(personas.cert_analyst, _advisory(personas, "In review"))
    published = actions.check_approve(
        personas.cert_lead,
        actions.check_submit(personas.cert_analyst, _advisory(personas, "Published")),
    )
    vendor = VendorAdvisory.objects.create(
        publisher_name="Contoso",
        publisher_namespace="https://contoso.example",
        tracking_id="CONTOSO-MATRIX-1",
        title="Contoso Patient Monitor",
        category="csaf_security_advisory",
        document={"document": {"notes": [{"category": "summary", "text": "Patch."}]}},
        sha256="0" * 64,
    )
    return {
        "advisory_draft_id": draft.pk,
        "advisory_in_review_id": in_review.pk,
        "advisory_published_id": published.pk,
        "vendor_advisory_id": vendor.pk,
    }


def _draft(w: Any) -> list[Any]:
    return [w.extra["advisory_draft_id"]]


def _in_review(w: Any) -> list[Any]:
    return [w.extra["advisory_in_review_id"]]


def _published(w: Any) -> list[Any]:
    return [w.extra["advisory_published_id"]]


def _vendor(w: Any) -> list[Any]:
    return [w.extra["vendor_advisory_id"]]


PAGES = [
    Page("advisories:list", IN_AN_ORGANIZATION),
    Page("advisories:create", CERT_STAFF),
    Page("advisories:detail", READS_SENT_TO_HOSPITAL, args=_published),
    Page("advisories:edit", CERT_STAFF, args=_draft),
    Page("advisories:submit", CERT_STAFF, method="post", args=_draft),
    Page("advisories:approve", APPROVERS, method="post", args=_in_review),
    Page("advisories:return", CERT_STAFF, method="post", args=_in_review, data={"comment": "Why"}),
    Page("advisories:withdraw", APPROVERS, method="post", args=_published, data={"reason": "Why"}),
    Page("advisories:recipients", READS_WORKING_COPIES, args=_published),
    Page(
        "advisories:answer",
        ANSWERS_FOR_HOSPITAL,
        method="post",
        args=_published,
        data={"answer": "patched"},
    ),
    Page("advisories:from-vendor", CERT_STAFF, method="post", args=_vendor),
]


def _id(key: str) -> Any:
    return lambda w: {"id": w.extra[key]}


OPERATIONS = [
    Operation(
        "get",
        "/api/v1/advisories",
        IN_AN_ORGANIZATION,
        empty_for=frozenset({"coord_member", "other_reporter"}),
    ),
    Operation(
        "post",
        "/api/v1/advisories",
        CERT_STAFF,
        body={"kind": "alert", "title_en": "Active attack", "summary_en": "Patch now."},
    ),
    Operation(
        "get", "/api/v1/advisories/{id}", READS_SENT_TO_HOSPITAL, _id("advisory_published_id")
    ),
    Operation(
        "patch",
        "/api/v1/advisories/{id}",
        CERT_STAFF,
        _id("advisory_draft_id"),
        body={"title_id": "Judul"},
    ),
    Operation("post", "/api/v1/advisories/{id}/submit", CERT_STAFF, _id("advisory_draft_id")),
    Operation(
        "post", "/api/v1/advisories/{id}/approve", APPROVERS, _id("advisory_in_review_id"), body={}
    ),
    Operation(
        "post",
        "/api/v1/advisories/{id}/return",
        CERT_STAFF,
        _id("advisory_in_review_id"),
        body={"comment": "Add the CVSS vector."},
    ),
    Operation(
        "post",
        "/api/v1/advisories/{id}/withdraw",
        APPROVERS,
        _id("advisory_published_id"),
        body={"reason": "Retracted by the vendor."},
    ),
    Operation(
        "get",
        "/api/v1/advisories/{id}/recipients",
        READS_SENT_TO_HOSPITAL,
        _id("advisory_published_id"),
    ),
    Operation(
        "post",
        "/api/v1/advisories/{id}/answer",
        ANSWERS_FOR_HOSPITAL,
        _id("advisory_published_id"),
        body={"answer": "mitigating", "comment": "Isolated."},
    ),
    Operation(
        "post",
        "/api/v1/vendor-advisories/{id}/draft-advisory",
        CERT_STAFF,
        _id("vendor_advisory_id"),
    ),
]
