"""Public pages and feeds of advisories: only the latest revision of published TLP:CLEAR
advisories, no sign-in; everything else is a 404 (a withdrawn public one a 410 notice)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from django.test import Client

from siaga.advisories.choices import AdvisoryStatus
from siaga.advisories.tests.builders import make_advisory, publish
from siaga.core.testing import Orgs
from siaga.sharing.choices import TLP

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def _detail(tracking_id: str, language: str = "") -> str:
    query = f"?lang={language}" if language else ""
    return f"/public/advisories/{tracking_id}/{query}"


def test_published_clear_advisory_is_public_in_both_languages(orgs: Orgs, client: Client) -> None:
    advisory = make_advisory(orgs.cert, description_en="<script>alert(1)</script>")
    publish(advisory)

    english = client.get(_detail(advisory.tracking_id, "en"))
    assert english.status_code == 200
    body = english.content.decode()
    assert "Vulnerability in infusion pumps" in body
    assert "Kerentanan pada pompa infus" not in body
    assert "TLP:CLEAR" in body
    assert "<script>alert(1)</script>" not in body  # autoescaped
    assert "&lt;script&gt;" in body

    indonesian = client.get(_detail(advisory.tracking_id, "id"))
    assert "Kerentanan pada pompa infus" in indonesian.content.decode()
    # No ?lang: the page's own language (the test client reads English).
    assert (
        "Vulnerability in infusion pumps"
        in client.get(_detail(advisory.tracking_id)).content.decode()
    )


def test_page_shows_the_latest_revision_not_the_working_copy(orgs: Orgs, client: Client) -> None:
    advisory = make_advisory(orgs.cert)
    publish(advisory)
    advisory.title_en = "Second revision title"
    advisory.save()
    publish(advisory)
    advisory.title_en = "Unreviewed draft title"
    advisory.status = AdvisoryStatus.DRAFT
    advisory.save()

    body = client.get(_detail(advisory.tracking_id, "en")).content.decode()
    assert "Second revision title" in body
    assert "Unreviewed draft title" not in body
    assert "Vulnerability in infusion pumps" not in body


@pytest.mark.parametrize("tlp", [TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED])
def test_not_clear_is_not_found(orgs: Orgs, client: Client, tlp: str) -> None:
    advisory = make_advisory(orgs.cert, tlp=tlp)
    publish(advisory)
    assert client.get(_detail(advisory.tracking_id)).status_code == 404
    assert client.get(f"/public/advisories/{advisory.tracking_id}/csaf-en.json").status_code == 404
    assert advisory.tracking_id not in client.get("/public/advisories/").content.decode()


def test_never_published_draft_is_not_found(orgs: Orgs, client: Client) -> None:
    advisory = make_advisory(orgs.cert)
    assert client.get(_detail(advisory.tracking_id)).status_code == 404
    assert client.get(_detail("NO-SUCH-ID")).status_code == 404


def test_working_copy_made_stricter_leaves_the_public_pages(orgs: Orgs, client: Client) -> None:
    advisory = make_advisory(orgs.cert)
    publish(advisory)
    advisory.tlp = TLP.AMBER
    advisory.status = AdvisoryStatus.DRAFT
    advisory.save()
    assert client.get(_detail(advisory.tracking_id)).status_code == 404


def test_withdrawn_shows_a_notice_without_content(orgs: Orgs, client: Client) -> None:
    advisory = make_advisory(orgs.cert, summary_en="Secret-ish summary")
    publish(advisory)
    advisory.status = AdvisoryStatus.WITHDRAWN
    advisory.withdrawn_at = datetime(2026, 3, 9, tzinfo=UTC)
    advisory.withdrawn_reason = "Issued in error."
    advisory.save()

    response = client.get(_detail(advisory.tracking_id, "en"))
    assert response.status_code == 410
    body = response.content.decode()
    assert "This advisory has been withdrawn" in body
    assert "Issued in error." in body
    assert "Secret-ish summary" not in body
    assert advisory.tracking_id not in client.get("/public/advisories/").content.decode()
    assert client.get(f"/public/advisories/{advisory.tracking_id}/csaf-en.json").status_code == 404


def test_withdrawn_amber_is_still_not_found(orgs: Orgs, client: Client) -> None:
    advisory = make_advisory(orgs.cert, tlp=TLP.AMBER)
    publish(advisory)
    advisory.status = AdvisoryStatus.WITHDRAWN
    advisory.save()
    assert client.get(_detail(advisory.tracking_id)).status_code == 404


def test_list_shows_public_advisories_only(orgs: Orgs, client: Client) -> None:
    public = make_advisory(orgs.cert)
    publish(public)
    green = make_advisory(orgs.cert, tlp=TLP.GREEN)
    publish(green)
    draft = make_advisory(orgs.cert)

    response = client.get("/public/advisories/?lang=id")
    assert response.status_code == 200
    body = response.content.decode()
    assert public.tracking_id in body
    assert "Kerentanan pada pompa infus" in body
    assert green.tracking_id not in body
    assert draft.tracking_id not in body


def test_public_csaf_download(orgs: Orgs, client: Client) -> None:
    advisory = make_advisory(orgs.cert)
    publish(advisory)
    response = client.get(f"/public/advisories/{advisory.tracking_id}/csaf-id.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["document"]["lang"] == "id"


@pytest.mark.parametrize("language", ["id", "en"])
def test_rss_feed_per_language(orgs: Orgs, client: Client, language: str) -> None:
    public = make_advisory(orgs.cert)
    publish(public)
    amber = make_advisory(orgs.cert, tlp=TLP.AMBER)
    publish(amber)
    make_advisory(orgs.cert)  # a draft

    response = client.get(f"/public/advisories/feed/{language}/rss.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    rss = ET.fromstring(response.content)  # noqa: S314 - our own response
    channel = rss.find("channel")
    assert channel is not None
    assert channel.findtext("language") == language
    items = channel.findall("item")
    assert len(items) == 1
    title = items[0].findtext("title") or ""
    expected = (
        "Kerentanan pada pompa infus" if language == "id" else "Vulnerability in infusion pumps"
    )
    assert title == f"{public.tracking_id}: {expected}"
    assert (items[0].findtext("link") or "").endswith(f"?lang={language}")


@pytest.mark.parametrize("language", ["id", "en"])
def test_atom_feed_per_language(orgs: Orgs, client: Client, language: str) -> None:
    public = make_advisory(orgs.cert)
    publish(public)
    red = make_advisory(orgs.cert, tlp=TLP.RED)
    publish(red)
    withdrawn = make_advisory(orgs.cert)
    publish(withdrawn)
    withdrawn.status = AdvisoryStatus.WITHDRAWN
    withdrawn.save()

    response = client.get(f"/public/advisories/feed/{language}/atom.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own response
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert entries[0].findtext(f"{ATOM}id") == f"urn:uuid:{public.uuid}"
    assert public.tracking_id in (entries[0].findtext(f"{ATOM}title") or "")


def test_unknown_feed_language_is_not_found(client: Client) -> None:
    assert client.get("/public/advisories/feed/fr/rss.xml").status_code == 404
    assert client.get("/public/advisories/feed/en/json.xml").status_code == 404
