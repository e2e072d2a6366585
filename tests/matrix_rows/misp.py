"""Permission-matrix rows of the MISP integration (siaga.integrations.misp).

Importing needs ``indicator.add`` (CERT staff anywhere; a coordination-group member or a
constituent admin for their own organization). The feed pages are for CERT staff
(``mispfeed.view/add/change``). The feed files (``manifest.json``, ``<uuid>.json``,
``hashes.csv``) are public addresses authenticated by the secret token in the path, which a MISP
instance uses without a session: with the token, anyone (including anonymous) gets them; a wrong
or revoked token is a 404 (tested in siaga/integrations/misp/tests/test_views.py).
"""

from __future__ import annotations

from typing import Any

from siaga.core.testing import Personas
from siaga.integrations.misp.actions import audience_of, check_create_feed
from siaga.integrations.misp.feed import feed_events
from siaga.intel.actions import IndicatorInput, do_upsert_indicators
from siaga.sharing.choices import TLP, Distribution
from tests.matrix_base import ALL, CERT_STAFF, Operation, Page

IMPORTERS = CERT_STAFF | {"coord_member", "constituent_admin"}

EVENT = {
    "Event": {
        "uuid": "9a9a9a9a-0000-4000-8000-000000000001",
        "info": "Matrix event",
        "distribution": "0",
        "Tag": [{"name": "tlp:amber"}],
        "Attribute": [
            {
                "uuid": "9a9a9a9a-0000-4000-8000-000000000002",
                "type": "domain",
                "value": "matrix-misp.example",
                "to_ids": True,
            }
        ],
    }
}


def rows(personas: Personas) -> dict[str, Any]:
    hospital = personas.orgs.hospital
    do_upsert_indicators(
        [IndicatorInput(type="domain", value="misp-matrix.example")],
        organization=hospital,
        tlp=TLP.AMBER,
        distribution=Distribution.ORGANIZATION,
        source_kind="manual",
    )
    feed, token = check_create_feed(personas.cert_admin, "Matrix feed", hospital)
    # Other apps' rows add indicators the hospital may see too: any event of the feed will do.
    event_uuid = sorted(feed_events(audience_of(feed)))[0]
    return {"misp_feed_id": feed.pk, "misp_feed_token": token, "misp_event_uuid": event_uuid}


PAGES = [
    Page("misp:import", IMPORTERS),
    Page("misp:feed-list", CERT_STAFF),
    Page("misp:feed-create", CERT_STAFF),
    Page(
        "misp:feed-revoke",
        CERT_STAFF,
        method="post",
        args=lambda w: [w.extra["misp_feed_id"]],
    ),
    # Token-authenticated: public addresses, the token is the credential.
    Page("misp:feed-manifest", ALL, args=lambda w: [w.extra["misp_feed_token"]], public=True),
    Page("misp:feed-hashes", ALL, args=lambda w: [w.extra["misp_feed_token"]], public=True),
    Page(
        "misp:feed-event",
        ALL,
        args=lambda w: [w.extra["misp_feed_token"], w.extra["misp_event_uuid"]],
        public=True,
    ),
]

OPERATIONS = [
    Operation("post", "/api/v1/misp/events", IMPORTERS, body=EVENT),
    Operation("get", "/api/v1/misp/feeds", CERT_STAFF),
]
