"""The mailer's own providers: its SMTP connections, the group commit of the
requests it records, and the doorbell that tells its sending loop about them."""
from collections import deque

import eventlet
from eventlet.event import Event
from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider

from common.settings import service_settings
from services.mailer import outbox
from services.mailer.smtp import SmtpPool


class Smtp(DependencyProvider):
    """The process's SMTP connections, reused from one tick of the sending
    loop to the next. The Nameko timer runs one worker at a time, and within
    it each connection has a green thread of its own: never two users at once."""

    def setup(self):
        self.pool = SmtpPool(service_settings(self.container).own.smtp)

    def get_dependency(self, worker_ctx):
        return self.pool

    def stop(self):
        self.pool.close()

    def kill(self):
        self.pool.close()


class GroupCommit(DependencyProvider):
    """One durable commit for the work events that arrive together.

    Each `mail_requested` event must be in the outbox before it is
    acknowledged, and a durable commit is the costliest step of recording
    one. Events come in up to max_workers at a time: each worker hands its
    prepared rows here; the first to get the lock writes everyone's pending
    rows in one transaction; every worker returns (and its event is
    acknowledged) only once its own rows are committed. If that transaction
    fails, every event in it fails and goes back to the queue."""

    def setup(self):
        self.pending: list[_Entry] = []
        self.lock = Semaphore(1)

    def get_dependency(self, worker_ctx):
        return self

    def write(self, session, rows: list[dict]) -> bool:
        """Returns whether this worker committed the group (then it rings the
        doorbell for everyone's rows: one ring per commit)."""
        entry = _Entry(rows)
        leader = False
        self.pending.append(entry)
        # Let the workers spawned with this one add their rows first.
        eventlet.sleep(0)
        with self.lock:
            if not entry.done:
                leader = True
                group, self.pending = self.pending, []
                try:
                    outbox.write(session, [row for e in group for row in e.rows])
                    session.commit()
                except Exception as exc:
                    session.rollback()
                    for e in group:
                        e.done, e.error = True, exc
                    raise
                for e in group:
                    e.done = True
        if entry.error is not None:
            raise entry.error
        return leader


class Doorbell(DependencyProvider):
    """Rung when messages are recorded in this process, so that the sending
    loop, waiting for work, sends them at once instead of at its next look
    (messages recorded by another instance, or coming due with time, are
    found by the timer).

    A ring wakes one waiting connection, not all of them: a ring is a few
    messages, which one claim takes, and every other connection woken would
    only read an empty claim (with one message per event, that was most of
    the mailer's database work). A connection that claims a full batch rings
    again (`outbox._deliver`), so a burst still spreads over the connections."""

    def setup(self):
        self._rings = 0
        self._waiting: deque[Event] = deque()

    def get_dependency(self, worker_ctx):
        return self

    def ticket(self) -> int:
        """Taken before looking for work: a ring after this moment is not missed."""
        return self._rings

    def ring(self) -> None:
        self._rings += 1
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.ready():
                waiter.send()
                return

    def wait(self, ticket: int, timeout: float) -> bool:
        """Whether the bell rang for this connection (since the ticket was
        taken) within `timeout` seconds."""
        if self._rings != ticket:
            return True  # rung while this connection was looking: look again
        waiter = Event()
        self._waiting.append(waiter)
        with eventlet.Timeout(timeout, False):
            waiter.wait()
            return True
        if waiter.ready():
            return True  # rung just as the wait ended
        self._waiting.remove(waiter)
        return False


class _Entry:
    __slots__ = ("rows", "done", "error")

    def __init__(self, rows):
        self.rows, self.done, self.error = rows, False, None
