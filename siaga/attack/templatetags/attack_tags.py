"""``{% technique_links ids %}``: a tag list of ATT&CK ids shown as names linking to the list."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from siaga.attack.models import Technique
from siaga.attack.queries import techniques_by_id

register = template.Library()


@register.simple_tag
def technique_links(ids: Any) -> SafeString:
    """Each id with its name, linked to the technique list; an id no longer loaded stays plain."""
    if not ids:
        return SafeString("—")
    base = reverse("attack:technique-list")
    parts = []
    for item in techniques_by_id(list(ids)):
        if isinstance(item, Technique):
            url = f"{base}?{urlencode({'q': item.attack_id, 'retired': 'on'})}#{item.attack_id}"
            parts.append((url, item.attack_id, item.name))
        else:
            parts.append(("", item, ""))
    return format_html_join(
        ", ",
        "{}",
        (
            (
                format_html('<a href="{}"><span class="mono">{}</span> {}</a>', url, id_, name)
                if url
                else format_html('<span class="mono">{}</span>', id_),
            )
            for url, id_, name in parts
        ),
    )
