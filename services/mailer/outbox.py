"""The outbox's rules: recording a request once, claiming what is due so that
two instances never take the same message, and what each SMTP answer does to
a message (docs/mailer.md).

Recording functions leave the commit to their caller. Claiming and sending
commit as they go (the sending loop's connection is in autocommit mode): a
claim must be visible to the other instances at once, and a message accepted
by the server is marked sent by the next statement the mailer sends.
"""
import hashlib
import logging
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import eventlet
from sqlalchemy import Row, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from common.mail import KINDS
from services.mailer import rendering
from services.mailer.models import DEFERRED, FAILED, QUEUED, SENT, OutboxEtablissement, OutboxMessage
from services.mailer.smtp import PERMANENT, SENT as SMTP_SENT, SmtpPool, SmtpSender, build_message

# A claim lasts this long; an instance that dies leaves its messages to the
# others once it has expired. The sending loop renews it while it works.
CLAIM_LEASE = timedelta(seconds=60)
BATCH_SIZE = 200
# Retries after a temporary failure: 1 min, 2, 4, ... at most 2 h apart; a
# message still not accepted 3 days after it was due is failed.
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=2)
GIVE_UP_AFTER = timedelta(days=3)

log = logging.getLogger("scolarite.mailer")


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1, 2, ...)."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def message_id_for(request_id: str, from_address: str) -> str:
    """The same for every attempt at one request."""
    digest = hashlib.sha256(request_id.encode()).hexdigest()[:40]
    return f"<{digest}@{from_address.rpartition('@')[2]}>"


def utc(instant: datetime | None) -> datetime | None:
    return instant.astimezone(timezone.utc) if instant is not None else None


def find(session: Session, request_ids: list[str]) -> dict[str, OutboxMessage]:
    """{request id: row} for those of these requests that are recorded."""
    return {row.request_id: row for row in session.scalars(
        select(OutboxMessage).where(OutboxMessage.request_id.in_(request_ids)))}


def prepare(request: dict, source: str, now: datetime, from_address: str, correlation_id: str | None = None) -> dict:
    """The outbox row (column values) for a checked request
    (common.mail.load_request), its templates rendered; `correlation_id`: the
    asking request's, for the delivery's log line. Raises
    rendering.RenderError if they cannot be."""
    rendered = rendering.render(request["kind"], request["context"])
    not_before = utc(request.get("not_before"))
    return {
        "request_id": request["request_id"], "source": source, "kind": request["kind"],
        "recipient": request["to"], "recipient_name": request.get("to_name"), "account_id": request.get("account_id"),
        "subject": rendered.subject, "body_text": rendered.text, "body_html": rendered.html,
        "message_id": message_id_for(request["request_id"], from_address), "status": QUEUED,
        "not_before": not_before, "next_attempt_at": max(now, not_before) if not_before else now,
        "attempts": 0, "last_error": None, "created_at": now, "updated_at": now,
        "etablissements": request.get("etablissement_uais", []), "correlation_id": _bounded(correlation_id),
    }


def _bounded(correlation_id: str | None) -> str | None:
    return correlation_id[:64] if correlation_id else None


def prepare_refused(payload, source: str, now: datetime, reason: str, from_address: str,
                    correlation_id: str | None = None) -> dict | None:
    """A request that reached the mailer by event although it is invalid (its
    sender skipped common.mail): kept as failed with the reason, so that it
    shows in the staff view instead of vanishing. None if it cannot even be
    identified."""
    request_id = payload.get("request_id") if isinstance(payload, dict) else None
    if not isinstance(request_id, str) or not request_id or len(request_id) > 64:
        return None
    kind = str(payload.get("kind") or "")[:60]
    return {
        "request_id": request_id, "source": source, "kind": kind, "recipient": str(payload.get("to") or "")[:254],
        "recipient_name": None, "subject": KINDS[kind].label if kind in KINDS else "", "body_text": None,
        "body_html": None, "message_id": message_id_for(request_id, from_address), "status": FAILED,
        "not_before": None, "next_attempt_at": None, "attempts": 0, "last_error": reason[:2000],
        "created_at": now, "updated_at": now,
        "account_id": payload.get("account_id") if isinstance(payload.get("account_id"), int) else None,
        "etablissements": [], "correlation_id": _bounded(correlation_id),
    }


def write(session: Session, rows: list[dict]) -> int:
    """Insert the prepared rows whose request is not recorded yet (a request
    seen twice is recorded once), in one statement; the caller commits.
    Returns how many were new."""
    fresh = {}
    for row in rows:
        fresh.setdefault(row["request_id"], row)
    if not fresh:
        return 0
    # Core on the session's connection, not the ORM's bulk insert: the same
    # statements, without the bookkeeping around them (which cost more than the
    # database's work, with one message per event).
    connection = session.connection()
    known = set(connection.execute(_KNOWN, {"request_ids": list(fresh)}).scalars())
    rows = [row for request_id, row in fresh.items() if request_id not in known]
    if not rows:
        return 0
    ids = connection.execute(_INSERT, [{k: v for k, v in row.items() if k != "etablissements"}
                                       for row in rows]).all()
    links = [{"outbox_id": outbox_id, "uai": uai}
             for (outbox_id, _), row in zip(ids, rows) for uai in row["etablissements"]]
    if links:
        connection.execute(_INSERT_LINKS, links)
    return len(rows)


_KNOWN = select(OutboxMessage.__table__.c.request_id).where(
    OutboxMessage.__table__.c.request_id.in_(bindparam("request_ids", expanding=True)))
_INSERT = insert(OutboxMessage.__table__).returning(
    OutboxMessage.__table__.c.id, OutboxMessage.__table__.c.request_id, sort_by_parameter_order=True)
_INSERT_LINKS = insert(OutboxEtablissement.__table__)


def _due(now: datetime):
    """A message waiting to be sent at `now`, and not validly claimed."""
    return and_(
        OutboxMessage.status.in_((QUEUED, DEFERRED)),
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claim_expires_at.is_(None), OutboxMessage.claim_expires_at <= now),
    )


def anything_due(session: Session, now: datetime) -> bool:
    """Whether a message is due: one indexed read, no lock, no write."""
    found = session.scalar(select(OutboxMessage.id).where(_due(now)).limit(1))
    session.commit()
    return found is not None


def claim(session: Session, now: datetime, owner: str, limit: int = BATCH_SIZE,
          lease: timedelta = CLAIM_LEASE) -> tuple[str, list]:
    """Take up to `limit` due messages for this instance: (claim token, rows).

    The candidates are read first (on PostgreSQL locked with SKIP LOCKED, so
    two instances pick disjoint sets without waiting for each other), then
    claimed by one conditional UPDATE that takes a row only if it is still
    waiting and not validly claimed by someone else when the UPDATE reaches
    it: on SQLite, where another instance may have claimed a candidate in
    between, that condition is what keeps two instances apart."""
    token = f"{owner}:{uuid.uuid4().hex[:12]}"
    waiting = _due(now)
    candidates = session.scalars(
        select(OutboxMessage.id).where(waiting).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit).with_for_update(skip_locked=True)).all()
    if not candidates:
        session.commit()
        return token, []
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(candidates), waiting)
        .values(claimed_by=token, claim_expires_at=now + lease)
        .execution_options(synchronize_session=False))
    session.commit()
    # Plain rows (read-only, attributes named after the columns): a batch is
    # read many times faster than as ORM objects.
    table = OutboxMessage.__table__
    rows = session.execute(select(table).where(table.c.claimed_by == token).order_by(table.c.id)).all()
    session.commit()
    return token, rows


def renew(session: Session, token: str, now: datetime, lease: timedelta = CLAIM_LEASE) -> None:
    session.execute(update(OutboxMessage).where(OutboxMessage.claimed_by == token)
                    .values(claim_expires_at=now + lease).execution_options(synchronize_session=False))
    session.commit()


def _settle_statement(erase_bodies: bool):
    """One prepared UPDATE per outcome (built once: a message's mark costs
    less than its SMTP exchange). Only the claim's holder may settle a row."""
    table = OutboxMessage.__table__
    values = {name: bindparam(name) for name in
              ("status", "sent_at", "updated_at", "attempts", "last_error", "next_attempt_at")}
    values.update(claimed_by=None, claim_expires_at=None)
    if erase_bodies:
        # Once a message is over, a kind that carries an access link keeps no body.
        values.update(body_text=None, body_html=None)
    return update(table).where(table.c.id == bindparam("row_id"), table.c.claimed_by == bindparam("token")) \
        .values(**values)


_SETTLE = {erase: _settle_statement(erase) for erase in (False, True)}


def _settle(session: Session, row: Row, token: str, *, status: str, now: datetime, attempts: int,
            last_error: str | None = None, sent_at: datetime | None = None,
            next_attempt_at: datetime | None = None) -> None:
    kind = KINDS.get(row.kind)
    erase = status in (SENT, FAILED) and kind is not None and bool(kind.secret)
    # Core, not the ORM: the statement is the same, the session's bookkeeping
    # around it cost more than the database's work. On the sending loop's
    # autocommit connection (`_marking_session`) the statement commits itself.
    connection = session.connection()
    connection.execute(_SETTLE[erase], {
        "row_id": row.id, "token": token, "status": status, "sent_at": sent_at, "updated_at": now,
        "attempts": attempts, "last_error": last_error, "next_attempt_at": next_attempt_at})
    if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        session.commit()


def mark_sent(session: Session, row: Row, token: str, now: datetime) -> None:
    _settle(session, row, token, status=SENT, now=now, attempts=row.attempts + 1, sent_at=now)


def mark_failed(session: Session, row: Row, token: str, now: datetime, reason: str,
                attempted: bool = True) -> None:
    _settle(session, row, token, status=FAILED, now=now, attempts=row.attempts + int(attempted),
            last_error=reason[:2000])


def mark_deferred(session: Session, row: Row, token: str, now: datetime, reason: str) -> None:
    attempts = row.attempts + 1
    due_since = max(row.created_at, row.not_before) if row.not_before else row.created_at
    if now - due_since >= GIVE_UP_AFTER:
        mark_failed(session, row, token, now, f"échec temporaire persistant depuis plus de 3 jours : {reason}")
        return
    _settle(session, row, token, status=DEFERRED, now=now, attempts=attempts, last_error=reason[:2000],
            next_attempt_at=now + backoff(attempts))


@dataclass
class Tally:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    batches: int = 0
    errors: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.sent or self.deferred or self.failed)

    def add(self, other: "Tally") -> None:
        self.sent += other.sent
        self.deferred += other.deferred
        self.failed += other.failed
        self.batches += other.batches
        self.errors += other.errors


def deliver_due(session: Session, pool: SmtpPool, clock, owner: str, *, doorbell=None, idle_wait: float = 0,
                batch_size: int = BATCH_SIZE, max_seconds: float = 2.0) -> Tally:
    """Claim due messages and send them, batch after batch, for at most about
    `max_seconds` (so that a stopping instance is not held up), over each of
    the pool's connections in parallel. A connection with nothing to send
    waits up to `idle_wait` seconds for the doorbell (new messages recorded
    in this process) before giving up. Each message is marked (and committed)
    as soon as the server has answered, on a connection of the database whose
    commits do not wait for the disk: see `_marking_session`."""

    def one_connection(sender):
        with _marking_session(session) as marks:
            return _deliver(marks, sender, clock, owner, batch_size, max_seconds, doorbell, idle_wait)

    # An idle instance looks once (`anything_due`), then waits for the bell,
    # rather than have each connection set up its session and claim nothing
    # at every look (an idle mailer took 1.9 % of a core, now 0.7 %, at a look
    # every 0.5 s).
    ticket = doorbell.ticket() if doorbell is not None else None
    if not anything_due(session, clock.now()):
        if ticket is None or not doorbell.wait(ticket, min(idle_wait, max_seconds)):
            return Tally()
    threads = [eventlet.spawn(one_connection, sender) for sender in pool.senders]
    tally, failure = Tally(), None
    for thread in threads:
        # Every connection's loop is waited for, even when another one failed.
        try:
            tally.add(thread.wait())
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
    return tally


@contextmanager
def _marking_session(session: Session):
    """A session on a connection of its own, in autocommit mode, whose commits
    return before they reach the disk (SQLite: synchronous NORMAL in WAL mode;
    PostgreSQL: synchronous_commit off).

    Autocommit: a mark is one statement, committed by the database as soon as
    it has it. On PostgreSQL that is one round trip (not an UPDATE, then a
    COMMIT while other green threads run), and once its bytes have left, the
    death of the mailer cannot undo it: the window between the SMTP server's
    acceptance and its record ends when the statement is sent. A claim stays
    correct without a transaction: its UPDATE takes a row only if it is still
    waiting and unclaimed when the UPDATE reaches it (`claim`).

    Not waiting for the disk: such a commit survives the death of the mailer
    (the very case the claims are for) but not a power cut or a crash of the
    database server, which could forget the last marks: those messages would
    be sent again, never lost. Recording a request keeps the durable commits
    of the service's own session."""
    with session.get_bind().connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            durable = connection.exec_driver_sql("PRAGMA synchronous").scalar()
            connection.exec_driver_sql("PRAGMA synchronous = NORMAL")
        else:
            connection.exec_driver_sql("SET synchronous_commit TO OFF")
        connection.commit()
        # SQLAlchemy gives the connection its isolation level back when it
        # returns to the pool.
        connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            with Session(bind=connection, expire_on_commit=False) as marks:
                yield marks
        finally:
            if connection.in_transaction():
                connection.rollback()
            # Back in the pool, the connection commits durably again.
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA synchronous = {int(durable)}")
            else:
                connection.exec_driver_sql("RESET synchronous_commit")
            connection.commit()


def _deliver(session: Session, sender: SmtpSender, clock, owner: str, batch_size: int, max_seconds: float,
             doorbell, idle_wait: float) -> Tally:
    """The sending loop of one connection."""
    settings = sender.settings
    tally = Tally()
    started = time.monotonic()
    while time.monotonic() - started < max_seconds:
        ticket = doorbell.ticket() if doorbell is not None else None
        token, batch = claim(session, clock.now(), owner, batch_size)
        if not batch:
            if ticket is not None and doorbell.wait(ticket, min(idle_wait, max_seconds)):
                continue
            break
        tally.batches += 1
        if doorbell is not None and len(batch) == batch_size:
            # More may be waiting: wake another connection to take them.
            doorbell.ring()
        claimed_at = clock.now()
        for position, row in enumerate(batch):
            now = clock.now()
            if now - claimed_at > CLAIM_LEASE / 2:
                renew(session, token, now)
                claimed_at = now
            try:
                data = build_message(
                    from_address=settings["from_address"], from_name=settings["from_name"],
                    reply_to=settings["reply_to"], to=row.recipient, to_name=row.recipient_name,
                    subject=row.subject, text=row.body_text, html=row.body_html, message_id=row.message_id,
                    date=now)
            except (ValueError, TypeError) as exc:
                # Checked when requested, so only a broken configuration gets here.
                mark_failed(session, row, token, now, f"message impossible à construire : {exc}", attempted=False)
                tally.failed += 1
                _logged(row, "failed", f"message impossible à construire : {exc}")
                continue
            outcome = sender.send(settings["from_address"], row.recipient, data)
            # Nothing between the server's answer and its record: the instant
            # is the one read before handing the message over.
            if outcome.result == SMTP_SENT:
                mark_sent(session, row, token, now)
                tally.sent += 1
                _logged(row, "sent", None)
            elif outcome.result == PERMANENT:
                mark_failed(session, row, token, now, outcome.reason)
                tally.failed += 1
                _logged(row, "failed", outcome.reason)
            else:
                mark_deferred(session, row, token, now, outcome.reason)
                tally.deferred += 1
                _logged(row, "deferred", outcome.reason)
            if outcome.connection_failed:
                # The server is unreachable: the rest of the batch waits too.
                for rest in batch[position + 1:]:
                    mark_deferred(session, rest, token, now, outcome.reason)
                    tally.deferred += 1
                    _logged(rest, "deferred", outcome.reason)
                tally.errors.append(outcome.reason)
                return tally
    return tally


def _logged(row: Row, outcome: str, reason: str | None) -> None:
    """One line per message delivered, deferred or failed, under the
    correlation id of the request that asked for it (not the sending timer's):
    an operator follows a request to its mail. The address is not logged."""
    log.log(logging.WARNING if outcome == "failed" else logging.INFO, "mail %s (%s) %s after %d attempt(s)%s",
            row.request_id, row.kind, outcome, row.attempts + 1, f": {reason}" if reason else "",
            extra={"correlation_id": row.correlation_id or "-"})


def page(session: Session, *, etablissement_uai: str | None, status: str | None, recipient: str | None,
         number: int, per_page: int) -> tuple[int, list[OutboxMessage]]:
    """(total, the page's rows), newest first."""
    query = select(OutboxMessage)
    if etablissement_uai is not None:
        query = query.where(OutboxMessage.id.in_(
            select(OutboxEtablissement.outbox_id).where(OutboxEtablissement.uai == etablissement_uai)))
    if status:
        query = query.where(OutboxMessage.status == status)
    if recipient:
        query = query.where(func.lower(OutboxMessage.recipient).contains(recipient.strip().lower(), autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
                           .offset((number - 1) * per_page).limit(per_page)).all()
    return total, list(rows)
