"""Errors of the accounts service, each saying what the user can do."""
from nameko.exceptions import deserialize_to_instance

from common.errors import ServiceError


@deserialize_to_instance
class InvalidCredentials(ServiceError):
    """Wrong identifier or wrong password: the message never says which."""


@deserialize_to_instance
class ProvisionalPasswordExpired(ServiceError):
    """The notification letter is older than 3 months: the establishment issues a new one."""


@deserialize_to_instance
class SessionExpired(ServiceError):
    pass


@deserialize_to_instance
class FirstConnectionRequired(ServiceError):
    """The provisional password must be replaced before anything else."""
