"""Forms of the notification pages. They only parse input; the rules live in ``actions.py``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from siaga.notifications.events import EventKind, event_kind_choices
from siaga.notifications.models import Webhook
from siaga.organizations.models import Organization


class PreferencesForm(forms.Form):
    """One e-mail on/off checkbox per event kind."""

    def __init__(
        self, *args: Any, preferences: list[tuple[EventKind, bool]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.events = [event for event, _enabled in preferences]
        for event, enabled in preferences:
            self.fields[event.kind] = forms.BooleanField(
                label=event.label, required=False, initial=enabled
            )

    def rows(self) -> list[tuple[EventKind, forms.BoundField]]:
        return [(event, self[event.kind]) for event in self.events]

    def choices(self) -> dict[str, bool]:
        return {event.kind: bool(self.cleaned_data.get(event.kind)) for event in self.events}


class WebhookForm(forms.ModelForm):
    """Create or edit a webhook; ``organizations`` is given only when creating."""

    event_kinds = forms.MultipleChoiceField(
        label=_("Events"), widget=forms.CheckboxSelectMultiple, choices=[]
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "event_kinds", "is_active"]
        help_texts = {
            "url": _("https:// address that receives a signed JSON POST for each event."),
        }

    def __init__(self, *args: Any, organizations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_kinds"].choices = event_kind_choices()  # type: ignore[attr-defined]
        if organizations is not None:
            field = forms.ModelChoiceField(
                label=_("Organization"), queryset=organizations, empty_label=None
            )
            self.fields = {"organization": field, **self.fields}

    def _post_clean(self) -> None:
        # The rules (URL, events) are checked by the action; the form only parses.
        pass

    def changes(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in ("name", "url", "event_kinds", "is_active")
        }

    def organization(self) -> Organization:
        return self.cleaned_data["organization"]
