"""Fixtures of the TAXII tests: a sharing group, the collections of the issue's scenario, STIX
rows written straight into the store, and TAXII clients for the personas."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from siaga.core.testing import PASSWORD, Personas, make_token
from siaga.organizations.models import Organization
from siaga.sharing.choices import TLP, Distribution
from siaga.sharing.models import SharingGroup, SharingGroupMember
from siaga.stix.models import StixObject
from siaga.taxii.models import Collection
from siaga.taxii.protocol import TAXII_MEDIA_TYPE

ROOT = "/taxii2/siaga/"
BASE_TIME = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def stix_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def make_stix(
    organization: Organization,
    *,
    tlp: str = TLP.GREEN,
    distribution: str = Distribution.CONSTITUENTS,
    sharing_group: SharingGroup | None = None,
    stix_id: str | None = None,
    version: datetime = BASE_TIME,
    date_added: datetime | None = None,
    is_latest: bool = True,
    type: str = "indicator",
    created_by: Any = None,
) -> StixObject:
    """One STIX row, written directly (the TAXII server only reads the store)."""
    stix_id = stix_id or f"{type}--{uuid.uuid4()}"
    raw = {
        "type": type,
        "spec_version": "2.1",
        "id": stix_id,
        "created": stix_time(BASE_TIME),
        "modified": stix_time(version),
        "name": f"test {stix_id[-6:]}",
    }
    return StixObject.objects.create(
        stix_id=stix_id,
        type=type,
        version=version,
        date_added=date_added or datetime.now(UTC),
        is_latest=is_latest,
        raw=json.dumps(raw, separators=(",", ":")),
        tlp=tlp,
        distribution=distribution,
        sharing_group=sharing_group,
        organization=organization,
        created_by=created_by,
    )


@dataclass
class Scenario:
    """The issue's world: a coordination group of the CERT and the agency, and its collections."""

    personas: Personas
    group: SharingGroup  # the CERT and the agency
    other_group: SharingGroup  # the CERT and the hospital, not the agency
    green: Collection
    clear: Collection
    amber: Collection
    other_amber: Collection
    cert_strict: Collection
    cert_red: Collection


@pytest.fixture
def scenario(personas: Personas) -> Scenario:
    orgs = personas.orgs
    group = SharingGroup.objects.create(name="Coordination group", owner=orgs.cert)
    other = SharingGroup.objects.create(name="Jakarta hospitals", owner=orgs.cert)
    for sharing_group, members in (
        (group, [orgs.cert, orgs.agency]),
        (other, [orgs.cert, orgs.hospital]),
    ):
        for member in members:
            SharingGroupMember.objects.create(sharing_group=sharing_group, organization=member)

    def collection(title: str, **labels: Any) -> Collection:
        return Collection.objects.create(title=title, **labels)

    return Scenario(
        personas=personas,
        group=group,
        other_group=other,
        green=collection(
            "Community", alias="community", distribution=Distribution.CONSTITUENTS, tlp=TLP.GREEN
        ),
        clear=collection("Public", distribution=Distribution.PUBLIC, tlp=TLP.CLEAR),
        amber=collection(
            "Coordination (AMBER)",
            distribution=Distribution.SHARING_GROUP,
            sharing_group=group,
            tlp=TLP.AMBER,
        ),
        other_amber=collection(
            "Hospitals (AMBER)",
            distribution=Distribution.SHARING_GROUP,
            sharing_group=other,
            tlp=TLP.AMBER,
        ),
        cert_strict=collection(
            "CERT only (AMBER+STRICT)",
            distribution=Distribution.ORGANIZATION,
            organization=orgs.cert,
            tlp=TLP.AMBER_STRICT,
        ),
        cert_red=collection(
            "CERT RED",
            distribution=Distribution.ORGANIZATION,
            organization=orgs.cert,
            tlp=TLP.RED,
        ),
    )


def taxii_client(user: Any = None, *, scope: str = "read_write", basic: bool = True) -> Client:
    """A client speaking TAXII 2.1 as ``user`` (Basic with a token as password by default)."""
    # English: the tests read the (translatable) error descriptions.
    headers: dict[str, str] = {"HTTP_ACCEPT": TAXII_MEDIA_TYPE, "HTTP_ACCEPT_LANGUAGE": "en"}
    if user is not None:
        token = make_token(user, scope)
        if basic:
            pair = base64.b64encode(f"{user.email}:{token}".encode()).decode()
            headers["HTTP_AUTHORIZATION"] = f"Basic {pair}"
        else:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return Client(**headers)


def basic_password_client(user: Any, password: str = PASSWORD) -> Client:
    pair = base64.b64encode(f"{user.email}:{password}".encode()).decode()
    return Client(
        HTTP_ACCEPT=TAXII_MEDIA_TYPE, HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Basic {pair}"
    )


def objects_url(collection: Collection) -> str:
    return f"{ROOT}collections/{collection.uuid}/objects/"


def later(minutes: int) -> datetime:
    return BASE_TIME + timedelta(minutes=minutes)
