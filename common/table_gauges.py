"""Prometheus gauges read from a service's own table at each scrape (the
mailer's outbox, a service's kept mail requests: docs/operations.md), never
at registration: a start reads nothing, a scrape reads the table. When the
database does not answer, the scrape still answers without them (/readyz
says the database is down)."""
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.orm import Session

from common.clock import Clock
from common.sql import make_engine


def age_seconds(oldest, now) -> float:
    """Seconds since `oldest`, 0 when there is none (a naive time read back
    from SQLite is taken in `now`'s zone, as it was written)."""
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return max((now - oldest).total_seconds(), 0.0)


class TableGauges:
    """A collector of gauges (GAUGES: their names and help texts, in the
    order `read(session, now)` returns their values), on a connection of
    its own to the service's database."""

    GAUGES: tuple[tuple[str, str], ...] = ()

    def __init__(self, url: str, clock_file: str | None = None):
        self.engine = make_engine(url, pool_size=1, connect_timeout=2)
        self.clock = Clock(clock_file)

    def read(self, session: Session, now) -> tuple:
        raise NotImplementedError

    def collect(self):
        try:
            with Session(self.engine) as session:
                values = self.read(session, self.clock.now())
        except Exception:  # the database is down: /readyz says so; the scrape still answers
            return
        for (name, documentation), value in zip(self.GAUGES, values, strict=True):
            yield GaugeMetricFamily(name, documentation, value=value)

    def describe(self):
        # Not read at registration (see the module's docstring).
        return []
