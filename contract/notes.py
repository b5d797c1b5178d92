"""Errors of the notes service that cross the wire, each saying what the caller can do."""
from nameko.exceptions import deserialize_to_instance

from contract.errors import NotOpen


@deserialize_to_instance
class NotesClosed(NotOpen):
    """The establishment has not opened the notes service for this school year:
    families get a page saying so, never data."""
