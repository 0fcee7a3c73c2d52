"""The dev mailbox: a real SMTP server (aiosmtpd) on loopback that keeps every email it accepts,
so the local stack's send worker talks SMTP exactly as it would to a mail service, and a person
reads what would have been sent on the 运维 › 开发邮箱 page (GET /api/dev/mailbox, dev only).

Each accepted email is a file `<dir>/<n>.eml`. Tests also use it (`refuse` makes the server
answer an SMTP error to the next deliveries).
"""

from __future__ import annotations

import email
import email.policy
import itertools
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Refusal:
    """Answer `reply` (e.g. '451 4.3.0 try later') to the next `times` deliveries."""

    reply: str
    times: int


@dataclass
class _Handler:
    directory: Path
    refusals: list[Refusal] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.attempts += 1
            if self.refusals:
                r = self.refusals[0]
                r.times -= 1
                if r.times <= 0:
                    self.refusals.pop(0)
                return r.reply
            n = next(self.counter)
            while (self.directory / f"{n:06d}.eml").exists():
                n = next(self.counter)
            data = envelope.original_content or envelope.content
            (self.directory / f"{n:06d}.eml").write_bytes(
                data if isinstance(data, bytes) else str(data).encode()
            )
        return "250 2.0.0 OK: queued"


class DevMailbox:
    """An SMTP server on 127.0.0.1 (a free port unless given) keeping mail in `directory`."""

    def __init__(self, directory: Path | str, port: int = 0) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.handler = _Handler(self.directory)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=port or _free())
        self.host = "127.0.0.1"
        self.port = self.controller.port

    def start(self) -> DevMailbox:
        self.controller.start()
        self._running = True
        return self

    def stop(self) -> None:
        if getattr(self, "_running", False):
            self.controller.stop()
            self._running = False

    def refuse(self, reply: str, times: int = 1) -> None:
        with self.handler.lock:
            self.handler.refusals.append(Refusal(reply, times))

    @property
    def attempts(self) -> int:
        return self.handler.attempts

    def messages(self) -> list[email.message.EmailMessage]:
        return read_mailbox(self.directory)

    def clear(self) -> None:
        clear_mailbox(self.directory)


def _free() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def read_mailbox(directory: Path) -> list[email.message.EmailMessage]:
    """Every email kept in `directory`, oldest first."""
    out = []
    for path in sorted(Path(directory).glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        out.append(msg)  # type: ignore[arg-type]
    return out  # type: ignore[return-value]


def clear_mailbox(directory: Path) -> int:
    n = 0
    for path in Path(directory).glob("*.eml"):
        path.unlink(missing_ok=True)
        n += 1
    return n


def summary(msg: email.message.EmailMessage) -> dict[str, str]:
    """One email as the dev mailbox page shows it."""
    body = msg.get_body(preferencelist=("plain",))
    return {
        "to": str(msg.get("To", "")),
        "from": str(msg.get("From", "")),
        "subject": str(msg.get("Subject", "")),
        "date": str(msg.get("Date", "")),
        "message_id": str(msg.get("Message-ID", "")),
        "text": body.get_content() if body is not None else "",
    }
