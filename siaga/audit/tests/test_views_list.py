"""The audit trail list: for auditors and CERT administrators only, newest first, paged by sequence."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from siaga.audit.actions import do_record_event
from siaga.audit.choices import AuditAction
from siaga.audit.models import AuditEntry
from siaga.core.testing import login


def record_many(count: int) -> None:
    for number in range(count):
        do_record_event(AuditAction.EXPORT, object_type="test.thing", object_id=str(number))


@pytest.mark.parametrize("persona", ["auditor", "cert_admin"])
def test_auditors_and_cert_admins_see_the_trail(client, personas, persona):
    login(client, personas.by_name(persona))
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    newest = AuditEntry.objects.order_by("-seq").first()
    assert response.context["entries"][0] == newest


@pytest.mark.parametrize(
    "persona", ["cert_analyst", "cert_lead", "coord_member", "constituent_admin", "outsider"]
)
def test_everyone_else_is_refused(client, personas, persona):
    login(client, personas.by_name(persona))
    assert client.get(reverse("audit:list")).status_code == 403
    entry = AuditEntry.objects.first()
    assert client.get(reverse("audit:detail", args=[entry.pk])).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("audit:list"))
    assert response.status_code == 302


def test_queries_do_not_grow_with_rows(client, personas, django_assert_max_num_queries):
    login(client, personas.auditor)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audit:list"))
    record_many(120)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("audit:list"))
    assert len(response.context["entries"]) == 50


def test_keyset_pages_walk_the_whole_trail(client, personas):
    record_many(70)
    login(client, personas.auditor)
    total = AuditEntry.objects.count()  # signing in is audited too
    seen: list[int] = []
    response = client.get(reverse("audit:list"))
    assert response.context["newer"] is None
    while True:
        seen.extend(entry.seq for entry in response.context["entries"])
        older = response.context["older"]
        if older is None:
            break
        response = client.get(reverse("audit:list"), {"before": older})
        assert response.context["newer"] is not None
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) == total

    # And back: the newer link from the second page leads to the first page again.
    first = client.get(reverse("audit:list")).context["entries"]
    second = client.get(reverse("audit:list"), {"before": first[-1].seq}).context
    back = client.get(reverse("audit:list"), {"after": second["newer"]}).context["entries"]
    assert [e.seq for e in back] == [e.seq for e in first]


def test_nonsense_page_marker_is_ignored(client, personas):
    login(client, personas.auditor)
    assert client.get(reverse("audit:list"), {"before": "abc"}).status_code == 200
