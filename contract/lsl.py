"""Errors of the LSL service that cross the wire, each saying what the caller can do."""
from nameko.exceptions import deserialize_to_instance

from contract.errors import NotOpen

# FAQ (LSL): "Le téléservice reste accessible 5 mois après la sortie de l'élève
# de l'établissement." The LSL's rules (services/lsl/rules.py) apply it, and
# accounts lists a former student to their family that long
# (common.contract.former_students_months).
FORMER_STUDENTS_MONTHS = 5


@deserialize_to_instance
class LslClosed(NotOpen):
    """The establishment has not opened the LSL service, or this student has no
    livret: families get a page saying so, never data."""


@deserialize_to_instance
class AccessEnded(NotOpen):
    """The student left the establishment more than 5 months ago (FAQ): the
    livret is no longer reachable; `args[0]` is the last day it was (ISO)."""
