"""The mailer's own metrics, read from its outbox at each scrape
(common/health.py adds them to the service's /metrics):

- `scolarite_mail_outbox_depth`: messages waiting to be sent (queued or deferred);
- `scolarite_mail_outbox_oldest_seconds`: how long the oldest of them has waited
  (0 when none): a growing age with a steady depth is a relay that refuses;
- `scolarite_mail_outbox_failed`: messages given up (docs/mailer.md).
"""
from sqlalchemy import func, select

from common.table_gauges import TableGauges, age_seconds
from services.mailer.models import DEFERRED, FAILED, QUEUED, OutboxMessage


def outbox_backlog(session, now):
    """(waiting messages, seconds the oldest has waited, failed messages)."""
    depth, oldest = session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_((QUEUED, DEFERRED)))).one()
    failed = session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status == FAILED))
    return depth, age_seconds(oldest, now), failed


class OutboxCollector(TableGauges):
    GAUGES = (("scolarite_mail_outbox_depth", "Messages waiting in the mailer's outbox"),
              ("scolarite_mail_outbox_oldest_seconds", "Age of the oldest waiting message"),
              ("scolarite_mail_outbox_failed", "Messages the mailer gave up"))

    def read(self, session, now):
        return outbox_backlog(session, now)


def collectors(url: str | None, clock_file: str | None = None):
    return [OutboxCollector(url, clock_file)] if url else []
