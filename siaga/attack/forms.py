"""A form field for ATT&CK technique ids, for any app's form that tags something with them.

The field is a text input ("T1566.001, T0803") that suggests matching techniques while typing
(htmx, ``attack:technique-suggest``); it cleans to the normalized list of loaded ids.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from siaga.attack.validation import parse_technique_ids, validate_technique_ids


class TechniqueIdsInput(forms.TextInput):
    """A text input followed by a live region where suggestions appear."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = dict(attrs or {})
        target = f"{attrs.get('id', 'id_' + name)}_suggestions"
        attrs.update(
            {
                "autocomplete": "off",
                "hx-get": str(reverse_lazy("attack:technique-suggest")),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{target}",
                "aria-describedby": " ".join(
                    part for part in (attrs.get("aria-describedby"), target) if part
                ),
            }
        )
        return super().get_context(name, value, attrs)

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        target = f"{(attrs or {}).get('id', 'id_' + name)}_suggestions"
        return format_html(
            '{}<div id="{}" class="suggestions-box" aria-live="polite"></div>',
            super().render(name, value, attrs, renderer),
            target,
        )


class TechniqueIdsField(forms.CharField):
    """Comma- or space-separated technique ids → the list of loaded ids, normalized."""

    widget = TechniqueIdsInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("ATT&CK techniques"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2000)
        kwargs.setdefault(
            "help_text", _("Technique ids separated by commas, e.g. T1566.001, T0803.")
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value)
        return value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value)
        return validate_technique_ids(parse_technique_ids(text))
