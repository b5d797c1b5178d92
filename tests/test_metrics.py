"""What the metrics call each outcome of a call (common/metrics.py): an
operator tells a service that does not answer (`unavailable`: its calls went
out and waited) from one the callers no longer ask (`not_sent`)."""
import pytest

from common.metrics import outcome_of
from contract.errors import (
    ChannelRefused, NoAnswer, NotDeployed, NotFound, NotSent, OutcomeUnknown, StorageUnavailable, Unavailable,
    ValidationError)
from gateway.rpc import ServiceDown


@pytest.mark.parametrize("error, outcome", [
    (None, "ok"),
    (ValidationError({"email": ["Adresse invalide."]}), "refused"),
    (NotFound("absent"), "refused"),
    (NoAnswer("notes.subjects"), "unavailable"),
    (OutcomeUnknown("accounts.change_password"), "unavailable"),
    (StorageUnavailable("notes: database unavailable"), "unavailable"),
    (Unavailable("?"), "unavailable"),
    (NotSent("broker unreachable"), "not_sent"),
    (ChannelRefused("access refused"), "not_sent"),
    (NotDeployed("bourses"), "not_sent"),
    (ServiceDown("notes: no sign of life within 4 s"), "not_sent"),
    (RuntimeError("boom"), "error"),
])
def test_each_outcome_of_a_call_is_named_for_what_happened_to_it(error, outcome):
    assert outcome_of(error) == outcome
