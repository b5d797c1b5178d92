"""The shared wire errors, under the name services were written against; they
live in contract/errors.py (one package the services and the gateway import)."""
from contract.errors import Forbidden, NotDeployed, NotFound, NotOpen, ServiceError, Unavailable, ValidationError

__all__ = ["Forbidden", "NotDeployed", "NotFound", "NotOpen", "ServiceError", "Unavailable", "ValidationError"]
