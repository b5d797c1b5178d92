"""The links sent by e-mail (the warehouse idea: a token is bound to one
purpose, one account and that account's state).

| purpose | validity | bound to | sent by |
| --- | --- | --- | --- |
| `email_confirmation` | 3 months (guide § 2.2.1) | the address, the account's current address, not yet confirmed | first connection, "Vérification mail", profile |
| `email_change` | 3 months | the new address, the account's current address and password | profile |
| `password_reset` | 1 week (guide § 2.4) | the account's password hash, address and its confirmation | "mot de passe oublié" |
| `account_merge` | 15 minutes | the guardian asking, the other account and its password hash | "Regrouper des comptes", shown on the confirmation step, never mailed |

A token is random (256 bits), stored as its SHA-256, valid while
`now < expires_at`, and works once. Its `state` is a fingerprint of what the
account was when it was issued: when the password or the address moves, every
outstanding link of the account dies without any bookkeeping.
"""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from common.clock import add_months
from services.accounts.exceptions import TokenExpired, TokenInvalid
from services.accounts.models import Account, Token

EMAIL_CONFIRMATION = "email_confirmation"
EMAIL_CHANGE = "email_change"
PASSWORD_RESET = "password_reset"

EMAIL_LINK_MONTHS = 3
RESET_LINK_VALIDITY = timedelta(weeks=1)
ACCOUNT_MERGE = "account_merge"
MERGE_VALIDITY = timedelta(minutes=15)


def sha256(text: str) -> str:
    # surrogatepass: a lone surrogate sent as a token hashes to a value no
    # token has, instead of failing to encode.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def expiry(purpose: str, now):
    if purpose == PASSWORD_RESET:
        return now + RESET_LINK_VALIDITY
    return add_months(now, EMAIL_LINK_MONTHS)


def fingerprint(account: Account, purpose: str) -> str:
    if purpose == EMAIL_CONFIRMATION:
        parts = [account.email or "", "confirmed" if account.email_confirmed_at else "unconfirmed"]
    elif purpose == EMAIL_CHANGE:
        parts = [account.email or "", account.password_hash or ""]
    elif purpose == PASSWORD_RESET:
        parts = [account.password_hash or "", account.email or "", str(account.email_confirmed_at)]
    else:
        raise ValueError(purpose)
    return sha256("\x1f".join([purpose, str(account.id), *parts]))


def issue(db, account: Account, purpose: str, now, email: str | None = None) -> str:
    """A new link's token, to be mailed; only its hash is kept."""
    raw = secrets.token_urlsafe(32)
    db.add(Token(token_hash=sha256(raw), purpose=purpose, account_id=account.id, email=email,
                 state=fingerprint(account, purpose), created_at=now, expires_at=expiry(purpose, now)))
    return raw


def check(db, raw: str | None, purposes: tuple[str, ...], now) -> tuple[Token, Account]:
    """The token and its account if the link may be used now; raises
    TokenInvalid or TokenExpired. Does not use it up."""
    if not raw or not isinstance(raw, str) or len(raw) > 100:
        raise TokenInvalid()
    token = db.scalar(select(Token).where(Token.token_hash == sha256(raw)))
    if token is None or token.purpose not in purposes or token.used_at is not None:
        raise TokenInvalid()
    account = db.get(Account, token.account_id)
    if account is None or fingerprint(account, token.purpose) != token.state:
        raise TokenInvalid()
    if now >= token.expires_at:
        raise TokenExpired()
    if token.purpose == EMAIL_CONFIRMATION and (account.email or "").lower() != (token.email or "").lower():
        raise TokenInvalid()
    return token, account


def already_used_for_current_address(db, raw: str | None, purposes: tuple[str, ...]) -> Token | None:
    """The token if it is one of `purposes`, was already used, and what it
    confirmed still holds: the account's address is the token's and is
    confirmed. Only the holder of the (secret) link learns this, and only
    about that link's own state; anything else is None."""
    if not raw or not isinstance(raw, str) or len(raw) > 100:
        return None
    token = db.scalar(select(Token).where(Token.token_hash == sha256(raw)))
    if token is None or token.purpose not in purposes or token.used_at is None:
        return None
    account = db.get(Account, token.account_id)
    if account is None or account.email_confirmed_at is None \
            or (account.email or "").lower() != (token.email or "").lower():
        return None
    return token


def use(db, raw: str | None, purposes: tuple[str, ...], now) -> tuple[Token, Account]:
    """Like `check`, and the link will not work again."""
    token, account = check(db, raw, purposes, now)
    token.used_at = now
    return token, account


def _merge_state(requester: Account, other: Account) -> str:
    return sha256("\x1f".join([ACCOUNT_MERGE, str(requester.id), str(other.id), other.password_hash or "",
                               other.role]))


def issue_merge(db, requester: Account, other: Account, now) -> str:
    """"Regrouper des comptes": the credentials of `other` were checked; this
    ticket lets `requester` confirm the merge on the next page without sending
    the password again. Dies with other's password, after use, or 15 minutes."""
    raw = secrets.token_urlsafe(32)
    db.add(Token(token_hash=sha256(raw), purpose=ACCOUNT_MERGE, account_id=other.id, email=None,
                 state=_merge_state(requester, other), created_at=now, expires_at=now + MERGE_VALIDITY))
    return raw


def use_merge(db, raw: str | None, requester: Account, now) -> Account:
    """The other account of a merge ticket issued to `requester`; raises
    TokenInvalid or TokenExpired. The ticket will not work again."""
    if not raw or not isinstance(raw, str) or len(raw) > 100:
        raise TokenInvalid()
    token = db.scalar(select(Token).where(Token.token_hash == sha256(raw)))
    if token is None or token.purpose != ACCOUNT_MERGE or token.used_at is not None:
        raise TokenInvalid()
    other = db.get(Account, token.account_id)
    if other is None or _merge_state(requester, other) != token.state:
        raise TokenInvalid()
    if now >= token.expires_at:
        raise TokenExpired()
    token.used_at = now
    return other
