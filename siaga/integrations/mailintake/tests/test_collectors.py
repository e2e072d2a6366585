"""The drop folder and the IMAP collector let a message go only once it was filed."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from siaga.integrations.mailintake import collectors
from siaga.integrations.mailintake.collectors import (
    ImapSettings,
    collect_drop_folder,
    collect_imap,
    prepare_drop_folder,
)
from siaga.integrations.mailintake.parser import MailRejected, parse_mail
from siaga.integrations.mailintake.tests.imap_server import PASSWORD, USER, ImapTestServer

MAIL = b"From: budi@rsud.example\r\nSubject: %s\r\n\r\nServer terenkripsi\r\n"
LIMIT = 1_000_000


class RecordingIntake:
    """Stands in for the intake: parses for real and remembers what it filed."""

    def __init__(self, fail_on: str = "") -> None:
        self.filed: list[tuple[str, str]] = []
        self.fail_on = fail_on

    def __call__(self, raw: bytes, source: str) -> str:
        parsed = parse_mail(raw, max_bytes=LIMIT)
        if self.fail_on and self.fail_on in parsed.subject:
            raise RuntimeError("database down")
        self.filed.append((parsed.subject, source))
        return f"SIAGA-2026-{len(self.filed):06d}"


def drop(root: Path, name: str, content: bytes) -> None:
    prepare_drop_folder(root)
    (root / "new" / name).write_bytes(content)


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_files_each_message_and_moves_it_to_done(tmp_path):
    drop(tmp_path, "a.eml", MAIL % b"first")
    drop(tmp_path, "b.eml", MAIL % b"second")
    intake = RecordingIntake()
    result = collect_drop_folder(tmp_path, intake, max_bytes=LIMIT)
    assert result.filed == ["SIAGA-2026-000001", "SIAGA-2026-000002"]
    assert [subject for subject, _ in intake.filed] == ["first", "second"]
    assert names(tmp_path / "done") == ["a.eml", "b.eml"]
    assert names(tmp_path / "new") == [] and names(tmp_path / "processing") == []


def test_a_message_that_is_no_email_goes_to_rejected_with_the_reason(tmp_path):
    drop(tmp_path, "junk.eml", b"\x00\x01 not mail")
    result = collect_drop_folder(tmp_path, RecordingIntake(), max_bytes=LIMIT)
    assert result.rejected == [
        "junk.eml: This is not an e-mail message (no From, Subject or Date header)."
    ]
    assert names(tmp_path / "rejected") == ["junk.eml", "junk.eml.error.txt"]
    assert (
        tmp_path / "rejected" / "junk.eml"
    ).read_bytes() == b"\x00\x01 not mail"  # kept as it came


def test_an_oversized_file_is_rejected_unread(tmp_path):
    drop(tmp_path, "big.eml", MAIL % (b"x" * 500))
    result = collect_drop_folder(tmp_path, RecordingIntake(), max_bytes=100)
    assert result.rejected == ["big.eml: The message is larger than 100 bytes."]


def test_a_failing_intake_keeps_the_message_and_a_later_run_takes_it_back(tmp_path, monkeypatch):
    drop(tmp_path, "a.eml", MAIL % b"boom")
    result = collect_drop_folder(tmp_path, RecordingIntake(fail_on="boom"), max_bytes=LIMIT)
    assert result.failed == ["a.eml"]
    assert names(tmp_path / "processing") == ["a.eml"]
    # Not yet stale: the next run leaves it alone.
    assert collect_drop_folder(tmp_path, RecordingIntake(), max_bytes=LIMIT).filed == []
    old = time.time() - collectors.STALE_AFTER - 1
    os.utime(tmp_path / "processing" / "a.eml", (old, old))
    again = collect_drop_folder(tmp_path, RecordingIntake(), max_bytes=LIMIT)
    assert again.filed == ["SIAGA-2026-000001"]
    assert names(tmp_path / "done") == ["a.eml"]


def test_two_collectors_never_take_the_same_file(tmp_path):
    for n in range(40):
        drop(tmp_path, f"{n:02d}.eml", MAIL % str(n).encode())
    intakes = [RecordingIntake(), RecordingIntake()]
    threads = [
        threading.Thread(
            target=collect_drop_folder, args=(tmp_path, i), kwargs={"max_bytes": LIMIT}
        )
        for i in intakes
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    subjects = [s for intake in intakes for s, _ in intake.filed]
    assert sorted(subjects) == sorted(str(n) for n in range(40))  # each exactly once
    assert len(names(tmp_path / "done")) == 40


def imap_settings(port: int, password: str = PASSWORD) -> ImapSettings:
    return ImapSettings(
        host="127.0.0.1", port=port, user=USER, password=password, ssl=False, timeout=5
    )


def test_imap_files_unseen_messages_and_marks_them_seen(db):
    with ImapTestServer([MAIL % b"one", MAIL % b"two"]) as server:
        intake = RecordingIntake()
        result = collect_imap(imap_settings(server.port), intake, max_bytes=LIMIT)
        assert result.filed == ["SIAGA-2026-000001", "SIAGA-2026-000002"]
        assert [s for s, _ in intake.filed] == ["one", "two"]
        assert server.mailbox.seen(1) and server.mailbox.seen(2)
        # A second run finds nothing new.
        assert collect_imap(imap_settings(server.port), intake, max_bytes=LIMIT).filed == []


def test_imap_leaves_a_message_unseen_when_the_intake_fails(db):
    with ImapTestServer([MAIL % b"boom", MAIL % b"fine"]) as server:
        result = collect_imap(
            imap_settings(server.port), RecordingIntake(fail_on="boom"), max_bytes=LIMIT
        )
        assert result.failed == ["imap:1"] and result.filed == ["SIAGA-2026-000001"]
        assert not server.mailbox.seen(1) and server.mailbox.seen(2)


def test_imap_marks_rejected_messages_seen_so_they_do_not_come_back(db):
    with ImapTestServer([b"\x00 garbage"]) as server:
        result = collect_imap(imap_settings(server.port), RecordingIntake(), max_bytes=LIMIT)
        assert result.rejected and server.mailbox.seen(1)


def test_imap_wrong_password_is_a_clear_error():
    with ImapTestServer([]) as server, pytest.raises(Exception, match="invalid credentials"):
        collect_imap(
            imap_settings(server.port, password="wrong"), RecordingIntake(), max_bytes=LIMIT
        )


def test_parse_failure_type_is_the_parsers_own():
    with pytest.raises(MailRejected):
        parse_mail(b"", max_bytes=LIMIT)
