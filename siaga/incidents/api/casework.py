"""API of incident case work: tasks and playbooks, observables, timeline, comments, links, merges.

The same rules as the pages: whoever sees an incident reads its observables and the comments and
timeline entries shared with them; tasks and links are the CERT's (and its auditors'); every
change needs ``incident.change`` except a shared comment, which anyone who sees the incident adds.
"""

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from siaga.accounts.models import User
from siaga.accounts.roles import principal_for
from siaga.core.apitools import MAX_ID, ObjectId, Page, Text, Timestamp, optional
from siaga.core.observables import MAX_VALUE_LENGTH, ObservableType
from siaga.incidents.actions import access_incident
from siaga.incidents.actions import casework as actions
from siaga.incidents.api import IncidentOut, UserRef
from siaga.incidents.choices import (
    IncidentStatus,
    LinkKind,
    Priority,
    TaskStatus,
    TimelineSource,
    Visibility,
)
from siaga.incidents.models import Incident, IncidentLink, Observable
from siaga.incidents.playbooks import PLAYBOOKS, Playbook

router: Router = Router(tags=["incidents"])

MAX_LINKED_OBSERVABLES = 100


# --- Schemas ------------------------------------------------------------------------------------


class TaskOut(Schema):
    id: int
    incident_id: int
    title: str
    description: str
    phase: IncidentStatus
    owner: UserRef | None
    due_at: datetime | None
    status: TaskStatus
    playbook: str
    position: int
    completed_at: datetime | None
    created_at: datetime


class TaskIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: Text = Field(min_length=1, max_length=300)
    description: Text = Field("", max_length=20000)
    phase: IncidentStatus = IncidentStatus.ANALYSIS
    owner_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="A CERT staff member's user id."
    )
    due_at: Timestamp | None = None


class TaskPatch(Schema):
    """The fields to change; ``owner_id`` and ``due_at`` may be null to clear them."""

    model_config = ConfigDict(extra="forbid")

    title: Text = optional(min_length=1, max_length=300)
    description: Text = optional(max_length=20000)
    phase: IncidentStatus = optional()
    status: TaskStatus = optional()
    owner_id: int | None = Field(None, ge=1, le=MAX_ID)
    due_at: Timestamp | None = None


class PlaybookIn(Schema):
    model_config = ConfigDict(extra="forbid")

    playbook: str = Field(min_length=1, max_length=60, description="A playbook's slug.")


class PlaybookTaskOut(Schema):
    title: str
    phase: IncidentStatus
    due_hours: int | None


class PlaybookOut(Schema):
    slug: str
    name: str
    description: str
    tasks: list[PlaybookTaskOut]


class ObservableOut(Schema):
    id: int
    incident_id: int
    type: ObservableType
    value: str
    description: str
    is_ioc: bool
    created_at: datetime


class ObservableIn(Schema):
    model_config = ConfigDict(extra="forbid")

    type: ObservableType
    value: Text = Field(min_length=1, max_length=MAX_VALUE_LENGTH)
    description: Text = Field("", max_length=500)
    is_ioc: bool = False


class ObservablesBulkIn(Schema):
    model_config = ConfigDict(extra="forbid")

    text: Text = Field(min_length=1, max_length=200_000, description="One value per line.")
    type: ObservableType | None = Field(None, description="Default: guessed for each line.")


class ObservablesBulkOut(Schema):
    added: list[ObservableOut]
    already_recorded: int
    problems: list[str]


class CorrelatedIncidentOut(Schema):
    id: int
    reference: str
    title: str
    status: IncidentStatus
    priority: Priority


class EvidenceRef(Schema):
    """A piece of evidence a timeline entry points to (fetch it at /evidence/{id})."""

    id: int
    safe_name: str
    sha256: str


class ObservableRef(Schema):
    id: int
    type: ObservableType
    value: str


class TimelineEntryOut(Schema):
    kind: str = Field(description="event, status or comment.")
    id: int
    at: datetime
    time_zone: str = Field(description="The zone the source gave the time in (events).")
    source: str
    description: str
    author: UserRef | None
    visibility: Visibility
    observables: list[ObservableRef]
    evidence: list[EvidenceRef]


class TimelineEventIn(Schema):
    model_config = ConfigDict(extra="forbid")

    occurred_at: Timestamp
    time_zone: Text = Field("Asia/Jakarta", min_length=1, max_length=64)
    source: TimelineSource = TimelineSource.ANALYST
    description: Text = Field(min_length=1, max_length=20000)
    observable_ids: list[int] = Field(default_factory=list, max_length=MAX_LINKED_OBSERVABLES)
    evidence_ids: list[int] = Field(default_factory=list, max_length=MAX_LINKED_OBSERVABLES)
    visibility: Visibility = Visibility.INTERNAL


class TimelineEventOut(Schema):
    id: int
    occurred_at: datetime
    time_zone: str
    source: TimelineSource
    description: str
    visibility: Visibility
    observables: list[ObservableRef]

    evidence: list[EvidenceRef]

    @staticmethod
    def resolve_observables(obj: Any) -> list[Observable]:
        return list(obj.observables.all())

    @staticmethod
    def resolve_evidence(obj: Any) -> list[Any]:
        return list(obj.evidence.all())


class CommentOut(Schema):
    id: int
    author: UserRef | None
    body: str
    visibility: Visibility
    created_at: datetime


class CommentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: Text = Field(min_length=1, max_length=20000)
    visibility: Visibility | None = Field(
        None, description="Default: internal for the CERT's staff; others may only share."
    )


class LinkedIncidentOut(Schema):
    id: int
    reference: str
    title: str


class LinkOut(Schema):
    id: int
    kind: LinkKind
    direction: str = Field(description="out: this incident links to the other; in: the reverse.")
    incident: LinkedIncidentOut


class LinkIn(Schema):
    model_config = ConfigDict(extra="forbid")

    target_id: int | None = Field(None, ge=1, le=MAX_ID, description="The other incident's id.")
    target_reference: Text | None = Field(
        None, max_length=40, description="Or its reference, such as SIAGA-INC-2026-000045."
    )
    kind: LinkKind = LinkKind.RELATED


class MergeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    into_id: int = Field(ge=1, le=MAX_ID, description="The incident that continues.")
    note: Text = Field("", max_length=2000)


# --- Helpers ------------------------------------------------------------------------------------


class _Rows(Sequence[Any]):
    """A computed list that ``Page`` can count and slice like a queryset."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        return self._rows[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def count(self, *args: Any) -> int:
        return len(self._rows)


def _renamed(call: Callable[[], Any], names: dict[str, str]) -> Any:
    """Run an action; its field errors are named as the API names the fields."""
    try:
        return call()
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {names.get(key, key): value for key, value in exc.error_dict.items()}
        ) from None


def _require(request: HttpRequest, permission: str) -> None:
    if not principal_for(request.user).has_perm(permission):
        raise PermissionDenied(_("You may not see this."))


def _owner(owner_id: int | None) -> User | None:
    if owner_id is None:
        return None
    owner = User.objects.filter(pk=owner_id).first()
    if owner is None:
        raise ValidationError({"owner_id": _("Unknown user.")})
    return owner


def _playbook_out(playbook: Playbook) -> dict[str, Any]:
    return {
        "slug": playbook.slug,
        "name": str(playbook.name),
        "description": str(playbook.description),
        "tasks": [
            {"title": str(task.title), "phase": task.phase, "due_hours": task.due_hours}
            for task in playbook.tasks
        ],
    }


# --- Tasks and playbooks -------------------------------------------------------------------------


@router.get(
    "/incidents/{id}/tasks",
    response=list[TaskOut],
    operation_id="incidents_tasks_list",
    summary="List an incident's tasks",
)
@paginate(Page)
def list_tasks(request: HttpRequest, id: ObjectId) -> Any:
    """The CERT's work list on the incident (CERT staff and auditors)."""
    incident = access_incident(request.user, id)
    _require(request, "task.view")
    return actions.visible_tasks(request.user, incident)


@router.post(
    "/incidents/{id}/tasks",
    response={201: TaskOut},
    operation_id="incidents_tasks_create",
    summary="Add a task",
)
def create_task(request: HttpRequest, id: ObjectId, payload: TaskIn) -> Any:
    incident = access_incident(request.user, id)
    data = payload.model_dump(exclude={"owner_id", "due_at"})
    data["phase"] = payload.phase.value
    data["owner"] = _owner(payload.owner_id)
    data["due_at"] = payload.due_at
    task = _renamed(
        lambda: actions.check_add_task(request.user, incident, data), {"owner": "owner_id"}
    )
    return Status(201, task)


@router.patch(
    "/tasks/{id}", response=TaskOut, operation_id="incidents_tasks_update", summary="Change a task"
)
def update_task(request: HttpRequest, id: ObjectId, payload: TaskPatch) -> Any:
    """Send only the fields to change; done stamps who completed it and when."""
    task = actions.access_task(request.user, id)
    data = payload.model_dump(exclude_unset=True, mode="json")
    if "owner_id" in data:
        data["owner"] = _owner(data.pop("owner_id"))
    if "due_at" in data:
        data["due_at"] = payload.due_at
    return _renamed(
        lambda: actions.check_update_task(request.user, task, data), {"owner": "owner_id"}
    )


@router.post(
    "/incidents/{id}/playbooks",
    response={201: list[TaskOut]},
    operation_id="incidents_playbooks_apply",
    summary="Apply a playbook",
)
def apply_playbook(request: HttpRequest, id: ObjectId, payload: PlaybookIn) -> Any:
    """Adds the playbook's tasks, written in your profile's language; once per incident."""
    incident = access_incident(request.user, id)
    return Status(201, actions.check_apply_playbook(request.user, incident, payload.playbook))


@router.get(
    "/playbooks",
    response=list[PlaybookOut],
    operation_id="incidents_playbooks_list",
    summary="List the playbooks",
)
def list_playbooks(request: HttpRequest) -> Any:
    """The built-in playbooks, in the request's language."""
    _require(request, "task.view")
    return [_playbook_out(playbook) for playbook in PLAYBOOKS.values()]


# --- Observables ------------------------------------------------------------------------------------


@router.get(
    "/incidents/{id}/observables",
    response=list[ObservableOut],
    operation_id="incidents_observables_list",
    summary="List an incident's observables",
)
@paginate(Page)
def list_observables(request: HttpRequest, id: ObjectId) -> Any:
    incident = access_incident(request.user, id)
    return (
        Observable.objects.restrict(request.user, "view")
        .filter(incident=incident)
        .order_by("type", "value", "pk")
    )


@router.post(
    "/incidents/{id}/observables",
    response={201: ObservableOut},
    operation_id="incidents_observables_create",
    summary="Add an observable",
)
def create_observable(request: HttpRequest, id: ObjectId, payload: ObservableIn) -> Any:
    """The value is stored in its canonical form (defanged values are accepted)."""
    incident = access_incident(request.user, id)
    observable = actions.check_add_observable(
        request.user,
        incident,
        type=payload.type.value,
        value=payload.value,
        description=payload.description,
        is_ioc=payload.is_ioc,
    )
    return Status(201, observable)


@router.post(
    "/incidents/{id}/observables/bulk",
    response={201: ObservablesBulkOut},
    operation_id="incidents_observables_bulk",
    summary="Add a pasted list of observables",
)
def create_observables_bulk(request: HttpRequest, id: ObjectId, payload: ObservablesBulkIn) -> Any:
    """One value per line; lines that cannot be read are listed in ``problems``, the rest added."""
    incident = access_incident(request.user, id)
    result = actions.check_add_pasted_observables(
        request.user, incident, payload.text, type=payload.type.value if payload.type else ""
    )
    return Status(201, result)


@router.delete(
    "/observables/{id}",
    response={204: None},
    operation_id="incidents_observables_delete",
    summary="Remove an observable",
)
def delete_observable(request: HttpRequest, id: ObjectId) -> Any:
    observable = actions.access_observable(request.user, id)
    actions.check_delete_observable(request.user, observable)
    return Status(204, None)


@router.get(
    "/observables/{id}/correlations",
    response=list[CorrelatedIncidentOut],
    operation_id="incidents_observables_correlations",
    summary="Other incidents holding an observable",
)
@paginate(Page)
def list_correlations(request: HttpRequest, id: ObjectId) -> Any:
    """Incidents you may see that hold the same value (for an address: or a network holding it),
    newest first, at most 50."""
    observable = actions.access_observable(request.user, id)
    return actions.correlated_incidents(request.user, observable)


# --- Timeline and comments ------------------------------------------------------------------------------


@router.get(
    "/incidents/{id}/timeline",
    response=list[TimelineEntryOut],
    operation_id="incidents_timeline_list",
    summary="An incident's timeline",
)
@paginate(Page)
def list_timeline(request: HttpRequest, id: ObjectId) -> Any:
    """Timeline events, status changes and comments you may see, oldest first."""
    incident = access_incident(request.user, id)
    return _Rows(actions.merged_timeline(request.user, incident))


@router.post(
    "/incidents/{id}/timeline",
    response={201: TimelineEventOut},
    operation_id="incidents_timeline_create",
    summary="Add a timeline event",
)
def create_timeline_event(request: HttpRequest, id: ObjectId, payload: TimelineEventIn) -> Any:
    incident = access_incident(request.user, id)
    wanted = set(payload.observable_ids)
    observables = list(Observable.objects.filter(incident=incident, pk__in=sorted(wanted)))
    if len(observables) != len(wanted):
        raise ValidationError({"observable_ids": _("Link only observables of this incident.")})
    wanted_evidence = set(payload.evidence_ids)
    evidence = list(actions.linkable_evidence(incident).filter(pk__in=sorted(wanted_evidence)))
    if len(evidence) != len(wanted_evidence):
        raise ValidationError({"evidence_ids": _("Link only evidence of this incident.")})
    data = {
        "occurred_at": payload.occurred_at,
        "time_zone": payload.time_zone,
        "source": payload.source.value,
        "description": payload.description,
        "visibility": payload.visibility.value,
        "observables": observables,
        "evidence": evidence,
    }
    event = _renamed(
        lambda: actions.check_add_timeline_event(request.user, incident, data),
        {"observables": "observable_ids", "evidence": "evidence_ids"},
    )
    return Status(201, event)


@router.get(
    "/incidents/{id}/comments",
    response=list[CommentOut],
    operation_id="incidents_comments_list",
    summary="List an incident's comments",
)
@paginate(Page)
def list_comments(request: HttpRequest, id: ObjectId) -> Any:
    incident = access_incident(request.user, id)
    return actions.visible_comments(request.user, incident)


@router.post(
    "/incidents/{id}/comments",
    response={201: CommentOut},
    operation_id="incidents_comments_create",
    summary="Comment on an incident",
)
def create_comment(request: HttpRequest, id: ObjectId, payload: CommentIn) -> Any:
    """A shared comment from the CERT is e-mailed to the reporters and the constituent."""
    incident = access_incident(request.user, id)
    visibility = payload.visibility
    if visibility is None:
        staff = principal_for(request.user).is_cert_staff
        visibility = Visibility.INTERNAL if staff else Visibility.SHARED
    comment = actions.check_add_comment(request.user, incident, payload.body, visibility.value)
    return Status(201, comment)


# --- Links and merges -------------------------------------------------------------------------------------


def _link_rows(links_out: list[IncidentLink], links_in: list[IncidentLink]) -> list[Any]:
    return [
        {"id": link.pk, "kind": link.kind, "direction": "out", "incident": link.target}
        for link in links_out
    ] + [
        {"id": link.pk, "kind": link.kind, "direction": "in", "incident": link.source}
        for link in links_in
    ]


@router.get(
    "/incidents/{id}/links",
    response=list[LinkOut],
    operation_id="incidents_links_list",
    summary="List an incident's links",
)
@paginate(Page)
def list_links(request: HttpRequest, id: ObjectId) -> Any:
    incident = access_incident(request.user, id)
    _require(request, "incidentlink.view")
    return _Rows(_link_rows(*actions.visible_links(request.user, incident)))


def _link_target(request: HttpRequest, payload: LinkIn) -> Incident:
    if (payload.target_id is None) == (payload.target_reference is None):
        raise ValidationError({"target_id": _("Give either target_id or target_reference.")})
    try:
        return actions.find_incident(
            request.user, str(payload.target_id or payload.target_reference)
        )
    except Http404:
        raise ValidationError({"target_id": _("No incident you can see has this id.")}) from None


@router.post(
    "/incidents/{id}/links",
    response={201: LinkOut},
    operation_id="incidents_links_create",
    summary="Link two incidents",
)
def create_link(request: HttpRequest, id: ObjectId, payload: LinkIn) -> Any:
    incident = access_incident(request.user, id)
    if not principal_for(request.user).has_perm("incident.change"):
        raise PermissionDenied(_("You may not work on this incident."))
    target = _link_target(request, payload)
    link = _renamed(
        lambda: actions.check_link_incidents(request.user, incident, target.pk, payload.kind),
        {"target": "target_id"},
    )
    return Status(201, _link_rows([link], [])[0])


@router.delete(
    "/links/{id}",
    response={204: None},
    operation_id="incidents_links_delete",
    summary="Remove a link",
)
def delete_link(request: HttpRequest, id: ObjectId) -> Any:
    link = actions.access_link(request.user, id)
    actions.check_unlink(request.user, link)
    return Status(204, None)


@router.post(
    "/incidents/{id}/merge",
    response=IncidentOut,
    operation_id="incidents_merge",
    summary="Merge a duplicate into another incident",
)
def merge_incident(request: HttpRequest, id: ObjectId, payload: MergeIn) -> Any:
    """Moves reports, observables, tasks, comments and the timeline into ``into_id`` and closes
    this incident as a duplicate; answers with the incident that continues."""
    incident = access_incident(request.user, id)
    return _renamed(
        lambda: actions.check_merge(request.user, incident, payload.into_id, payload.note),
        {"into": "into_id"},
    )
