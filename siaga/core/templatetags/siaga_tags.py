"""Small template helpers shared by every app's pages: ``{% load siaga_tags %}``."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.paginator import Page
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """A duration for people: ``4 s``, ``2 min 05 s``, ``1 h 03 min``; empty when unknown."""
    if seconds is None:
        return ""
    whole = int(seconds)
    if whole < 60:
        return _("%(seconds)d s") % {"seconds": whole}
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return _("%(minutes)d min %(seconds)02d s") % {"minutes": minutes, "seconds": secs}
    hours, minutes = divmod(minutes, 60)
    return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}


@register.filter
def pretty_json(value: Any) -> str:
    """JSON indented for a <pre> block; text is left as it is."""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


@register.simple_tag(takes_context=True)
def pagination(context: template.Context, page: Page | None) -> SafeString:
    """Previous/next links and "page N of M" for a Django Page, keeping the list's filters."""
    if page is None or page.paginator.num_pages <= 1:
        return SafeString("")
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)

    def link(number: int, label: str, rel: str) -> SafeString:
        query["page"] = str(number)
        return format_html('<a href="?{}" rel="{}">{}</a>', query.urlencode(), rel, label)

    parts = []
    if page.has_previous():
        parts.append((link(page.previous_page_number(), _("Previous"), "prev"),))
    parts.append(
        (
            format_html(
                '<span aria-current="page">{}</span>',
                _("Page %(number)d of %(total)d")
                % {"number": page.number, "total": page.paginator.num_pages},
            ),
        )
    )
    if page.has_next():
        parts.append((link(page.next_page_number(), _("Next"), "next"),))
    return format_html(
        '<nav class="pagination" aria-label="{}">{}</nav>',
        _("Pages"),
        format_html_join(" ", "{}", parts),
    )


@register.simple_tag
def form_fields(form: Any) -> SafeString:
    """A form's fields with their labels, help and errors (``.form-errors``, ``.field-error``)."""
    parts: list[SafeString] = []
    general = list(form.non_field_errors())
    for hidden in form.hidden_fields():
        general.extend(f"{hidden.label}: {error}" for error in hidden.errors)
    if general:
        parts.append(
            format_html(
                '<div class="form-errors" role="alert"><ul>{}</ul></div>',
                format_html_join("", "<li>{}</li>", ((error,) for error in general)),
            )
        )
    parts.extend(SafeString(str(hidden)) for hidden in form.hidden_fields())
    for field in form.visible_fields():
        help_text = (
            format_html(
                '<small class="muted" id="{}_helptext">{}</small>', field.auto_id, field.help_text
            )
            if field.help_text
            else ""
        )
        errors = format_html_join(
            "", '<p class="field-error">{}</p>', ((error,) for error in field.errors)
        )
        parts.append(
            format_html(
                '<div class="field{}">{}{}{}{}</div>',
                " has-error" if field.errors else "",
                field.label_tag(),
                field,
                help_text,
                errors,
            )
        )
    return SafeString("\n".join(parts))
