"""Searching the technique list: one function for the page, the suggestions and the API."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from siaga.attack.models import Technique


def search_techniques(
    q: str = "", domain: str = "", include_retired: bool = False
) -> QuerySet[Technique]:
    """Techniques whose id starts with ``q`` or whose name contains it, by id.

    Deprecated and revoked techniques are left out unless asked for: nobody should tag new work
    with them, but old tags keep resolving (``Technique`` rows are never deleted).
    """
    techniques = Technique.objects.all()
    if text := q.strip():
        techniques = techniques.filter(Q(attack_id__istartswith=text) | Q(name__icontains=text))
    if domain:
        techniques = techniques.filter(domain=domain)
    if not include_retired:
        techniques = techniques.filter(deprecated=False, revoked=False)
    return techniques.order_by("attack_id")


def techniques_by_id(ids: list[str]) -> list[Technique | str]:
    """The techniques of a tag list, in its order; an id not loaded (any more) stays a string."""
    found = {t.attack_id: t for t in Technique.objects.filter(attack_id__in=ids)}
    return [found.get(attack_id, attack_id) for attack_id in ids]
