"""After the purge, a letter that was never used still gets its helpful answer.

The purge deletes an account whose provisional password was not used within
90 days (FAQ). Whoever types that letter's identifier and password later must
still read "plus de 3 mois, contactez le secrétariat", not "Identifiant ou mot
de passe incorrect.", so the purge keeps, for one year, a keyed hash of the
identifier (HMAC-SHA256 with a key drawn at random and kept in this service's
database: identifiers are short and guessable, a plain hash would give them
back) and the provisional password's argon2 hash. Nothing else: no name, no
establishment, no child. The answer is only given to whoever has the letter's
password, as it was before the purge, so it tells nobody that an identifier
existed (docs/security.md)."""
import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from services.accounts.models import Account, ExpiredLetter, HashKey

KEPT_FOR = timedelta(days=365)


def _key(db, create: bool) -> bytes | None:
    row = db.scalar(select(HashKey).order_by(HashKey.id).limit(1))
    if row is None:
        if not create:
            return None
        row = HashKey(key=secrets.token_hex(32))
        db.add(row)
        db.flush()
    return bytes.fromhex(row.key)


def _hash(key: bytes, identifiant: str) -> str:
    return hmac.new(key, identifiant.strip().lower().encode(), hashlib.sha256).hexdigest()


def keep(db, account: Account, now) -> None:
    """At the purge of an account whose letter was never used."""
    identifier_hash = _hash(_key(db, create=True), account.identifiant)
    row = db.get(ExpiredLetter, identifier_hash) or ExpiredLetter(identifiant_hash=identifier_hash)
    row.password_hash, row.forget_after = account.password_hash, now + KEPT_FOR
    db.merge(row)


def find(db, identifiant: str) -> ExpiredLetter | None:
    """The purged letter of this identifier, if one is still remembered."""
    key = _key(db, create=False) if identifiant else None
    if key is None:
        return None
    return db.get(ExpiredLetter, _hash(key, identifiant))


def forget_old(db, now) -> int:
    """Part of the daily purge: what was kept for a year is deleted."""
    return db.execute(delete(ExpiredLetter).where(ExpiredLetter.forget_after < now)).rowcount or 0
