"""Rate limits per identifier (or per address typed in a form), kept in the
database so that every instance of the service sees the same counts.

The gateway also limits per client address (Flask-Limiter, docs/security.md);
this layer is what stops a slow attack spread over many addresses against one
account. Each action allows a few failures, then refuses attempts for a delay
that doubles with each further failure, up to a cap; a quiet period forgets
the count; a success clears it. Unknown identifiers are counted exactly like
known ones, so the answer never tells whether an account exists.
"""
import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from services.accounts.exceptions import TooManyAttempts
from services.accounts.models import Throttle


@dataclass(frozen=True)
class Policy:
    free: int            # failures allowed before any delay
    base: timedelta      # the first delay, doubled at each further failure
    cap: timedelta       # the longest delay
    forget_after: timedelta  # a quiet period after which the count starts over


POLICIES = {
    # Wrong password at login, or for the account named in a merge: one counter.
    "login": Policy(free=5, base=timedelta(minutes=1), cap=timedelta(hours=1), forget_after=timedelta(hours=24)),
    # Wrong birth date at the first connection (per account).
    "first_connection": Policy(free=5, base=timedelta(minutes=1), cap=timedelta(hours=1),
                               forget_after=timedelta(hours=24)),
    # Wrong current password on the profile page (per account).
    "current_password": Policy(free=5, base=timedelta(minutes=1), cap=timedelta(hours=1),
                               forget_after=timedelta(hours=24)),
    # Forgotten identifier (per address typed), forgotten password (per
    # identifier), resending a confirmation link (per account): every request
    # counts, since each may send a mail.
    "recovery": Policy(free=3, base=timedelta(minutes=15), cap=timedelta(hours=6),
                       forget_after=timedelta(hours=24)),
}


def _key_hash(action: str, key: str) -> str:
    return hashlib.sha256(f"{action}\x1f{key.strip().lower()}".encode()).hexdigest()


def delay_after(policy: Policy, failures: int) -> timedelta:
    if failures <= policy.free:
        return timedelta(0)
    return min(policy.base * 2 ** (failures - policy.free - 1), policy.cap)


def check(db, action: str, key: str, now) -> bool:
    """Raise TooManyAttempts if `key` must wait before trying `action` again.
    Returns whether failures of `key` are counted (a success then clears them;
    with none, the login skips the statement)."""
    row = db.get(Throttle, (action, _key_hash(action, key)))
    if row is not None and row.blocked_until is not None and now < row.blocked_until:
        raise TooManyAttempts(retry_after=math.ceil((row.blocked_until - now).total_seconds()))
    return row is not None


def record_failure(db, action: str, key: str, now) -> None:
    """Count one failure (the caller commits)."""
    policy = POLICIES[action]
    ident = (action, _key_hash(action, key))
    row = db.get(Throttle, ident)
    if row is None:
        try:
            # Two instances may count the first failure of one key at once.
            with db.begin_nested():
                row = Throttle(action=action, key_hash=ident[1], failures=0, last_failure_at=now)
                db.add(row)
        except IntegrityError:
            row = db.get(Throttle, ident)
    elif now - row.last_failure_at > policy.forget_after:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    wait = delay_after(policy, row.failures)
    row.blocked_until = now + wait if wait else None


def clear(db, action: str, key: str) -> None:
    db.execute(delete(Throttle).where(Throttle.action == action, Throttle.key_hash == _key_hash(action, key)))


def forget_old(db, now) -> int:
    """Rows quiet for longer than every policy's memory (the daily job)."""
    longest = max(p.forget_after + p.cap for p in POLICIES.values())
    return db.execute(delete(Throttle).where(Throttle.last_failure_at < now - longest)).rowcount
