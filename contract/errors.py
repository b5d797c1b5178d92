"""The errors every service may raise, and those the RPC client raises itself
(STYLE: "errors as types across the wire").

A service raises one of these (or one of its own, in `contract/<service>.py`);
Nameko serializes its path (`contract.errors.NotFound`) and arguments; the
gateway's RPC client turns it back into the same class, because the gateway
imports this package too, and `gateway/errors.py` maps it to a page. Every
argument must be JSON-serializable, and the constructor must accept the
arguments it was built with.
"""
from nameko.exceptions import deserialize_to_instance


class ServiceError(Exception):
    """Base of every error a caller can handle by its type."""


@deserialize_to_instance
class ValidationError(ServiceError):
    """Input refused; `errors` maps each field name to a list of French messages."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(errors)


@deserialize_to_instance
class NotFound(ServiceError):
    pass


@deserialize_to_instance
class Forbidden(ServiceError):
    """The viewer may not see or change this (a child not theirs, another establishment)."""


class Unavailable(Exception):
    """Raised by the RPC client, not by services: nobody answered in time, or the
    broker is unreachable."""


class NotDeployed(Unavailable):
    """Raised by the RPC client when no queue is bound for the service."""


@deserialize_to_instance
class NotOpen(ServiceError):
    """The service is not open for this child's establishment (or not for this
    viewer): the gateway answers a French page, never the data."""
