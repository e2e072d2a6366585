"""A small IMAP4rev1 server on 127.0.0.1 for the tests: enough of the protocol for imaplib.

It serves one mailbox held in memory (uid → [raw message, seen flag]) and answers LOGIN, SELECT,
UID SEARCH UNSEEN, UID FETCH (BODY.PEEK[]), UID STORE +FLAGS (\\Seen), CLOSE and LOGOUT.
"""

from __future__ import annotations

import re
import socketserver
import threading
from typing import Any

USER, PASSWORD = "intake@siaga.example", "mailbox-password"


class Mailbox:
    def __init__(self, messages: list[bytes]) -> None:
        self.messages = {uid: [raw, False] for uid, raw in enumerate(messages, start=1)}
        self.lock = threading.Lock()

    def seen(self, uid: int) -> bool:
        return bool(self.messages[uid][1])


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.send(b"* OK IMAP4rev1 test server ready")
        while line := self.rfile.readline():
            tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            if not self.dispatch(tag, command.upper(), args):
                return

    def send(self, data: bytes) -> None:
        self.wfile.write(data + b"\r\n")

    def dispatch(self, tag: str, command: str, args: str) -> bool:
        mailbox = self.server.mailbox
        if command == "CAPABILITY":
            self.send(b"* CAPABILITY IMAP4rev1")
        elif command == "LOGIN":
            if [token.strip('"') for token in args.split()] != [USER, PASSWORD]:
                self.send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials".encode())
                return True
        elif command == "SELECT":
            self.send(f"* {len(mailbox.messages)} EXISTS".encode())
        elif command == "UID":
            self.uid_command(tag, args, mailbox)
        elif command == "CLOSE":
            pass
        elif command == "LOGOUT":
            self.send(b"* BYE")
            self.send(f"{tag} OK LOGOUT completed".encode())
            return False
        else:
            self.send(f"{tag} BAD unknown command".encode())
            return True
        self.send(f"{tag} OK {command} completed".encode())
        return True

    def uid_command(self, tag: str, args: str, mailbox: Mailbox) -> None:
        sub, _, rest = args.partition(" ")
        with mailbox.lock:
            if sub.upper() == "SEARCH":
                unseen = [str(uid) for uid, (_, seen) in mailbox.messages.items() if not seen]
                self.send(("* SEARCH " + " ".join(unseen)).rstrip().encode())
            elif sub.upper() == "FETCH":
                uid = int(rest.split()[0])
                raw = mailbox.messages[uid][0]
                self.wfile.write(f"* {uid} FETCH (UID {uid} BODY[] {{{len(raw)}}}\r\n".encode())
                self.wfile.write(raw + b")\r\n")
            elif sub.upper() == "STORE" and re.search(r"\\Seen", rest):
                mailbox.messages[int(rest.split()[0])][1] = True


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    mailbox: Mailbox


class ImapTestServer:
    """``with ImapTestServer([raw, ...]) as server:`` then connect to 127.0.0.1:server.port."""

    def __init__(self, messages: list[bytes]) -> None:
        self.mailbox = Mailbox(messages)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.mailbox = self.mailbox
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ImapTestServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
