"""Forms of the incident list's tools: bulk actions and saved filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.core.forms import use_fast_selects
from siaga.incidents.actions import cert_staff_users
from siaga.incidents.actions.incidents import BULK_MAX
from siaga.incidents.choices import ClosureReason, IncidentStatus

BULK_ACTIONS = [("assign", _("Assign to")), ("transition", _("Change status to"))]


class BulkForm(forms.Form):
    """The incidents ticked on the list (``ids``, repeated) and what to do with them."""

    action = forms.ChoiceField(label=_("Action"), choices=BULK_ACTIONS)
    assignee: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Assignee"), required=False, queryset=None, empty_label=_("Nobody")
    )
    status = forms.ChoiceField(
        label=_("New status"), required=False, choices=[("", "—"), *IncidentStatus.choices]
    )
    closure_reason = forms.ChoiceField(
        label=_("Closure reason"),
        required=False,
        choices=[("", "—"), *ClosureReason.choices],
        help_text=_("Needed to close."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=5000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = cert_staff_users()  # type: ignore[attr-defined]
        use_fast_selects(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        try:
            ids = [int(value) for value in raw]
        except (TypeError, ValueError):
            ids = []
        if not ids or any(pk < 1 for pk in ids):
            raise forms.ValidationError(_("Select at least one incident."))
        if len(ids) > BULK_MAX:
            raise forms.ValidationError(
                _("Select at most %(count)d incidents at a time.") % {"count": BULK_MAX}
            )
        cleaned["ids"] = ids
        return cleaned

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        assignee = data.get("assignee")
        return {
            "assignee_id": assignee.pk if assignee else None,
            "status": data.get("status") or "",
            "closure_reason": data.get("closure_reason") or "",
            "note": data.get("note") or "",
        }


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
