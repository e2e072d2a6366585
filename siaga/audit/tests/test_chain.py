"""The audit trail is append-only and hash-chained; `siaga audit verify` names tampered entries."""

import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from siaga.audit.actions import do_record_event, iter_chain_problems
from siaga.audit.choices import AuditAction
from siaga.audit.models import GENESIS_HASH, AppendOnlyError, AuditChainHead, AuditEntry
from siaga.core.testing import run_at_once

pytestmark = pytest.mark.django_db


def record_five() -> list[AuditEntry]:
    return [
        do_record_event(AuditAction.EXPORT, object_type="test", object_repr=f"event {i}")
        for i in range(5)
    ]


def run_verify() -> tuple[str, str | None]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("audit", "verify", "--no-progress", stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


def test_entries_link_to_their_predecessor():
    first, second, *_ = record_five()
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert (
        AuditChainHead.objects.get().last_hash
        == AuditEntry.objects.order_by("-seq").first().entry_hash
    )
    assert list(iter_chain_problems()) == []


def test_verify_reports_an_intact_chain():
    record_five()
    output, error = run_verify()
    assert error is None
    assert "audit trail intact: 5 entries verified" in output


def test_verify_names_an_entry_edited_directly_in_the_database():
    entries = record_five()
    target = entries[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET object_repr = %s WHERE id = %s",
            ["nothing to see", target.pk],
        )
    output, error = run_verify()
    assert error is not None and "broken" in error
    broken = [line for line in output.splitlines() if line.startswith("BROKEN")]
    assert broken == [
        f"BROKEN entry seq={target.seq} (id {target.pk}): content does not match its hash: entry was edited"
    ]


def test_verify_names_the_entry_after_a_deleted_one():
    entries = record_five()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    output, error = run_verify()
    assert error is not None
    assert f"seq={entries[2].seq}" in output
    assert "sequence gap" in output and "link broken" in output


def test_verify_notices_entries_cut_off_the_end():
    entries = record_five()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
    output, error = run_verify()
    assert error is not None
    assert "chain head is at seq 5 but the last entry is 4" in output


def test_verify_notices_reordered_entries():
    entries = record_five()
    a, b = entries[1], entries[2]
    with connection.cursor() as cursor:
        # Swap the sequence numbers of two entries (via a free value, as seq is unique).
        cursor.execute("UPDATE audit_auditentry SET seq = -1 WHERE id = %s", [a.pk])
        cursor.execute("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [a.seq, b.pk])
        cursor.execute("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [b.seq, a.pk])
    output, _ = run_verify()
    assert f"seq={a.seq} (id {b.pk})" in output
    assert f"seq={b.seq} (id {a.pk})" in output


def test_entries_cannot_be_changed_or_deleted_through_the_orm():
    entry = record_five()[0]
    entry.object_repr = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="changed")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_a_rolled_back_change_leaves_no_entry():
    from django.db import transaction

    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        do_record_event(AuditAction.EXPORT, object_type="test")
        raise RuntimeError("the business change failed")
    assert AuditEntry.objects.count() == before
    assert list(iter_chain_problems()) == []


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="SQLite serialises writers; row locks need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_append_one_gapless_chain():
    def append() -> None:
        for i in range(10):
            with transaction.atomic():
                do_record_event(AuditAction.EXPORT, object_type="test", object_repr=str(i))
                time.sleep(0.001)  # hold the head's lock while the others queue for it

    assert run_at_once(6, append) == []
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 61))
    assert list(iter_chain_problems()) == []
    assert AuditChainHead.objects.get(id=1).seq == 60
