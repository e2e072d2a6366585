"""Form helpers shared by every app's pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


def add_validation_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show an action's ValidationError on the form: on its field if the form has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class FastSelectMixin:
    """Renders a select's options in Python instead of one template per option.

    Django renders every ``<option>`` through a template: a list of 500 constituents costs tens of
    milliseconds per page. This builds the same markup directly (escaped, the selected values
    marked); the select itself keeps Django's attributes (id, name, required, aria-*).
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget: Any = self
        final_attrs = widget.build_attrs(widget.attrs, attrs or {})
        final_attrs["name"] = name
        if widget.allow_multiple_selected:
            final_attrs["multiple"] = True
        selected = {str(v) for v in widget.format_value(value)}
        options = "".join(self._option(choice, label, selected) for choice, label in widget.choices)
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe(options))  # noqa: S308

    @staticmethod
    def _option(choice: Any, label: Any, selected: set[str]) -> str:
        value = "" if choice is None else str(choice)
        chosen = " selected" if value in selected else ""
        return f'<option value="{escape(value)}"{chosen}>{escape(label)}</option>'


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass


def use_fast_selects(form: forms.BaseForm) -> None:
    """Give every plain select of a form the fast widget (busy list pages render many selects)."""
    for field in form.fields.values():
        kind = type(field.widget)
        if kind in (forms.Select, forms.SelectMultiple):
            fast = FastSelect if kind is forms.Select else FastSelectMultiple
            widget = fast(attrs=field.widget.attrs)
            widget.choices = field.widget.choices
            widget.is_required = field.widget.is_required
            field.widget = widget
