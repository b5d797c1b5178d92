"""The accounts service's wire errors live in contract/accounts.py, where the
gateway reads them too; this module keeps the service's usual import path."""
from contract.accounts import (
    InvalidCredentials,
    MergeRefused,
    ProvisionalPasswordExpired,
    SessionExpired,
    TokenExpired,
    TokenInvalid,
    TooManyAttempts,
)

__all__ = ["InvalidCredentials", "MergeRefused", "ProvisionalPasswordExpired", "SessionExpired", "TokenExpired",
           "TokenInvalid", "TooManyAttempts"]
