"""Logging in and the sessions it opens (guide § 2.1, docs/security.md).

A session is a random token held by the browser; the service keeps only its
SHA-256. It dies after 30 minutes without a page or 12 hours after the login,
whichever comes first, and at every password change.
"""
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, delete, select

from common.schemas import load_or_raise
from services.accounts import audit, expired_letters, throttle
from services.accounts.exceptions import (
    InvalidCredentials, ProvisionalPasswordExpired, SessionExpired, TooManyAttempts,
)
from services.accounts.letters import letter_valid_until
from services.accounts.models import Account, Session
from services.accounts.passwords import verify_password
from services.accounts.schemas import LoginSchema
from services.accounts.tokens import sha256

SESSION_IDLE = timedelta(minutes=30)
SESSION_MAX = timedelta(hours=12)
# Writing last_seen_at on every page would turn each read into a write.
SESSION_TOUCH_EVERY = timedelta(minutes=1)


def must_confirm_email(account: Account) -> bool:
    """Guide § 2.2.1: a guardian reaches no service before confirming the
    address; a student's address is optional and never blocks."""
    return account.role == "responsable" and not account.password_provisional \
        and account.email_confirmed_at is None


def sees_services(account: Account) -> bool:
    """A connection counts as "the last connection" (the home page's news are
    what became visible since the previous one) only when it could see the
    services: not the login with the provisional password, nor a guardian's
    before the address is confirmed."""
    return not account.password_provisional and not must_confirm_email(account)


def record_connection(account: Account, now) -> None:
    """Called when a session that sees the services opens. After it,
    `previous_login_at` is None on the account's first real visit ("Première
    connexion"), else the start of the previous real visit."""
    if sees_services(account):
        account.previous_login_at, account.last_login_at = account.last_login_at, now


def open_session(db, account: Account, now) -> str:
    """A new session of `account`; returns the token to give the browser."""
    token = secrets.token_urlsafe(32)
    db.add(Session(token_hash=sha256(token), account_id=account.id, created_at=now, last_seen_at=now))
    return token


def session_account(db, token, now) -> Account:
    """The account logged in with `token`; raises SessionExpired. Commits
    itself: an expired session is deleted, a live one touched."""
    session = db.scalar(_SESSION_BY_TOKEN, {"token_hash": sha256(token or "")})
    if session is None:
        raise SessionExpired()
    if now - session.last_seen_at > SESSION_IDLE or now - session.created_at > SESSION_MAX:
        db.delete(session)
        db.commit()
        raise SessionExpired()
    if now - session.last_seen_at > SESSION_TOUCH_EVERY:
        session.last_seen_at = now
        db.commit()
    return db.get(Account, session.account_id)


def session_valid_until(db, token, now):
    """The instant the session of `token` dies if no page comes: what the
    gateway may cache it for, at most (docs/performance.md)."""
    row = db.execute(_SESSION_TIMES, {"token_hash": sha256(token or "")}).first()
    if row is None:
        return now
    return min(row.created_at + SESSION_MAX, row.last_seen_at + SESSION_IDLE)


_SESSION_TIMES = select(Session.created_at, Session.last_seen_at).where(Session.token_hash == bindparam("token_hash"))


def session_account_id(db, token) -> int | None:
    return db.scalar(_SESSION_ACCOUNT_ID, {"token_hash": sha256(token or "")})


def close_session(db, token) -> None:
    db.execute(_CLOSE_SESSION, {"token_hash": sha256(token or "")})


# The login's and the logout's statements, built once: a statement's building
# cost about what running it does (docs/performance.md).
_LOGIN_SCHEMA = LoginSchema()  # marshmallow schemas hold no state between loads
_ACCOUNT_BY_IDENTIFIANT = select(Account).where(Account.identifiant == bindparam("identifiant"))
_SESSION_BY_TOKEN = select(Session).where(Session.token_hash == bindparam("token_hash"))
_SESSION_ACCOUNT_ID = select(Session.account_id).where(Session.token_hash == bindparam("token_hash"))
# A table statement, not an ORM one: the logout loads no Session object to keep in step.
_CLOSE_SESSION = delete(Session.__table__).where(Session.__table__.c.token_hash == bindparam("token_hash"))


def login(db, identifiant, password, now, client=None) -> dict:
    """Checks the identifier and password and opens a session. A refusal is
    committed here (throttle count, journal line) before it is raised."""
    data = load_or_raise(_LOGIN_SCHEMA, {"identifiant": identifiant, "password": password})
    identifiant, password = (data["identifiant"] or "").strip().lower()[:100], data["password"]
    account = db.scalar(_ACCOUNT_BY_IDENTIFIANT, {"identifiant": identifiant}) if identifiant else None
    try:
        counted = throttle.check(db, "login", identifiant, now)
    except TooManyAttempts:
        if account is not None:
            audit.record(db, account, "login_blocked", now, client)
            db.commit()
        raise
    # A purged letter's identifier is checked against its provisional password
    # (expired_letters.py): "plus de 3 mois" only for whoever has the letter.
    expired = expired_letters.find(db, identifiant) if account is None else None
    # Verified even for an unknown identifier (against a dummy hash) so the
    # answer takes the same time either way.
    stored = account.password_hash if account else (expired.password_hash if expired else None)
    ok = verify_password(stored, (password or "")[:128])
    if account is None and expired is not None and ok:
        raise ProvisionalPasswordExpired()
    if account is None or not ok:
        throttle.record_failure(db, "login", identifiant, now)
        if account is not None:
            audit.record(db, account, "login_failed", now, client)
        db.commit()
        raise InvalidCredentials()
    if account.password_provisional and now >= letter_valid_until(account):
        audit.record(db, account, "login_refused", now, client)
        db.commit()
        raise ProvisionalPasswordExpired()
    if counted:
        throttle.clear(db, "login", identifiant)
    record_connection(account, now)
    audit.record(db, account, "login", now, client)
    token = open_session(db, account, now)
    return {"token": token, "account_id": account.id, "must_change_password": account.password_provisional,
            "must_confirm_email": must_confirm_email(account)}
