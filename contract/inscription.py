"""What the inscription service and the gateway share: the errors that
cross the wire, each saying what the caller can do."""
from nameko.exceptions import deserialize_to_instance

from contract.errors import Forbidden, NotOpen, ServiceError


@deserialize_to_instance
class InscriptionClosed(NotOpen):
    """Outside the campaign window: nothing can be submitted; the message (in
    French) says when it opens or that it closed, and that what was saved is
    kept."""


@deserialize_to_instance
class EtapeRefusee(Forbidden):
    """This step cannot be taken now: a step out of order, a decision already
    made (by this guardian or the other one), an enrollment already finished.
    The message (in French) says why; nothing was stored."""


@deserialize_to_instance
class VerificationIndisponible(ServiceError):
    """The administrative data could not be checked against the fiche's rules
    now (the fiche service did not answer): nothing was stored, the family
    sends the same form again a little later."""
