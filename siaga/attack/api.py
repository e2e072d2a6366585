"""API of the ATT&CK technique pick-list: read-only reference data for every signed-in user."""

from datetime import datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field

from siaga.attack.choices import Domain
from siaga.attack.models import Technique
from siaga.attack.queries import search_techniques
from siaga.core.apitools import Page, Text, optional

router = Router(tags=["attack"])

AttackId = Annotated[
    str,
    Field(
        pattern=r"^[Tt]\d{4}(\.\d{3})?$",
        max_length=9,
        description="The ATT&CK id, e.g. T1566 or T1566.001.",
    ),
]


class TechniqueOut(Schema):
    attack_id: str
    name: str
    domain: Domain
    tactics: list[str]
    is_subtechnique: bool
    parent_attack_id: str | None
    deprecated: bool
    revoked: bool
    stix_id: str
    url: str
    description: str = Field(description="The first paragraph of MITRE's description.")
    modified: datetime

    @staticmethod
    def resolve_parent_attack_id(obj: Technique) -> str | None:
        return obj.parent_attack_id or None


class TechniqueFilter(Schema):
    q: Text = optional(max_length=100, description="The start of an id, or part of the name.")
    domain: Domain = optional()
    include_retired: bool = Field(False, description="Also deprecated and revoked techniques.")


@router.get(
    "/attack/techniques",
    response=list[TechniqueOut],
    operation_id="attack_techniques_list",
    summary="Search ATT&CK techniques",
)
@paginate(Page)
def list_techniques(request: HttpRequest, filters: Query[TechniqueFilter]) -> Any:
    """By id; for pick-lists. Deprecated and revoked techniques only with ``include_retired``."""
    return search_techniques(filters.q or "", filters.domain or "", filters.include_retired)


@router.get(
    "/attack/techniques/{attack_id}",
    response=TechniqueOut,
    operation_id="attack_techniques_get",
    summary="Get an ATT&CK technique",
)
def get_technique(request: HttpRequest, attack_id: AttackId) -> Any:
    technique = Technique.objects.filter(attack_id=attack_id.upper()).first()
    if technique is None:
        raise Http404
    return technique
