"""Errors of the LSL service that cross the wire, each saying what the caller can do."""
from nameko.exceptions import deserialize_to_instance

from contract.errors import NotOpen


@deserialize_to_instance
class LslClosed(NotOpen):
    """The establishment has not opened the LSL service, or this student has no
    livret: families get a page saying so, never data."""


@deserialize_to_instance
class AccessEnded(NotOpen):
    """The student left the establishment more than 5 months ago (FAQ): the
    livret is no longer reachable; `args[0]` is the last day it was (ISO)."""
