"""RSS 2.0 and Atom feeds of the public (TLP:CLEAR) advisories, one per language, written with
Django's ``feedgenerator`` from the latest revision of each (``public_revisions``)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import feedgenerator, translation
from django.utils.translation import gettext as _

from siaga.advisories.choices import AdvisoryKind, AdvisorySeverity
from siaga.advisories.exports.public import public_revisions, public_url
from siaga.advisories.snapshot import text

FEED_SIZE = 50
FEED_CLASSES: dict[str, type[feedgenerator.SyndicationFeed]] = {
    "rss": feedgenerator.Rss201rev2Feed,
    "atom": feedgenerator.Atom1Feed,
}


def build_feed(kind: str, language: str) -> feedgenerator.SyndicationFeed:
    """The feed of ``kind`` ("rss" or "atom") in ``language`` ("id" or "en")."""
    with translation.override(language):
        feed = FEED_CLASSES[kind](
            title=_("%(publisher)s: public advisories")
            % {"publisher": settings.SIAGA_CSAF_PUBLISHER["name"]},
            link=settings.SITE_URL + reverse("public_advisories:list") + f"?lang={language}",
            description=_("Alerts and advisories published as TLP:CLEAR."),
            language=language,
            feed_url=settings.SITE_URL
            + reverse("public_advisories:feed", kwargs={"language": language, "kind": kind}),
            feed_guid=settings.SITE_URL
            + reverse("public_advisories:feed", kwargs={"language": language, "kind": "atom"}),
        )
        for revision in public_revisions()[:FEED_SIZE]:
            content = revision.content
            title = text(content, "title", language) or content["tracking_id"]
            kind_label = str(AdvisoryKind(content["kind"]).label)
            feed.add_item(
                title=f"{content['tracking_id']}: {title}",
                link=public_url(content["tracking_id"], language),
                description=text(content, "summary", language),
                unique_id=f"urn:uuid:{content['uuid']}",
                unique_id_is_permalink=False,
                pubdate=datetime.fromisoformat(content["first_published_at"]),
                updateddate=datetime.fromisoformat(content["published_at"]),
                categories=[
                    kind_label,
                    str(AdvisorySeverity(content["severity"]).label),
                    "TLP:CLEAR",
                ],
                author_name=content.get("issuer") or None,
            )
    return feed
