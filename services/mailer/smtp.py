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
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime

from common.clock import PARIS

SENT, TEMPORARY, PERMANENT = "sent", "temporary", "permanent"
# A connection idle for longer is checked (NOOP) before use: servers close idle
# connections after a few minutes.
IDLE_CHECK_SECONDS = 10


@dataclass(frozen=True)
class Outcome:
    result: str  # SENT, TEMPORARY or PERMANENT
    reason: str | None = None
    # The connection is unusable: the rest of the batch waits for next time.
    connection_failed: bool = False


def build_message(*, from_address: str, from_name: str, reply_to: str | None, to: str, to_name: str | None,
                  subject: str, text: str, html: str, message_id: str, date: datetime) -> bytes:
    """The message as bytes on the wire: multipart/alternative (text then
    HTML), UTF-8, names and subject encoded (RFC 2047) where needed. The email
    package refuses any header value that holds a line break, so nothing a
    requester sends can add a header."""
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(date.astimezone(PARIS))
    msg["From"] = Address(display_name=from_name, addr_spec=from_address)
    msg["To"] = Address(display_name=to_name or "", addr_spec=to)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    # RFC 3834: an automatic message, so auto-responders stay quiet.
    msg["Auto-Submitted"] = "auto-generated"
    # Quoted-printable: 7-bit safe through any relay, still readable raw.
    msg.set_content(text, charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    msg["Content-Language"] = "fr"
    return msg.as_bytes()


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
