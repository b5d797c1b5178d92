"""Errors of the bourses service that cross the wire, each saying what the caller can do."""
from nameko.exceptions import deserialize_to_instance

from contract.errors import NotOpen, ServiceError


@deserialize_to_instance
class BoursesClosed(NotOpen):
    """No campaign is open for this child's kind of establishment: the page
    says when it closed (or opens) and to contact the school."""


@deserialize_to_instance
class FiscalUnavailable(ServiceError):
    """The reference tax income cannot be fetched from the tax administration
    here: the family types it from its notice."""
