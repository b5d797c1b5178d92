"""The mailer's wire errors live in contract/mailer.py, where the gateway
reads them too; this module keeps the service's usual import path."""
from contract.mailer import TemplateMissing

__all__ = ["TemplateMissing"]
