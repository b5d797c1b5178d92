"""The mailer's own settings (docs/configuration.md, "Mail"; docs/mailer.md),
read once at start with the process's (common/settings.py). The defaults point
at the local mail catcher that `make run` starts."""
from dataclasses import dataclass

from common.settings import Env


def read_smtp(env: Env) -> dict:
    """The SMTP server the mailer sends through (also the development mail catcher's port)."""
    return {
        "host": env.text("SCOLARITE_SMTP_HOST", "127.0.0.1"),
        "port": env.integer("SCOLARITE_SMTP_PORT", 1025, minimum=1),
        "security": env.choice("SCOLARITE_SMTP_SECURITY", "none", ("none", "starttls", "tls")),
        "user": env.text("SCOLARITE_SMTP_USER"),
        "password": env.text("SCOLARITE_SMTP_PASSWORD"),
        # A CA bundle for a server whose certificate is not in the system's store.
        "cafile": env.text("SCOLARITE_SMTP_CAFILE"),
        "timeout": env.number("SCOLARITE_SMTP_TIMEOUT", 20.0, minimum=0.1),
        # Connections each mailer instance keeps open in parallel.
        "connections": env.integer("SCOLARITE_SMTP_CONNECTIONS", 4, minimum=1),
        "from_address": env.text("SCOLARITE_MAIL_FROM", "ne-pas-repondre@scolarite.localhost"),
        "from_name": env.text("SCOLARITE_MAIL_FROM_NAME", "Scolarité services"),
        "reply_to": env.text("SCOLARITE_MAIL_REPLY_TO"),
    }


def smtp_settings(environ=None) -> dict:
    """The SMTP settings alone, checked (tests, the development mail catcher)."""
    env = Env(environ)
    smtp = read_smtp(env)
    env.check("mailer")
    return smtp


@dataclass(frozen=True)
class MailerSettings:
    smtp: dict
    # How often each instance looks for due messages (seconds of real time).
    poll_seconds: float

    @classmethod
    def from_env(cls, env: Env) -> "MailerSettings":
        return cls(smtp=read_smtp(env), poll_seconds=env.number("SCOLARITE_MAILER_POLL_SECONDS", 0.25))
