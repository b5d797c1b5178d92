"""Errors of the accounts service that cross the wire, each saying what the user can do."""
from nameko.exceptions import deserialize_to_instance

from contract.errors import ServiceError


@deserialize_to_instance
class InvalidCredentials(ServiceError):
    """Wrong identifier or wrong password: the message never says which."""


@deserialize_to_instance
class ProvisionalPasswordExpired(ServiceError):
    """The notification letter is older than 3 months: the establishment issues a new one."""


@deserialize_to_instance
class SessionExpired(ServiceError):
    pass


@deserialize_to_instance
class FirstConnectionRequired(ServiceError):
    """The provisional password must be replaced before anything else."""


@deserialize_to_instance
class TooManyAttempts(ServiceError):
    """Too many failed attempts for this identifier (or address): the next one
    is accepted after `retry_after` seconds. The delay grows with each failure."""

    def __init__(self, retry_after):
        self.retry_after = int(retry_after)
        super().__init__(self.retry_after)


@deserialize_to_instance
class TokenInvalid(ServiceError):
    """A link that does not exist, was already used, or whose account changed
    since (another address, another password)."""


@deserialize_to_instance
class TokenExpired(ServiceError):
    """A link past its validity (3 months to confirm an address, 1 week to reset a password)."""


@deserialize_to_instance
class EmailNotConfirmed(ServiceError):
    """A guardian must confirm their address before reaching any service."""


@deserialize_to_instance
class MergeRefused(ServiceError):
    """The accounts cannot be merged; `reason` is one of `eleve` (a student
    account), `same` (the account itself), `other_person`, `not_guardian`."""

    def __init__(self, reason):
        self.reason = reason
        super().__init__(reason)
