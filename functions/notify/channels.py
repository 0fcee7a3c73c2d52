"""Channels beyond the site: a `Sender` delivers one message to people outside the platform.

The platform builds and tests one channel, email over SMTP (`SmtpSender`): the protocol the
cloud mail services in use here accept (Amazon SES SMTP, Alibaba Cloud DirectMail, Tencent
Cloud SES, an organisation's own relay). A deployment adds another channel (浙政钉 or 钉钉 work
notices, SMS) by implementing `Sender` and listing it in `senders()`; see
site/docs/operator/notify.md. A sender raises `TransientSendError` for what may work later (the
worker retries with backoff) and `PermanentSendError` for what never will (dead-lettered at once).
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from functools import cache
from typing import ClassVar, Literal, Protocol

from functions.common import store
from functions.common.settings import EnvSettings


@dataclass(frozen=True)
class Outgoing:
    """What a channel sends: to whom, a subject line, the text, and a stable id (a retry of
    the same message carries the same id, so a receiving system can drop a duplicate)."""

    to: tuple[str, ...]
    subject: str
    text: str
    ref: str


class TransientSendError(Exception):
    """May succeed later (connection refused, 4xx): retried with backoff."""


class PermanentSendError(Exception):
    """Never will (5xx: no such mailbox, refused content): dead-lettered without retrying."""


class Sender(Protocol):
    channel: str

    def send(self, out: Outgoing) -> None:
        """Deliver `out` or raise TransientSendError / PermanentSendError."""


class MailSettings(EnvSettings):
    """SMTP settings (ZJT_SMTP_*). No host: email is off and messages stay in the inbox."""

    env_prefix: ClassVar[str] = "ZJT_SMTP_"

    host: str = ""
    port: int = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    user: str = ""
    password: str = ""
    # A deployment keeps the password in an SSM SecureString parameter (read once per process).
    password_parameter: str = ""
    sender: str = "noreply@zjtrain.local"
    sender_name: str = "浙江省中小学教师专业发展培训平台"
    timeout_seconds: float = 10.0


class SmtpSender:
    """Email over SMTP, one connection per batch of messages (`open`/`close` around it)."""

    channel = "email"

    def __init__(self, cfg: MailSettings) -> None:
        self.cfg = cfg
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.cfg
        conn: smtplib.SMTP
        if c.security == "ssl":
            conn = smtplib.SMTP_SSL(
                c.host, c.port, timeout=c.timeout_seconds, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(c.host, c.port, timeout=c.timeout_seconds)
            if c.security == "starttls":
                conn.starttls(context=ssl.create_default_context())
        if c.user:
            conn.login(c.user, c.password)
        return conn

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._conn.quit()
            self._conn = None

    def send(self, out: Outgoing) -> None:
        msg = EmailMessage()
        msg["From"] = formataddr((self.cfg.sender_name, self.cfg.sender))
        msg["To"] = ", ".join(out.to)
        msg["Subject"] = out.subject
        domain = self.cfg.sender.rpartition("@")[2] or None
        msg["Message-ID"] = make_msgid(idstring=out.ref.replace("/", "."), domain=domain)
        msg.set_content(out.text)
        try:
            if self._conn is None:
                self._conn = self._connect()
            # Addresses refused while others were accepted come back in a dict: the message
            # went out, and those users see it in their inbox anyway.
            self._conn.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            codes = [code for code, _ in exc.recipients.values()]
            if all(500 <= code < 600 for code in codes):
                raise PermanentSendError(f"every recipient refused: {codes}") from exc
            raise TransientSendError(f"recipients refused: {codes}") from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError):
                raise PermanentSendError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TransientSendError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc


@cache
def mail_settings() -> MailSettings:
    return MailSettings.from_environment()


def senders() -> list[SmtpSender]:
    """The channels of this deployment (email when ZJT_SMTP_HOST is set). Add a channel here."""
    cfg = mail_settings()
    if not cfg.host:
        return []
    if cfg.password_parameter and not cfg.password:
        cfg = cfg.model_copy(update={"password": store.parameter(cfg.password_parameter)})
    return [SmtpSender(cfg)]
