"""The mailer's own metrics, read from its outbox at each scrape
(common/health.py adds them to the service's /metrics):

- `scolarite_mail_outbox_depth`: messages waiting to be sent (queued or deferred);
- `scolarite_mail_outbox_oldest_seconds`: how long the oldest of them has waited
  (0 when none): a growing age with a steady depth is a relay that refuses;
- `scolarite_mail_outbox_failed`: messages given up (docs/mailer.md).
"""
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from common.clock import Clock
from common.db import make_engine
from services.mailer.models import DEFERRED, FAILED, QUEUED, OutboxMessage


def outbox_backlog(session, now):
    """(waiting messages, seconds the oldest has waited, failed messages)."""
    depth, oldest = session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_((QUEUED, DEFERRED)))).one()
    failed = session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status == FAILED))
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return depth, age, failed


class OutboxCollector:
    def __init__(self, url: str, clock_file: str | None = None):
        self.engine = make_engine(url, pool_size=1, connect_timeout=2)
        self.clock = Clock(clock_file)

    def collect(self):
        from sqlalchemy.orm import Session

        depth = GaugeMetricFamily("scolarite_mail_outbox_depth", "Messages waiting in the mailer's outbox")
        age = GaugeMetricFamily("scolarite_mail_outbox_oldest_seconds", "Age of the oldest waiting message")
        failed = GaugeMetricFamily("scolarite_mail_outbox_failed", "Messages the mailer gave up")
        try:
            with Session(self.engine) as session:
                waiting, oldest, given_up = outbox_backlog(session, self.clock.now())
        except Exception:  # the database is down: /readyz says so; the scrape still answers
            return
        depth.add_metric([], waiting)
        age.add_metric([], oldest)
        failed.add_metric([], given_up)
        yield depth
        yield age
        yield failed

    def describe(self):
        # Not read at registration: a scrape reads the outbox, a start does not.
        return []


def collectors(url: str | None, clock_file: str | None = None):
    return [OutboxCollector(url, clock_file)] if url else []
