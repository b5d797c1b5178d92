"""The bourses service's wire errors live in contract/bourses.py, where the
gateway reads them too; this module keeps the service's usual import path."""
from contract.bourses import BoursesClosed, FiscalUnavailable

__all__ = ["BoursesClosed", "FiscalUnavailable"]
