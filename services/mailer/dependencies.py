"""The mailer's own provider: one SMTP connection per process, reused by the
sending loop (the Nameko timer runs one worker at a time, so it is never
shared between two workers)."""
from nameko.extensions import DependencyProvider

from common.config import smtp_settings
from services.mailer.smtp import SmtpSender


class Smtp(DependencyProvider):
    def setup(self):
        self.sender = SmtpSender(smtp_settings())

    def get_dependency(self, worker_ctx):
        return self.sender

    def stop(self):
        self.sender.close()

    def kill(self):
        self.sender.close()
