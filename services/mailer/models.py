"""What the mailer owns: the outbox, one row per message requested."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from common.db import UtcDateTime

QUEUED, SENT, DEFERRED, FAILED = "queued", "sent", "deferred", "failed"
STATUSES = (QUEUED, SENT, DEFERRED, FAILED)


class Base(DeclarativeBase):
    pass


class OutboxMessage(Base):
    """A message from the moment it was requested until it is sent or failed.

    A row waiting to go out is `queued` (or `deferred` after a temporary
    failure) with its `next_attempt_at`. An instance that takes it writes its
    claim (`claimed_by`, `claim_expires_at`); a claim that expires (its
    instance died) lets another instance take the row again.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The requester's key (the triggering event's message id): a request seen
    # twice is recorded once.
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(60), index=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(Integer, index=True)
    subject: Mapped[str] = mapped_column(String(300))
    # Rendered when recorded; erased once sent or failed for kinds that carry
    # an access link, so the outbox keeps no live token.
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # The same Message-ID at every attempt, so a duplicate can be recognised.
    message_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claim_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The correlation id of the request that asked for the message (the
    # gateway's request, a service's call): its delivery line carries it.
    correlation_id: Mapped[str | None] = mapped_column(String(64))

    etablissements: Mapped[list["OutboxEtablissement"]] = relationship(cascade="all, delete-orphan")


class OutboxEtablissement(Base):
    """An establishment whose staff may see the message (the view shows its
    families' messages)."""

    __tablename__ = "outbox_etablissement"

    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True)
    uai: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)
