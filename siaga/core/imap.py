"""The few IMAP steps every mailbox reader of Siaga takes (incident intake, feed attachments).

``imaplib`` answers with status strings and nested tuples; these helpers turn the answers into
plain values, so the readers differ only in what they do with a message.
"""

from __future__ import annotations

import imaplib
import logging

log = logging.getLogger(__name__)


def quoted_folder(folder: str) -> str:
    """A folder name as an IMAP quoted string (spaces and quotes in it are kept)."""
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unseen_uids(client: imaplib.IMAP4) -> list[str]:
    status, data = client.uid("SEARCH", "UNSEEN")
    if status != "OK" or not data or not data[0]:
        return []
    return [uid.decode("ascii") for uid in data[0].split() if uid.isdigit()]


def peek_message(client: imaplib.IMAP4, uid: str) -> bytes | None:
    """The whole message. BODY.PEEK leaves it unseen: the reader marks it seen only once it has
    kept what it needs, so a crash in between reads the message again."""
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def close_quietly(client: imaplib.IMAP4) -> None:
    try:
        if client.state == "SELECTED":
            client.close()
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        log.warning("the IMAP server closed the connection untidily")
