"""Permission-matrix rows of advisory outputs: the public pages, feeds and CSAF provider directory
are open to everyone, signed in or not (they only ever show TLP:CLEAR published advisories); the
CSAF and PDF downloads of a TLP:AMBER advisory published to the hospital are for the CERT's staff,
its auditors and the hospital's members."""

from __future__ import annotations

from typing import Any

from siaga.advisories.choices import RecipientReason
from siaga.advisories.exports.csaf import csaf_filename
from siaga.advisories.models import AdvisoryRecipient
from siaga.advisories.tests.builders import make_advisory, publish
from siaga.core.testing import Personas
from siaga.sharing.choices import TLP
from tests.matrix_base import ALL, SEES_HOSPITAL_MEMBERS, Operation, Page


def rows(personas: Personas) -> dict[str, Any]:
    public = make_advisory(personas.orgs.cert)
    publish(public)
    amber = make_advisory(personas.orgs.cert, tlp=TLP.AMBER)
    publish(amber)
    AdvisoryRecipient.objects.create(
        advisory=amber, organization=personas.orgs.hospital, reason=RecipientReason.NAMED
    )
    return {
        "public_advisory_tracking_id": public.tracking_id,
        "public_advisory_file": csaf_filename(public.tracking_id),
        "amber_advisory_id": amber.pk,
    }


def _public(w: Any) -> list[Any]:
    return [w.extra["public_advisory_tracking_id"]]


def _amber(w: Any) -> list[Any]:
    return [w.extra["amber_advisory_id"]]


PAGES = [
    Page("public_advisories:list", ALL, public=True),
    Page("public_advisories:detail", ALL, args=_public, public=True),
    Page("public_advisories:csaf", ALL, args=lambda w: [*_public(w), "en"], public=True),
    Page("public_advisories:feed", ALL, args=lambda w: ["id", "rss"], public=True),
    Page("public_advisories:csaf-provider-metadata", ALL, public=True),
    Page("public_advisories:csaf-directory", ALL, public=True),
    Page("public_advisories:csaf-index", ALL, public=True),
    Page("public_advisories:csaf-changes", ALL, public=True),
    Page(
        "public_advisories:csaf-file",
        ALL,
        args=lambda w: ["2026", w.extra["public_advisory_file"], ".sha256"],
        public=True,
    ),
    Page("public_advisories:export-csaf", SEES_HOSPITAL_MEMBERS, args=lambda w: [*_amber(w), "id"]),
    Page("public_advisories:export-pdf", SEES_HOSPITAL_MEMBERS, args=_amber),
]

OPERATIONS = [
    Operation(
        "get",
        "/api/v1/advisories/{id}/csaf",
        SEES_HOSPITAL_MEMBERS,
        params=lambda w: {"id": w.extra["amber_advisory_id"]},
        query="?language=id",
    ),
    Operation(
        "get",
        "/api/v1/advisories/{id}/pdf",
        SEES_HOSPITAL_MEMBERS,
        params=lambda w: {"id": w.extra["amber_advisory_id"]},
    ),
]
