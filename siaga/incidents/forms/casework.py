"""Forms of incident case work. They only parse input; the rules live in ``actions.casework``.

Choices that come from the database (staff, the incident's observables) are passed in already
loaded, so that a page with many tasks does not query once per task form.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siaga.core.observables import MAX_VALUE_LENGTH, ObservableType
from siaga.incidents.actions.casework import COMMON_TIME_ZONES
from siaga.incidents.choices import (
    IncidentStatus,
    LinkKind,
    TaskStatus,
    TimelineSource,
    Visibility,
)
from siaga.incidents.forms import DATETIME_WIDGET
from siaga.incidents.playbooks import PLAYBOOKS, suggested_playbooks

PHASES = [(value, label) for value, label in IncidentStatus.choices if value != IncidentStatus.NEW]


class _OwnerMixin:
    """An owner chosen among CERT staff given as a list (``staff``)."""

    fields: dict[str, Any]
    cleaned_data: dict[str, Any]

    def _set_staff(self, staff: list[Any]) -> None:
        self._staff = {str(user.pk): user for user in staff}
        self.fields["owner"].choices = [("", "—")] + [
            (str(user.pk), user.full_name or user.email) for user in staff
        ]

    def clean_owner(self) -> Any:
        return self._staff.get(self.cleaned_data.get("owner") or "")


class TaskForm(_OwnerMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    phase = forms.ChoiceField(label=_("Phase"), choices=PHASES, initial=IncidentStatus.ANALYSIS)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    due_at = forms.DateTimeField(label=_("Due"), required=False, widget=DATETIME_WIDGET)

    def __init__(self, *args: Any, staff: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_staff(staff)


class TaskUpdateForm(_OwnerMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    due_at = forms.DateTimeField(label=_("Due"), required=False, widget=DATETIME_WIDGET)

    def __init__(self, *args: Any, staff: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_staff(staff)


def playbook_choices(incident: Any) -> list[tuple[str, Any]]:
    """The playbooks suggested for the incident first, then all the others."""
    suggested = suggested_playbooks(incident.rsit_type, incident.health_tags)
    rest = [p for p in PLAYBOOKS.values() if p not in suggested]
    return [
        *((p.slug, _("%(name)s (suggested)") % {"name": p.name}) for p in suggested),
        *((p.slug, p.name) for p in rest),
    ]


class PlaybookForm(forms.Form):
    playbook = forms.ChoiceField(label=_("Playbook"))

    def __init__(self, *args: Any, incident: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["playbook"].choices = playbook_choices(incident)  # type: ignore[attr-defined]


class ObservableForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=ObservableType.choices)
    value = forms.CharField(label=_("Value"), max_length=MAX_VALUE_LENGTH)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    is_ioc = forms.BooleanField(label=_("Indicator of compromise"), required=False)


class PasteObservablesForm(forms.Form):
    text = forms.CharField(
        label=_("Values, one per line"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=200_000,
        help_text=_("Defanged values such as hxxp://example[.]org are accepted."),
    )
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("Guess for each line")), *ObservableType.choices],
    )


class TimelineEventForm(forms.Form):
    occurred_at = forms.DateTimeField(label=_("Occurred at"), widget=DATETIME_WIDGET)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[(zone, zone) for zone in COMMON_TIME_ZONES],
        initial="Asia/Jakarta",
        help_text=_("The zone the time above is given in."),
    )
    source = forms.ChoiceField(label=_("Source"), choices=TimelineSource.choices)
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20000
    )
    observables = forms.MultipleChoiceField(
        label=_("Observables"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    evidence = forms.MultipleChoiceField(
        label=_("Evidence"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Visibility.choices, initial=Visibility.INTERNAL
    )

    def __init__(
        self, *args: Any, observables: list[Any], evidence: list[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._observables = {str(o.pk): o for o in observables}
        self.fields["observables"].choices = [  # type: ignore[attr-defined]
            (str(o.pk), str(o)) for o in observables
        ]
        self._evidence = {str(e.pk): e for e in evidence or []}
        self.fields["evidence"].choices = [  # type: ignore[attr-defined]
            (str(e.pk), f"{e.safe_name} (SHA-256 {e.sha256[:12]}…)") for e in evidence or []
        ]

    def clean_observables(self) -> list[Any]:
        return [self._observables[pk] for pk in self.cleaned_data["observables"]]

    def clean_evidence(self) -> list[Any]:
        return [self._evidence[pk] for pk in self.cleaned_data["evidence"]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        occurred, zone = data.get("occurred_at"), data.get("time_zone")
        if occurred is not None and zone:
            # The time was typed as seen in the chosen zone, not in the viewer's own zone.
            naive = timezone.make_naive(occurred)
            data["occurred_at"] = timezone.make_aware(naive, zoneinfo.ZoneInfo(zone))
        return data


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20000
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Visibility.choices,
        initial=Visibility.INTERNAL,
        required=False,
    )

    def __init__(self, *args: Any, may_write_internal: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_write_internal:
            del self.fields["visibility"]  # only shared comments: nothing to choose

    def chosen_visibility(self) -> str:
        """Internal unless chosen otherwise, for those who may choose; shared for the others."""
        if "visibility" not in self.fields:
            return Visibility.SHARED
        return self.cleaned_data.get("visibility") or Visibility.INTERNAL


class LinkForm(forms.Form):
    target = forms.CharField(
        label=_("Incident"),
        max_length=40,
        help_text=_("Its reference, such as SIAGA-INC-2026-000045, or its number."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=LinkKind.choices)


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Merge this incident into"),
        max_length=40,
        help_text=_("The reference of the incident that continues, or its number."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    confirm = forms.BooleanField(
        label=_("I understand that this incident is closed as a duplicate and becomes read-only."),
    )
