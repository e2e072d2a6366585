"""Pages of the ATT&CK technique list: reference data every signed-in person may read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from siaga.attack.filters import TechniqueFilterForm
from siaga.attack.queries import search_techniques
from siaga.attack.validation import parse_technique_ids

PAGE_SIZE = 50
SUGGESTIONS = 10


@login_required
@require_GET
def technique_list(request: HttpRequest) -> HttpResponse:
    filters = TechniqueFilterForm(request.GET)
    page = Paginator(filters.results(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "attack/technique_list.html", {"filters": filters, "page": page})


@login_required
@require_GET
def technique_suggest(request: HttpRequest) -> HttpResponse:
    """An htmx fragment: techniques matching the word being typed in a technique-ids field.

    The field sends its whole value ("T1566, phish"); the last word is the one being typed.
    """
    typed = request.GET.get("q") or request.GET.get("attack_techniques") or ""
    words = parse_technique_ids(typed[:500])
    word = words[-1] if words and not typed.rstrip().endswith(",") else ""
    matches = list(search_techniques(word)[:SUGGESTIONS]) if len(word) >= 2 else []
    return render(request, "attack/_suggestions.html", {"matches": matches, "word": word})
