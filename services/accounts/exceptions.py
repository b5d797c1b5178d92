"""The accounts service's wire errors live in contract/accounts.py, where the
gateway reads them too; this module keeps the service's usual import path."""
from contract.accounts import (
    EmailNotConfirmed,
    FirstConnectionRequired,
    InvalidCredentials,
    MergeRefused,
    ProvisionalPasswordExpired,
    SessionExpired,
    TokenExpired,
    TokenInvalid,
    TooManyAttempts,
)

__all__ = ["EmailNotConfirmed", "FirstConnectionRequired", "InvalidCredentials", "MergeRefused",
           "ProvisionalPasswordExpired", "SessionExpired", "TokenExpired", "TokenInvalid", "TooManyAttempts"]
