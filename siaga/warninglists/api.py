"""API of the warninglists: the lists, one list, and checking values against the enabled lists."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.core.apitools import ObjectId, Page, Text
from siaga.core.observables import ObservableType
from siaga.warninglists import actions
from siaga.warninglists.choices import ListType

router = Router(tags=["warninglists"])

MAX_CHECKS = 1000


class WarninglistOut(Schema):
    id: int
    name: str
    description: str
    version: int
    type: ListType
    category: str
    matching_attributes: list[str]
    source: str
    is_enabled: bool
    entry_count: int
    loaded_at: datetime


class CheckIn(Schema):
    model_config = ConfigDict(extra="forbid")

    type: ObservableType
    value: Text = Field(min_length=1, max_length=2048)


class CheckOut(Schema):
    type: ObservableType
    value: str = Field(description="The value in its canonical form, as it was checked.")
    hits: list[str] = Field(description="Names of the enabled warninglists holding the value.")


@router.get(
    "/warninglists",
    response=list[WarninglistOut],
    operation_id="warninglists_list",
    summary="List warninglists",
)
@paginate(Page)
def list_warninglists(request: HttpRequest) -> Any:
    """Every warninglist, enabled or not, by name."""
    actions.require(request.user, "view")
    return actions.visible_warninglists(request.user).order_by("name", "pk")


# Before "/warninglists/{id}", which would otherwise take "check" for an id.
@router.post(
    "/warninglists/check",
    response=CheckOut | list[CheckOut],
    operation_id="warninglists_check",
    summary="Check values against the enabled warninglists",
)
def check(request: HttpRequest, payload: CheckIn | list[CheckIn]) -> Any:
    """Send one ``{type, value}`` for one answer, or a list of them (at most 1000) for a list of
    answers in the same order. Values are normalized first (defanged, lower-cased...); a value that
    is not what its type says is a 422 naming it."""
    items = payload if isinstance(payload, list) else [payload]
    if len(items) > MAX_CHECKS:
        raise ValidationError(gettext("At most %(max)d values per request.") % {"max": MAX_CHECKS})
    answers = [
        {"type": kind, "value": value, "hits": hits}
        for kind, value, hits in actions.check_values(
            request.user, [(item.type.value, item.value) for item in items]
        )
    ]
    return answers if isinstance(payload, list) else answers[0]


@router.get(
    "/warninglists/{id}",
    response=WarninglistOut,
    operation_id="warninglists_get",
    summary="Get a warninglist",
)
def get_warninglist(request: HttpRequest, id: ObjectId) -> Any:
    return actions.access_warninglist(request.user, id)
