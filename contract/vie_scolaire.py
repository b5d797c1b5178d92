"""Errors of the vie scolaire service that cross the wire, each saying what the caller can do."""
from nameko.exceptions import deserialize_to_instance

from contract.errors import NotOpen


@deserialize_to_instance
class VieScolaireClosed(NotOpen):
    """The establishment has not opened the vie scolaire service for this
    school year: families get a page saying so, never data."""
