"""Which revisions the public may read: the latest revision of each advisory that is published
(or being updated after publication) and not withdrawn, where both that revision and the working
copy are TLP:CLEAR. The public pages, the RSS/Atom feeds and the CSAF provider directory all read
through ``public_revisions``, so they cannot disagree; nothing else is ever public.

A working copy moved to a stricter TLP takes its advisory off the public channels at once, even
before the stricter revision is published.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import F, QuerySet
from django.http import Http404
from django.urls import reverse

from siaga.advisories.choices import AdvisoryKind, AdvisorySeverity, AdvisoryStatus
from siaga.advisories.models import Advisory, AdvisoryRevision
from siaga.advisories.snapshot import text
from siaga.sharing.choices import TLP


def public_revisions() -> QuerySet[AdvisoryRevision]:
    """The latest revision of every public advisory, newest publication first."""
    return (
        AdvisoryRevision.objects.filter(
            version=F("advisory__version"),
            advisory__version__gt=0,
            advisory__tlp=TLP.CLEAR,
            content__tlp=TLP.CLEAR,
        )
        .exclude(advisory__status=AdvisoryStatus.WITHDRAWN)
        .select_related("advisory")
        .order_by("-published_at", "-pk")
    )


def public_revision(tracking_id: str) -> AdvisoryRevision | None:
    return public_revisions().filter(advisory__tracking_id=tracking_id).first()


def withdrawn_public_advisory(tracking_id: str) -> Advisory | None:
    """A withdrawn advisory whose last revision was public, for the "withdrawn" notice."""
    return (
        Advisory.objects.filter(
            tracking_id=tracking_id,
            status=AdvisoryStatus.WITHDRAWN,
            tlp=TLP.CLEAR,
            version__gt=0,
            revisions__version=F("version"),
            revisions__content__tlp=TLP.CLEAR,
        )
        .distinct()
        .first()
    )


def access_latest_revision(user: Any, pk: int) -> AdvisoryRevision:
    """The latest revision of an advisory ``user`` may view (``Advisory.objects.restrict``: the
    CERT's staff every advisory, a constituent those published to it), else ``Http404``. An
    advisory never published has nothing to export and is a 404 as well."""
    advisory = Advisory.objects.restrict(user, "view").filter(pk=pk).first()
    revision = latest_revision(advisory) if advisory is not None else None
    if revision is None:
        raise Http404
    return revision


def latest_revision(advisory: Advisory) -> AdvisoryRevision | None:
    """The advisory's latest published revision (what readers see), or None before the first."""
    if advisory.version == 0:
        return None
    return advisory.revisions.filter(version=advisory.version).first()


def public_url(tracking_id: str, language: str) -> str:
    """The absolute address of an advisory's public page in one language."""
    path = reverse("public_advisories:detail", args=[tracking_id])
    return f"{settings.SITE_URL}{path}?lang={language}"


def revision_context(revision: AdvisoryRevision, language: str) -> dict[str, object]:
    """What the public page and the PDF show of a revision, in one language."""
    content = revision.content
    return {
        "content": content,
        "language": language,
        "texts": {
            name: text(content, name, language)
            for name in ("title", "summary", "description", "remediation", "workarounds")
        },
        "kind_label": AdvisoryKind(content["kind"]).label,
        "severity_label": AdvisorySeverity(content["severity"]).label,
        "first_published_at": datetime.fromisoformat(content["first_published_at"]),
        "published_at": datetime.fromisoformat(content["published_at"]),
    }
