"""Speaking SMTP: building a message and handing it to the configured server.

One connection is kept open and reused for many messages (a batch costs one
TCP and TLS handshake and one login, not one per message). Every answer is
sorted into what the outbox does with the message:

| answer | outcome |
| --- | --- |
| 2xx after DATA | sent |
| 4xx to MAIL, RCPT or DATA | temporary: deferred, retried later |
| 5xx to MAIL, RCPT or DATA | permanent: failed at once, never retried |
| refused, timed out, dropped, TLS or login refused | the connection failed: this message and the rest of the batch are deferred |
"""
import binascii
import re
import smtplib
import socket
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr
from functools import lru_cache

from common.clock import PARIS

SENT, TEMPORARY, PERMANENT = "sent", "temporary", "permanent"
# A connection idle for longer is checked (NOOP) before use: servers close idle
# connections after a few minutes, and a server restarted meanwhile has closed
# them all. Within a busy batch, no check is needed.
IDLE_CHECK_SECONDS = 1
_HEADER_BREAK = re.compile(r"[\r\n\x00\x85\u2028\u2029]")


@dataclass(frozen=True)
class Outcome:
    result: str  # SENT, TEMPORARY or PERMANENT
    reason: str | None = None
    # The connection is unusable: the rest of the batch waits for next time.
    connection_failed: bool = False


def _quoted_printable(body: str) -> bytes:
    """UTF-8, quoted-printable (7-bit safe through any relay, still readable
    raw), CRLF line ends."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(body.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")


# Most messages share their subject and sender: encoding them (RFC 2047) costs
# more than the rest of the message, so it is done once for each.
@lru_cache(maxsize=4096)
def _subject(subject: str) -> str:
    return Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")


@lru_cache(maxsize=64)
def _address(name: str, address: str) -> str:
    return formataddr((name, address), "utf-8")


def build_message(*, from_address: str, from_name: str, reply_to: str | None, to: str, to_name: str | None,
                  subject: str, text: str, html: str, message_id: str, date: datetime) -> bytes:
    """The message as bytes on the wire: multipart/alternative (text then
    HTML), UTF-8, display names and subject encoded (RFC 2047) where needed.

    Written here rather than through email.message.EmailMessage, which costs
    more than the SMTP exchange itself (docs/mailer.md, the benchmark). Any
    header value holding a line break is refused (ValueError), so nothing a
    requester sends can add a header; addresses must be ASCII (common.mail
    sends an internationalised domain in its ASCII form)."""
    values = {"From": from_name, "From address": from_address, "To": to, "To name": to_name or "",
              "Reply-To": reply_to or "", "Subject": subject, "Message-ID": message_id}
    for name, value in values.items():
        if _HEADER_BREAK.search(value):
            raise ValueError(f"{name}: a header value may not hold a line break")
    # The boundary cannot occur in a quoted-printable body, where "=" is "=3D".
    boundary = f"=_{uuid.uuid4().hex}"
    lines = [
        f"Message-ID: {message_id}",
        f"Date: {format_datetime(date.astimezone(PARIS))}",
        f"From: {_address(from_name, from_address)}",
        f"To: {formataddr((to_name, to), 'utf-8') if to_name else to}",
    ]
    if reply_to:
        lines.append(f"Reply-To: {reply_to}")
    lines += [
        f"Subject: {_subject(subject)}",
        # RFC 3834: an automatic message, so auto-responders stay quiet.
        "Auto-Submitted: auto-generated",
        "Content-Language: fr",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
    ]
    head = "\r\n".join(lines).encode("ascii")
    parts = b"".join(
        f"--{boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
        f"Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode() + _quoted_printable(body) + b"\r\n"
        for subtype, body in (("plain", text), ("html", html)))
    return head + b"\r\n\r\n" + parts + f"--{boundary}--\r\n".encode()


def _code_outcome(code: int, detail) -> Outcome:
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    reason = f"{code} {detail}".strip()
    if 400 <= code < 500:
        return Outcome(TEMPORARY, reason)
    if 500 <= code < 600:
        return Outcome(PERMANENT, reason)
    return Outcome(TEMPORARY, f"réponse inattendue du serveur SMTP : {reason}")


class SmtpSender:
    """One SMTP connection, opened when first needed and reused. Not shared
    between threads: the mailer's sending loop is its only user."""

    def __init__(self, settings: dict):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._last_used = 0.0

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.get("cafile"))

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        if s["security"] == "tls":
            smtp = smtplib.SMTP_SSL(s["host"], s["port"], timeout=s["timeout"], context=self._tls_context())
        else:
            smtp = smtplib.SMTP(s["host"], s["port"], timeout=s["timeout"])
        try:
            smtp.ehlo()
            if s["security"] == "starttls":
                smtp.starttls(context=self._tls_context())
                smtp.ehlo()
            if s.get("user"):
                smtp.login(s["user"], s["password"] or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _still_open(self) -> bool:
        try:
            return self._smtp.noop()[0] == 250
        except (smtplib.SMTPException, OSError):
            return False

    def send(self, from_address: str, to: str, data: bytes) -> Outcome:
        try:
            if self._smtp is not None and time.monotonic() - self._last_used > IDLE_CHECK_SECONDS:
                if not self._still_open():
                    self.close()
            if self._smtp is None:
                self._smtp = self._open()
            self._last_used = time.monotonic()
            self._smtp.sendmail(from_address, [to], data)
            return Outcome(SENT)
        except smtplib.SMTPRecipientsRefused as exc:
            code, detail = exc.recipients.get(to, (550, "destinataire refusé"))
            return _code_outcome(code, detail)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            if exc.smtp_code == 421:  # the server closes the connection
                self.close()
                return Outcome(TEMPORARY, _code_outcome(exc.smtp_code, exc.smtp_error).reason, True)
            return _code_outcome(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPAuthenticationError as exc:
            # Our credentials, not the message: wait for someone to fix them.
            self.close()
            return Outcome(TEMPORARY, "identifiants refusés par le serveur SMTP : "
                           + _code_outcome(exc.smtp_code, exc.smtp_error).reason, True)
        except (smtplib.SMTPException, OSError, socket.timeout, ssl.SSLError) as exc:
            self.close()
            return Outcome(TEMPORARY, f"serveur SMTP injoignable ({type(exc).__name__}: {exc})", True)

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


class SmtpPool:
    """Connections to the same server that the sending loop uses in parallel:
    a message spends most of its time waiting for the server's answers."""

    def __init__(self, settings: dict, size: int | None = None):
        self.settings = settings
        self.senders = [SmtpSender(settings) for _ in range(max(1, size or settings.get("connections", 1)))]

    def close(self) -> None:
        for sender in self.senders:
            sender.close()
