"""Creates, updates and deletes of business objects are audited with who, when and what changed."""

import pytest

from siaga.audit.context import audit_context
from siaga.audit.models import AuditEntry
from siaga.core.testing import make_user
from siaga.organizations.choices import OrganizationKind
from siaga.organizations.models import Organization

pytestmark = pytest.mark.django_db


def entries_for(obj) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("seq")
    )


def test_create_update_delete_are_recorded_with_the_actor_and_the_changes():
    actor = make_user("actor@cert.test")
    with audit_context(actor=actor, via="web", ip_address="192.0.2.10", request_id="req-1"):
        org = Organization.objects.create(name="RS Contoh", kind=OrganizationKind.MEMBER_AGENCY)
        org.short_name = "RSC"
        org.save()
        org_pk = org.pk
        org.delete()
    org.pk = org_pk
    created, updated, deleted = entries_for(org)
    assert (created.action, updated.action, deleted.action) == ("create", "update", "delete")
    assert created.changes["new"]["name"] == "RS Contoh"
    assert updated.changes == {"short_name": ["", "RSC"]}
    assert deleted.changes["old"]["short_name"] == "RSC"
    assert {e.actor_id for e in (created, updated, deleted)} == {actor.pk}
    assert (
        updated.ip_address == "192.0.2.10"
        and updated.via == "web"
        and updated.request_id == "req-1"
    )


def test_saving_without_a_change_writes_no_entry():
    org = Organization.objects.create(name="RS Tetap", kind=OrganizationKind.MEMBER_AGENCY)
    org.save()
    assert [e.action for e in entries_for(org)] == ["create"]


def test_password_changes_are_recorded_without_the_hash():
    user = make_user("someone@cert.test")
    old_hash = user.password
    user.set_password("a-new-long-password")
    user.save()
    update = entries_for(user)[-1]
    before, after = update.changes["password"]
    assert before != after
    assert before.startswith("sha256:") and after.startswith("sha256:")
    assert old_hash not in str(update.changes) and user.password not in str(update.changes)
