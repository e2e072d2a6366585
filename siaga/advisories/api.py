"""API of advisories: writing them, the four-eyes workflow, who received them and their answers.

The CERT reads and writes working copies; a constituent reads the advisories published to it (the
last revision's content, never the working copy) and answers them. Illegal workflow steps and bad
input answer 4xx with the reason (``validation-error`` naming the field, or ``permission-denied``).
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.accounts.roles import principal_for
from siaga.advisories import actions, distribution
from siaga.advisories.choices import (
    AdvisoryKind,
    AdvisorySeverity,
    AdvisoryStatus,
    Answer,
    RecipientReason,
)
from siaga.advisories.filters import filter_advisories
from siaga.advisories.models import Advisory
from siaga.constituents.choices import Province
from siaga.core.apitools import MAX_ID, ObjectId, Page, Text, optional
from siaga.organizations.api import OrganizationRef
from siaga.organizations.choices import ConstituentType
from siaga.vulns.models import VendorAdvisory

router = Router(tags=["advisories"])


class CveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    cve_id: Text = Field(max_length=32, description="CVE-YYYY-NNNN…")
    cvss3_vector: Text = Field("", max_length=200, description="A CVSS v3.1 vector, scored here.")
    cvss4_vector: Text = Field("", max_length=300, description="A CVSS v4.0 vector, scored here.")


class CveOut(Schema):
    cve_id: str
    vulnerability_id: int | None
    cvss3_vector: str
    cvss3_score: Decimal | None
    cvss3_severity: str
    cvss4_vector: str
    cvss4_score: Decimal | None
    cvss4_severity: str


class ProductIn(Schema):
    model_config = ConfigDict(extra="forbid")

    vendor: Text = Field(max_length=255)
    product: Text = Field(max_length=500)
    versions: Text = Field(
        "", max_length=500, description="Affected versions, e.g. <2.4 or 1.0 - 1.3."
    )
    fixed_in: Text = Field("", max_length=100)
    cpe: Text = Field("", max_length=1000, description="CPE 2.3 name.")
    purl: Text = Field("", max_length=2000, description="Package URL.")


class ProductOut(Schema):
    vendor: str
    product: str
    versions: str
    fixed_in: str
    cpe: str
    purl: str


class ReferenceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    url: Text = Field(max_length=2000, description="An http(s) address.")
    summary: Text = Field("", max_length=500)


class ReferenceOut(Schema):
    url: str
    summary: str


# TLP:RED passes the schema so the refusal can say why (``actions.RED_REFUSED``).
TLP_PATTERN = r"^(clear|green|amber|amber\+strict|red)$"


class AdvisoryIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: AdvisoryKind
    severity: AdvisorySeverity = AdvisorySeverity.MEDIUM
    tlp: str = Field(
        "clear",
        pattern=TLP_PATTERN,
        description="clear, green, amber or amber+strict (red is refused for advisories).",
    )
    title_id: Text = Field("", max_length=300)
    title_en: Text = Field("", max_length=300)
    summary_id: Text = Field("", max_length=50_000)
    summary_en: Text = Field("", max_length=50_000)
    description_id: Text = Field("", max_length=50_000)
    description_en: Text = Field("", max_length=50_000)
    remediation_id: Text = Field("", max_length=50_000)
    remediation_en: Text = Field("", max_length=50_000)
    workarounds_id: Text = Field("", max_length=50_000)
    workarounds_en: Text = Field("", max_length=50_000)
    cves: list[CveIn] = Field(default_factory=list, max_length=actions.MAX_ITEMS)
    products: list[ProductIn] = Field(default_factory=list, max_length=actions.MAX_ITEMS)
    references: list[ReferenceIn] = Field(default_factory=list, max_length=actions.MAX_ITEMS)
    attack_techniques: list[Text] = Field(default_factory=list, max_length=actions.MAX_ITEMS)
    incidents: list[int] = Field(default_factory=list, max_length=actions.MAX_ITEMS)
    indicators: list[int] = Field(default_factory=list, max_length=actions.MAX_ITEMS)
    target_inventory: bool = Field(
        True, description="Send to the constituents whose inventory runs an affected product."
    )
    target_all: bool = False
    target_constituent_types: list[ConstituentType] = Field(default_factory=list, max_length=20)
    target_provinces: list[Province] = Field(default_factory=list, max_length=40)
    target_vital_only: bool = False
    target_organizations: list[int] = Field(
        default_factory=list, max_length=actions.MAX_ITEMS, description="Constituents named."
    )


class AdvisoryPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: AdvisoryKind = optional()
    severity: AdvisorySeverity = optional()
    tlp: str = optional(pattern=TLP_PATTERN)
    title_id: Text = optional(max_length=300)
    title_en: Text = optional(max_length=300)
    summary_id: Text = optional(max_length=50_000)
    summary_en: Text = optional(max_length=50_000)
    description_id: Text = optional(max_length=50_000)
    description_en: Text = optional(max_length=50_000)
    remediation_id: Text = optional(max_length=50_000)
    remediation_en: Text = optional(max_length=50_000)
    workarounds_id: Text = optional(max_length=50_000)
    workarounds_en: Text = optional(max_length=50_000)
    cves: list[CveIn] = optional(max_length=actions.MAX_ITEMS)
    products: list[ProductIn] = optional(max_length=actions.MAX_ITEMS)
    references: list[ReferenceIn] = optional(max_length=actions.MAX_ITEMS)
    attack_techniques: list[Text] = optional(max_length=actions.MAX_ITEMS)
    incidents: list[int] = optional(max_length=actions.MAX_ITEMS)
    indicators: list[int] = optional(max_length=actions.MAX_ITEMS)
    target_inventory: bool = optional()
    target_all: bool = optional()
    target_constituent_types: list[ConstituentType] = optional(max_length=20)
    target_provinces: list[Province] = optional(max_length=40)
    target_vital_only: bool = optional()
    target_organizations: list[int] = optional(max_length=actions.MAX_ITEMS)


class RevisionOut(Schema):
    version: int
    published_at: datetime
    change_summary_id: str
    change_summary_en: str


class AdvisorySummary(Schema):
    """What a list shows; a constituent sees the published title of the last revision."""

    id: int
    tracking_id: str
    kind: AdvisoryKind
    status: AdvisoryStatus
    severity: AdvisorySeverity
    tlp: str
    version: int
    title: str
    first_published_at: datetime | None
    last_published_at: datetime | None

    @staticmethod
    def resolve_title(obj: Advisory, context: Any) -> str:
        request = context["request"]
        language = _language(request)
        if actions.sees_working_copy(request.user, obj):
            return obj.text("title", language)
        revision = distribution.latest_revision(obj)
        content = revision.content if revision else {}
        return distribution.revision_texts(content, language).get("title", "")


class AdvisoryOut(Schema):
    """The working copy (the CERT) or the last published revision (a constituent: ``content``)."""

    id: int
    uuid: str
    tracking_id: str
    kind: AdvisoryKind
    status: AdvisoryStatus
    severity: AdvisorySeverity
    tlp: str
    version: int
    working_copy: bool = Field(description="True when the texts below are the working copy.")
    lagging_language: str | None = Field(description="id or en: the translation behind.")
    texts: dict[str, dict[str, str]] = Field(description="Per language: title, summary, …")
    cves: list[dict[str, Any]]
    products: list[dict[str, Any]]
    references: list[dict[str, Any]]
    attack_techniques: list[str]
    incidents: list[int]
    indicators: list[int]
    target_inventory: bool
    target_all: bool
    target_constituent_types: list[str]
    target_provinces: list[str]
    target_vital_only: bool
    target_organizations: list[int]
    vendor_advisory_id: int | None
    first_published_at: datetime | None
    last_published_at: datetime | None
    withdrawn_at: datetime | None
    withdrawn_reason: str
    revisions: list[RevisionOut]
    answer_counts: dict[str, int] | None = Field(
        description="For the CERT: recipients per answer (and unanswered); null for readers."
    )


class AdvisoryRecipientOut(Schema):
    id: int
    organization: OrganizationRef
    reason: RecipientReason
    matched_items: list[dict[str, Any]]
    notified_version: int
    notified_at: datetime | None
    answer: str
    answer_comment: str
    answered_at: datetime | None
    reminders_sent: int
    last_reminded_at: datetime | None


class ApproveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    change_summary_id: Text = Field("", max_length=500, description="What changed (Indonesian).")
    change_summary_en: Text = Field("", max_length=500, description="What changed (English).")


class ReturnIn(Schema):
    model_config = ConfigDict(extra="forbid")

    comment: Text = Field(min_length=1, max_length=5000, description="Why it goes back to draft.")


class WithdrawIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=1, max_length=5000)


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    answer: Answer
    comment: Text = Field("", max_length=5000, description="Needed with need_help.")
    organization: int = optional(
        ge=1, le=MAX_ID, description="Only when you answer for several organizations."
    )


class AdvisoryFilter(Schema):
    status: AdvisoryStatus = optional()
    kind: AdvisoryKind = optional()
    q: Text = optional(max_length=200, description="Words of the tracking id or title.")


def _language(request: HttpRequest) -> str:
    return (get_language() or "id").split("-")[0]


def _out(request: HttpRequest, advisory: Advisory) -> dict[str, Any]:
    working = actions.sees_working_copy(request.user, advisory)
    revisions = [
        {
            "version": rev.version,
            "published_at": rev.published_at,
            "change_summary_id": rev.change_summary_id,
            "change_summary_en": rev.change_summary_en,
        }
        for rev in advisory.revisions.order_by("-version")
    ]
    base = {
        "id": advisory.pk,
        "uuid": str(advisory.uuid),
        "tracking_id": advisory.tracking_id,
        "kind": advisory.kind,
        "status": advisory.status,
        "severity": advisory.severity,
        "tlp": advisory.tlp,
        "version": advisory.version,
        "working_copy": working,
        "vendor_advisory_id": advisory.vendor_advisory_id if working else None,
        "first_published_at": advisory.first_published_at,
        "last_published_at": advisory.last_published_at,
        "withdrawn_at": advisory.withdrawn_at,
        "withdrawn_reason": advisory.withdrawn_reason,
        "revisions": revisions,
        "answer_counts": actions.answer_counts(advisory) if working else None,
    }
    if working:
        return {**base, **_working_copy(advisory)}
    return {**base, **_published(advisory)}


def _working_copy(advisory: Advisory) -> dict[str, Any]:
    return {
        "lagging_language": advisory.lagging_language,
        "texts": {
            language: {
                name: getattr(advisory, f"{name}_{language}") for name in actions.TEXT_FIELDS
            }
            for language in actions.LANGUAGES
        },
        "cves": [
            {
                "cve_id": cve.cve_id,
                "vulnerability_id": cve.vulnerability_id,
                "cvss3_vector": cve.cvss3_vector,
                "cvss3_score": float(cve.cvss3_score) if cve.cvss3_score is not None else None,
                "cvss3_severity": cve.cvss3_severity,
                "cvss4_vector": cve.cvss4_vector,
                "cvss4_score": float(cve.cvss4_score) if cve.cvss4_score is not None else None,
                "cvss4_severity": cve.cvss4_severity,
            }
            for cve in advisory.cves.all()
        ],
        "products": [
            {name: getattr(product, name) for name in actions.PRODUCT_FIELDS}
            for product in advisory.products.all()
        ],
        "references": list(advisory.references or []),
        "attack_techniques": list(advisory.attack_techniques.values_list("attack_id", flat=True)),
        "incidents": list(advisory.incidents.values_list("pk", flat=True)),
        "indicators": list(advisory.indicators.values_list("pk", flat=True)),
        "target_inventory": advisory.target_inventory,
        "target_all": advisory.target_all,
        "target_constituent_types": list(advisory.target_constituent_types or []),
        "target_provinces": list(advisory.target_provinces or []),
        "target_vital_only": advisory.target_vital_only,
        "target_organizations": list(advisory.target_organizations.values_list("pk", flat=True)),
    }


def _published(advisory: Advisory) -> dict[str, Any]:
    """A reader's view: the last revision's content only (targets and links stay with the CERT)."""
    revision = distribution.latest_revision(advisory)
    content = revision.content if revision else {}
    return {
        "lagging_language": None,
        "texts": {
            language: distribution.revision_texts(content, language) for language in ("id", "en")
        },
        "cves": list(content.get("cves") or []),
        "products": list(content.get("products") or []),
        "references": list(content.get("references") or []),
        "attack_techniques": [
            str(item.get("id", "")) for item in content.get("attack_techniques") or []
        ],
        "incidents": [],
        "indicators": [],
        "target_inventory": False,
        "target_all": False,
        "target_constituent_types": [],
        "target_provinces": [],
        "target_vital_only": False,
        "target_organizations": [],
    }


def _require_view(request: HttpRequest) -> None:
    if not principal_for(request.user).has_perm("advisory.view"):
        raise PermissionDenied(_("You may not see advisories."))


def _data(payload: Schema, *, exclude_unset: bool) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=exclude_unset)
    for name in ("target_constituent_types", "target_provinces"):
        if name in data:
            data[name] = [str(value) for value in data[name]]
    return data


@router.get(
    "/advisories",
    response=list[AdvisorySummary],
    operation_id="advisories_list",
    summary="List advisories",
)
@paginate(Page)
def list_advisories(request: HttpRequest, filters: Query[AdvisoryFilter]) -> Any:
    """The CERT: every advisory (filter by status); a constituent: those published to it."""
    _require_view(request)
    working = actions.reads_working_copies(request.user)
    advisories = filter_advisories(
        actions.visible_advisories(request.user),
        filters.model_dump(exclude_none=True),
        search_titles=working,
    )
    ordered = advisories.order_by("-last_published_at", "-created_at", "-pk")
    return ordered if working else distribution.with_revisions(ordered)


@router.post(
    "/advisories",
    response={201: AdvisoryOut},
    operation_id="advisories_create",
    summary="Write a new advisory (a draft)",
)
def create_advisory(request: HttpRequest, payload: AdvisoryIn) -> Any:
    advisory = actions.check_create_advisory(request.user, _data(payload, exclude_unset=False))
    return Status(201, _out(request, advisory))


@router.get(
    "/advisories/{id}",
    response=AdvisoryOut,
    operation_id="advisories_get",
    summary="Get an advisory",
)
def get_advisory(request: HttpRequest, id: ObjectId) -> Any:
    """The CERT reads the working copy; a recipient the last published revision."""
    return _out(request, actions.access_advisory(request.user, id))


@router.patch(
    "/advisories/{id}",
    response=AdvisoryOut,
    operation_id="advisories_update",
    summary="Edit an advisory's working copy",
)
def update_advisory(request: HttpRequest, id: ObjectId, payload: AdvisoryPatch) -> Any:
    """Send only what changes. Editing a published advisory starts an update (status draft);
    an advisory in review must be returned first."""
    advisory = actions.access_advisory(request.user, id)
    data = _data(payload, exclude_unset=True)
    return _out(request, actions.check_update_advisory(request.user, advisory, data))


@router.post(
    "/advisories/{id}/submit",
    response=AdvisoryOut,
    operation_id="advisories_submit",
    summary="Submit a draft for review",
)
def submit_advisory(request: HttpRequest, id: ObjectId) -> Any:
    advisory = actions.access_advisory(request.user, id)
    return _out(request, actions.check_submit(request.user, advisory))


@router.post(
    "/advisories/{id}/approve",
    response=AdvisoryOut,
    operation_id="advisories_approve",
    summary="Approve and publish an advisory in review",
)
def approve_advisory(request: HttpRequest, id: ObjectId, payload: ApproveIn) -> Any:
    """A CERT lead or administrator who neither wrote nor submitted it (four eyes). An update
    needs a change summary. Publishing sends it to its recipients."""
    advisory = actions.access_advisory(request.user, id)
    result = actions.check_approve(
        request.user, advisory, payload.change_summary_id, payload.change_summary_en
    )
    return _out(request, result)


@router.post(
    "/advisories/{id}/return",
    response=AdvisoryOut,
    operation_id="advisories_return",
    summary="Return an advisory in review to draft",
)
def return_advisory(request: HttpRequest, id: ObjectId, payload: ReturnIn) -> Any:
    advisory = actions.access_advisory(request.user, id)
    return _out(request, actions.check_return(request.user, advisory, payload.comment))


@router.post(
    "/advisories/{id}/withdraw",
    response=AdvisoryOut,
    operation_id="advisories_withdraw",
    summary="Withdraw a published advisory",
)
def withdraw_advisory(request: HttpRequest, id: ObjectId, payload: WithdrawIn) -> Any:
    """Every recipient is told, with the reason."""
    advisory = actions.access_advisory(request.user, id)
    return _out(request, actions.check_withdraw(request.user, advisory, payload.reason))


@router.get(
    "/advisories/{id}/recipients",
    response=list[AdvisoryRecipientOut],
    operation_id="advisories_recipients",
    summary="Who received an advisory, why, and what they answered",
)
@paginate(Page)
def list_recipients(request: HttpRequest, id: ObjectId) -> Any:
    """The CERT: every recipient; a constituent: its own row."""
    if not principal_for(request.user).has_perm("advisoryrecipient.view"):
        raise PermissionDenied(_("You may not see the recipients of advisories."))
    advisory = actions.access_advisory(request.user, id)
    return actions.visible_recipients(request.user, advisory)


@router.post(
    "/advisories/{id}/answer",
    response=AdvisoryRecipientOut,
    operation_id="advisories_answer",
    summary="Answer an advisory your organization received",
)
def answer_advisory(request: HttpRequest, id: ObjectId, payload: AnswerIn) -> Any:
    """not_affected, patched, mitigating or need_help (with a comment: the CERT is alerted)."""
    advisory = actions.access_advisory(request.user, id)
    recipient = actions.recipient_for_answer(request.user, advisory, payload.organization)
    return actions.check_answer(request.user, recipient, payload.answer, payload.comment)


@router.post(
    "/vendor-advisories/{id}/draft-advisory",
    response={201: AdvisoryOut},
    operation_id="vendor_advisories_draft_advisory",
    summary="Start a draft advisory from an imported vendor CSAF advisory",
)
def draft_from_vendor_advisory(request: HttpRequest, id: ObjectId) -> Any:
    """Both languages start from the vendor's English; the Indonesian is flagged as lagging."""
    if not principal_for(request.user).has_perm("advisory.add"):
        raise PermissionDenied(_("You may not write advisories."))
    vendor_advisory = get_object_or_404(
        VendorAdvisory.objects.restrict(request.user, "view"), pk=id
    )
    advisory = actions.check_create_draft_from_vendor_advisory(request.user, vendor_advisory)
    return Status(201, _out(request, advisory))
