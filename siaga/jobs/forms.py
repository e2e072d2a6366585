"""Forms that start jobs: one per job kind, holding that kind's parameters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.jobs.registry import JobKind, get_kind


class StartJobForm(forms.Form):
    """Starts a job of a kind that takes no parameters; subclasses add a kind's parameters."""

    kind = forms.CharField(widget=forms.HiddenInput, max_length=60)

    def __init__(self, *args: Any, kind: JobKind | None = None, **kwargs: Any) -> None:
        name = kind.name if kind is not None else ""
        # Several start forms share a page: keep their element ids apart.
        kwargs.setdefault("auto_id", "id_" + name.replace(".", "-") + "_%s")
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = name
        self.job_kind = kind

    @property
    def label(self) -> str:
        return str(self.job_kind.label) if self.job_kind else self.data.get("kind", "")

    def params(self) -> dict[str, Any]:
        """The job's parameters from the cleaned data; fields left empty take the kind's defaults."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "kind" and value is not None
        }


class SmokeJobForm(StartJobForm):
    steps = forms.IntegerField(
        label=_("Steps"),
        required=False,
        min_value=1,
        max_value=1000,
        initial=20,
        help_text=_("Between 1 and 1000."),
    )
    step_seconds = forms.FloatField(
        label=_("Seconds per step"),
        required=False,
        min_value=0,
        max_value=10,
        initial=0.5,
        help_text=_("Between 0 and 10."),
    )


# Kinds whose parameters the start form asks for; every other kind starts without parameters.
PARAMETER_FORMS: dict[str, type[StartJobForm]] = {"system.smoke": SmokeJobForm}


def start_form_for(kind_name: str, data: Any = None) -> StartJobForm:
    form_class = PARAMETER_FORMS.get(kind_name, StartJobForm)
    return form_class(data, kind=get_kind(kind_name))
