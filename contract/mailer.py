"""Errors of the mailer that cross the wire. A refused request (unknown kind,
invalid address, missing context) is contract.errors.ValidationError, with
French messages per field, like every other refused input."""
from nameko.exceptions import deserialize_to_instance

from contract.errors import ValidationError


@deserialize_to_instance
class TemplateMissing(ValidationError):
    """The kind is in common.mail's catalogue but this mailer has no template
    for it (a mailer older than its senders): refused, nothing queued."""
