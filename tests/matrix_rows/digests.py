"""Permission-matrix rows of feed digests: everyone in an organization may open the list (a
constituent sees its own digests there, others none); the hospital's digest is seen by the CERT's
staff, its auditors and the hospital's members; subscriptions are managed by the CERT's staff and
the hospital's administrator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from siaga.core.testing import Personas
from siaga.digests.actions import allocate_ticket
from siaga.digests.models import Digest, DigestSubscription
from tests.matrix_base import CERT_STAFF, IN_AN_ORGANIZATION, Operation, Page

SEES_HOSPITAL_DIGESTS = CERT_STAFF | {"auditor", "constituent_admin", "constituent_reporter"}
MANAGES_SUBSCRIPTIONS = CERT_STAFF | {"constituent_admin"}


def rows(personas: Personas) -> dict[str, Any]:
    hospital = personas.orgs.hospital
    subscription = DigestSubscription.objects.create(organization=hospital, format="webhook_json")
    moment = datetime(2025, 3, 2, 6, 0, tzinfo=UTC)
    with transaction.atomic():
        digest = Digest.objects.create(
            organization=hospital,
            subscription=subscription,
            ticket=allocate_ticket(moment),
            period_start=datetime(2025, 3, 1, 6, 0, tzinfo=UTC),
            period_end=moment,
        )
    return {"digest_id": digest.pk, "digest_subscription_id": subscription.pk}


def _digest(w: Any) -> list[Any]:
    return [w.extra["digest_id"]]


def _subscription(w: Any) -> list[Any]:
    return [w.extra["digest_subscription_id"]]


PAGES = [
    Page("digests:list", IN_AN_ORGANIZATION),
    Page("digests:detail", SEES_HOSPITAL_DIGESTS, args=_digest),
    Page("digests:csv", SEES_HOSPITAL_DIGESTS, args=_digest),
    Page("digests:subscriptions", MANAGES_SUBSCRIPTIONS),
    Page("digests:subscription-create", MANAGES_SUBSCRIPTIONS),
    Page("digests:subscription-edit", MANAGES_SUBSCRIPTIONS, args=_subscription),
]

OPERATIONS = [
    Operation("get", "/api/v1/digests", IN_AN_ORGANIZATION),
    Operation(
        "get",
        "/api/v1/digests/{id}",
        SEES_HOSPITAL_DIGESTS,
        params=lambda w: {"id": w.extra["digest_id"]},
    ),
    Operation(
        "get",
        "/api/v1/digests/{id}/csv",
        SEES_HOSPITAL_DIGESTS,
        params=lambda w: {"id": w.extra["digest_id"]},
    ),
    Operation("get", "/api/v1/digest-subscriptions", IN_AN_ORGANIZATION),
    Operation(
        "post",
        "/api/v1/digest-subscriptions",
        MANAGES_SUBSCRIPTIONS,
        body=lambda w: {
            "organization": w.hospital_id,
            "format": "webhook_json",
            "frequency": "weekly",
        },
    ),
    Operation(
        "patch",
        "/api/v1/digest-subscriptions/{id}",
        MANAGES_SUBSCRIPTIONS,
        params=lambda w: {"id": w.extra["digest_subscription_id"]},
        body={"frequency": "daily"},
    ),
]
