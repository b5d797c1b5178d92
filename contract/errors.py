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

    # Whether the request went out: True, False, or None when not known
    # (common/metrics.py counts the calls never sent apart).
    sent: bool | None = None


class NotDeployed(Unavailable):
    """Raised by the RPC client when no queue is bound for the service."""

    sent = False


@deserialize_to_instance
class NotOpen(ServiceError):
    """The service is not open for this child's establishment (or not for this
    viewer): the gateway answers a French page, never the data."""


class NoAnswer(Unavailable):
    """Raised by the RPC client: the request went out, and no answer came in
    time. A query can simply be asked again; a command may or may not have run
    (the caller re-asks with the same idempotency key, or says it does not know)."""

    sent = True


class NotSent(Unavailable):
    """Raised by the RPC client: the request never reached a queue (broker
    unreachable, the broker refused it): nothing ran."""

    sent = False


class ChannelRefused(NotSent):
    """Raised by the RPC client: the broker closed the channel on this request
    (an AMQP channel error: access refused, precondition failed...). The broker
    itself is reachable; the request was not delivered."""


class OutcomeUnknown(Unavailable):
    """Raised by the gateway: a command got no answer in time, even when asked
    again with its idempotency key. It may have been carried out: the page must
    say so, never that nothing was saved."""

    sent = True


@deserialize_to_instance
class StorageUnavailable(Unavailable):
    """Raised by a service (common.messaging) whose own database could not be
    reached or broke off during the call. A query is simply unavailable; a
    command may have been cut during its commit, so the gateway says its
    outcome is not known (gateway/rpc.py), never that nothing was saved."""

    sent = True


class MessageTooLarge(ValueError):
    """Raised by the RPC client before sending: the request is larger than the
    broker would take (SCOLARITE_RPC_MAX_BYTES). Nothing was sent."""

    def __init__(self, service: str, method: str, size: int, limit: int):
        self.size, self.limit = size, limit
        super().__init__(f"{service}.{method}: request of {size} bytes, more than the {limit} bytes allowed")


@deserialize_to_instance
class CommandInProgress(ServiceError):
    """A command asked again with the idempotency key of a call that is still
    running (or stopped between its commit and its answer): its outcome is not
    known yet (common/idempotency.py)."""
