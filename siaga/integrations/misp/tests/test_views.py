"""The MISP pages: import upload, feed management, and the token-addressed feed files."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pymisp import MISPEvent

from siaga.audit.models import AuditEntry
from siaga.core.testing import Personas, login
from siaga.integrations.misp.actions import check_create_feed, check_revoke_feed
from siaga.integrations.misp.models import MispFeed
from siaga.integrations.misp.tests.helpers import FIXTURES
from siaga.intel.actions import IndicatorInput, do_upsert_indicators
from siaga.intel.models import Indicator
from siaga.sharing.choices import TLP, Distribution

pytestmark = pytest.mark.django_db


def _upload(client: Client, name: str, data: bytes, **fields: str) -> object:
    body = {"file": SimpleUploadedFile(name, data), "tlp": "amber", "distribution": "organization"}
    body.update(fields)
    return client.post(reverse("misp:import"), body)


def test_import_page_imports_and_lists_what_was_not_imported(
    client: Client, personas: Personas
) -> None:
    login(client, personas.cert_analyst)
    assert client.get(reverse("misp:import")).status_code == 200
    response = _upload(client, "event.json", (FIXTURES / "event.json").read_bytes())
    assert response.status_code == 200
    text = response.content.decode()
    assert "not imported: type regkey (1)" in text
    assert "not a host name!" in text
    assert Indicator.objects.filter(organization=personas.orgs.cert).count() == 16
    assert AuditEntry.objects.filter(object_type="misp.import").count() == 1


def test_import_page_shows_a_format_error(client: Client, personas: Personas) -> None:
    login(client, personas.cert_analyst)
    response = _upload(client, "event.json", b'{"Event": {"uuid": 3}}')
    assert response.status_code == 200
    assert "Event.uuid: expected a UUID" in response.content.decode()
    assert not Indicator.objects.exists()


def test_import_page_refuses_tlp_red_default(client: Client, personas: Personas) -> None:
    login(client, personas.cert_analyst)
    response = _upload(client, "event.json", b"{}", tlp="red")
    assert response.status_code == 200
    assert not Indicator.objects.exists()


@pytest.mark.parametrize("persona", ["constituent_reporter", "auditor", "outsider"])
def test_import_page_needs_indicator_add(client: Client, personas: Personas, persona: str) -> None:
    login(client, personas.by_name(persona))
    assert client.get(reverse("misp:import")).status_code == 403


def test_feed_creation_shows_the_address_once(client: Client, personas: Personas) -> None:
    login(client, personas.cert_lead)
    response = client.post(
        reverse("misp:feed-create"), {"name": "Hospital", "organization": personas.orgs.hospital.pk}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    url = re.search(r'value="(http[^"]+)"', response.content.decode()).group(1)
    token = url.rstrip("/").rsplit("/", 1)[1]
    feed = MispFeed.objects.get()
    assert feed.token_hash != token and token not in json.dumps(
        list(MispFeed.objects.values()), default=str
    )
    listing = client.get(reverse("misp:feed-list")).content.decode()
    assert "Hospital" in listing and token not in listing
    assert Client().get(f"{url}manifest.json").status_code == 200


@pytest.mark.parametrize("persona", ["constituent_admin", "coord_member", "auditor"])
def test_feed_pages_are_for_cert_staff(client: Client, personas: Personas, persona: str) -> None:
    login(client, personas.by_name(persona))
    assert client.get(reverse("misp:feed-list")).status_code == 403
    assert client.get(reverse("misp:feed-create")).status_code == 403


def test_feed_files_by_token(personas: Personas) -> None:
    do_upsert_indicators(
        [IndicatorInput(type="ip", value="192.0.2.77")],
        organization=personas.orgs.hospital,
        tlp=TLP.AMBER,
        distribution=Distribution.ORGANIZATION,
        source_kind="manual",
    )
    feed, token = check_create_feed(personas.cert_admin, "H", personas.orgs.hospital)
    anonymous = Client()
    manifest = anonymous.get(reverse("misp:feed-manifest", args=[token]))
    assert manifest.status_code == 200
    (event_uuid,) = manifest.json()
    response = anonymous.get(reverse("misp:feed-event", args=[token, event_uuid]))
    assert response.status_code == 200
    event = MISPEvent()
    event.load(b"".join(response.streaming_content).decode())
    assert [(a.type, a.value, a.to_ids) for a in event.attributes] == [
        ("ip-dst", "192.0.2.77", True)
    ]
    hashes = b"".join(anonymous.get(reverse("misp:feed-hashes", args=[token])).streaming_content)
    assert hashes.decode().strip().endswith(f",{event_uuid}")
    unknown = "00000000-0000-4000-8000-000000000000"
    assert anonymous.get(reverse("misp:feed-event", args=[token, unknown])).status_code == 404
    feed.refresh_from_db()
    assert feed.last_fetched_at is not None


def test_wrong_and_revoked_tokens_are_404(client: Client, personas: Personas) -> None:
    feed, token = check_create_feed(personas.cert_admin, "Public", None)
    anonymous = Client()
    assert anonymous.get(reverse("misp:feed-manifest", args=[token + "x"])).status_code == 404
    assert anonymous.get(reverse("misp:feed-hashes", args=["mispfeed_nope"])).status_code == 404
    login(client, personas.cert_analyst)
    assert client.post(reverse("misp:feed-revoke", args=[feed.pk])).status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert anonymous.get(reverse("misp:feed-manifest", args=[token])).status_code == 404
    check_revoke_feed(personas.cert_admin, feed)  # revoking twice changes nothing


def test_revoking_needs_mispfeed_change(client: Client, personas: Personas) -> None:
    feed, _token = check_create_feed(personas.cert_admin, "Public", None)
    login(client, personas.constituent_admin)
    assert client.post(reverse("misp:feed-revoke", args=[feed.pk])).status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None
