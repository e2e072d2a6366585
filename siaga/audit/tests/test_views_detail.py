"""One audit entry: its changes as a table, and its place in the hash chain."""

from __future__ import annotations

from django.urls import reverse

from siaga.audit.models import AuditEntry
from siaga.core.testing import login


def test_update_is_shown_as_before_and_after(client, personas):
    hospital = personas.orgs.hospital
    hospital.short_name = "RSTH"
    hospital.save()
    entry = AuditEntry.objects.filter(action="update", object_id=str(hospital.pk)).get()
    login(client, personas.auditor)
    response = client.get(reverse("audit:detail", args=[entry.pk]))
    assert response.status_code == 200
    assert response.context["before_after"] is True
    assert ("short_name", None, "RSTH") in response.context["rows"]
    html = response.content.decode()
    assert entry.entry_hash in html
    assert entry.prev_hash in html
    assert response.context["hash_matches"] is True
    assert response.context["link_intact"] is True


def test_create_lists_the_new_values(client, personas):
    entry = AuditEntry.objects.filter(
        action="create", object_type="organizations.organization"
    ).first()
    login(client, personas.cert_admin)
    response = client.get(reverse("audit:detail", args=[entry.pk]))
    rows = {name: (before, after) for name, before, after in response.context["rows"]}
    assert rows["name"] == (None, entry.changes["new"]["name"])


def test_missing_entry_is_not_found(client, personas):
    login(client, personas.auditor)
    assert client.get(reverse("audit:detail", args=[10**9])).status_code == 404
