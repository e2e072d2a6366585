"""State changes and permission-checked access for warninglists (views and API call these)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext

from siaga.accounts.roles import principal_for
from siaga.core.observables import normalize
from siaga.warninglists import matching
from siaga.warninglists.loader import LoadResult, load_warninglist_result
from siaga.warninglists.models import Warninglist


def visible_warninglists(user: Any) -> Any:
    return Warninglist.objects.restrict(user, "view")


def access_warninglist(user: Any, pk: int) -> Warninglist:
    """The list if the user may see it; 404 otherwise (its existence is not revealed)."""
    try:
        return visible_warninglists(user).get(pk=pk)
    except Warninglist.DoesNotExist:
        raise Http404 from None


def may(user: Any, action: str) -> bool:
    return principal_for(user).has_perm(f"warninglist.{action}")


def require(user: Any, action: str) -> None:
    if not may(user, action):
        raise PermissionDenied


def check_upload(user: Any, content: bytes, filename: str) -> LoadResult:
    """Load an uploaded list.json (CERT staff); WarninglistFormatError says what is wrong."""
    require(user, "add")
    label = f"upload:{filename[:200]}"
    return load_warninglist_result(content, label=label, uploaded_by=user)


def do_set_enabled(user: Any, warninglist: Warninglist, enabled: bool) -> Warninglist:
    """Enable or disable a list (CERT staff); the matchers of every process follow within seconds."""
    require(user, "change")
    with transaction.atomic():
        locked = Warninglist.objects.select_for_update().get(pk=warninglist.pk)
        if locked.is_enabled != enabled:
            locked.is_enabled = enabled
            locked.save(update_fields=["is_enabled", "updated_at"])  # audited by the save
            transaction.on_commit(matching.bump_version)
    return locked


def check_values(user: Any, pairs: list[tuple[str, str]]) -> list[tuple[str, str, list[str]]]:
    """(type, canonical value, hits) for each (type, value) pair as typed by a person or client.

    A value that is not what its type says raises ValidationError (from ``normalize``).
    """
    require(user, "view")
    canonical = []
    for position, (kind, value) in enumerate(pairs):
        try:
            canonical.append((kind, normalize(kind, value)))
        except ValidationError as exc:
            if len(pairs) == 1:
                raise
            raise ValidationError(
                gettext("Value %(number)d: %(error)s")
                % {"number": position + 1, "error": " ".join(exc.messages)}
            ) from None
    hits = matching.check_many(canonical)
    return [(kind, value, names) for (kind, value), names in zip(canonical, hits, strict=True)]
