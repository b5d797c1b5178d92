"""Mail requests kept with the change they announce, then handed to the mailer.

A service that mails (a decision, a receipt, a link) used to commit its change,
then publish the `mail_requested` work event: a broker lost between the two
kept the change and lost the mail. Now the requests are written to the
service's own `mail_outbox` table in the same transaction as the change
(`keep`), so both are saved or neither is; once committed, the worker hands
them to the mailer and deletes their rows (`MailOutbox.send_kept`). Rows whose
handing over failed (the broker unreachable, the process stopped in between)
are handed over by a timer in every instance (`MailOutbox.relay_kept_mail`, every
`SCOLARITE_MAIL_RELAY_SECONDS`, 30 s), oldest first.

A request may thus reach the mailer twice (two instances relaying the same
row, a process stopped after the publish and before the delete): the mailer
records requests by their id (`request_id`) and sends each once
(docs/mailer.md). The rows can hold a secret link until they are handed over,
as the mailer's own outbox does until the mail is sent (docs/security.md).

A service that mails has the table in its models and its migrations
(common/mail_outbox_table.py: `define_table(Base.metadata)`, and a revision
calling `create_table_migration(op)` and `drop_table_migration(op)`),
inherits `MailOutbox` (which gives it `mail_events`, the timer and the
methods below), and in its methods:

    self.commit_with_mail(*requests)   # instead of self.db.commit()

or, where something must run between the commit and the hand-over:

    kept = self.keep_mail(*requests)   # before its commit
    self.db.commit()
    self.send_kept(kept)
"""
import logging
from datetime import timedelta

from kombu.utils import json
from sqlalchemy import MetaData, delete, func, insert, select

from common.mail import MAIL_REQUESTED
from common.mail_outbox_table import define_table
from common.messaging import work_dispatcher
from common.settings import setting_timer
from common.table_gauges import TableGauges, age_seconds

log = logging.getLogger(__name__)

BATCH = 100
# A worker hands its own requests over right after its commit: the relay
# leaves it those younger than this.
GRACE = timedelta(seconds=10)


_table = define_table(MetaData())


def keep(db, now, *requests: dict) -> list[dict]:
    """Writes checked requests in the caller's transaction (the caller
    commits); returns them, for `send_kept` after the commit. A request whose
    id is already kept (a stable id asked again while the broker was away) is
    not written twice: the mailer would send it once anyway."""
    if requests:
        ids = [r["request_id"] for r in requests]
        present = set(db.scalars(select(_table.c.request_id).where(_table.c.request_id.in_(ids))))
        rows = {r["request_id"]: r for r in requests if r["request_id"] not in present}
        if rows:
            db.execute(insert(_table), [{"request_id": key, "created_at": now, "request": json.dumps(r)}
                                        for key, r in rows.items()])
    return list(requests)


def hand_over(db, dispatch, requests: list[dict]) -> None:
    """One work event with `requests`, then their rows deleted (committed).
    Raises what the publish raised, the rows left for the timer."""
    if not requests:
        return
    dispatch(MAIL_REQUESTED, {"messages": requests})
    db.execute(delete(_table).where(_table.c.request_id.in_([r["request_id"] for r in requests])))
    db.commit()


def waiting(db, before, limit: int = BATCH) -> list[dict]:
    """The kept requests written before `before`, oldest first."""
    rows = db.execute(select(_table.c.request).where(_table.c.created_at < before)
                      .order_by(_table.c.created_at, _table.c.request_id).limit(limit))
    return [json.loads(request) for (request,) in rows]


def backlog(db, now) -> tuple[int, float]:
    """(requests kept and not handed over yet, seconds the oldest has waited; 0 when none)."""
    count, oldest = db.execute(select(func.count(), func.min(_table.c.created_at))).one()
    db.rollback()
    return count, age_seconds(oldest, now)


class KeptMailCollector(TableGauges):
    """Gauges read from the service's table at each scrape (common/health.py
    registers it for a service that inherits MailOutbox): the requests not
    handed over yet, and how long the oldest has waited. Rows older than the
    relay's period mean the broker refuses this service its publishes
    (docs/operations.md)."""

    GAUGES = (("scolarite_mail_kept_depth", "Mail requests kept, not handed to the mailer yet"),
              ("scolarite_mail_kept_oldest_seconds",
               "Age of the oldest mail request not handed to the mailer yet"))

    def read(self, session, now):
        return backlog(session, now)


class MailOutbox:
    """For a service that mails: needs `db` and `clock` (the service's own)."""

    mail_events = work_dispatcher()

    def keep_mail(self, *requests: dict) -> list[dict]:
        return keep(self.db, self.clock.now(), *requests)

    def commit_with_mail(self, *requests: dict) -> None:
        """The worker's commit, with these requests kept in it, then handed over."""
        kept = self.keep_mail(*requests)
        self.db.commit()
        self.send_kept(kept)

    def send_kept(self, requests: list[dict]) -> bool:
        """After the commit. A publish that fails is logged, not raised: the
        change is saved and its mail kept, and the timer hands it over.
        Returns whether the requests were handed over."""
        try:
            hand_over(self.db, self.mail_events, requests)
        except Exception as exc:  # the broker unreachable, the confirm lost
            self.db.rollback()
            log.warning("%d mail request(s) kept, not handed over yet (the relay will): %s", len(requests), exc)
            return False
        return True

    @setting_timer("mail_relay_seconds")
    def relay_kept_mail(self):
        """Requests kept and not handed over (older than GRACE: those a worker
        is about to hand over itself are left to it)."""
        before = self.clock.now() - GRACE
        while True:
            requests = waiting(self.db, before)
            self.db.rollback()  # the read's transaction, before a publish that may take a while
            if not requests:
                return
            if not self.send_kept(requests):
                return  # the broker still unreachable: the next round
            log.info("relayed %d kept mail request(s) to the mailer", len(requests))
            if len(requests) < BATCH:
                return
