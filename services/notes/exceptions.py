"""The notes service's wire errors live in contract/notes.py, where the
gateway reads them too; this module keeps the service's usual import path."""
from contract.notes import NotesClosed

__all__ = ["NotesClosed"]
