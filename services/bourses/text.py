"""French wording shared by the service's messages, mails and PDFs."""
from datetime import date, datetime

from babel.numbers import format_decimal

from common.typography import french_date, french_datetime, spaced
from services.bourses.models import COLLEGE

NBSP = "\u00a0"


def bourse_label(niveau: str) -> str:
    return "bourse de collège" if niveau == COLLEGE else "bourse de lycée"


def school_year_label(annee: int) -> str:
    return f"{annee}-{annee + 1}"


def euros(amount: int) -> str:
    """1 008 € (non-breaking spaces, French grouping)."""
    grouped = format_decimal(amount, locale="fr_FR", group_separator=True).replace("\u202f", NBSP)
    return f"{grouped}{NBSP}€"


def fr_date(day: date | datetime) -> str:
    return french_date(day)


def fr_datetime(instant: datetime) -> str:
    """"14/09/2027 à 19 h 08" (common/typography.py: one time format everywhere)."""
    return french_datetime(instant)


def typo(text: str) -> str:
    """French typography: a non-breaking space before : ; ? ! and inside « »."""
    return spaced(text)


def typo_errors(errors):
    """The same for every message of a ValidationError's mapping."""
    if isinstance(errors, dict):
        return {k: typo_errors(v) for k, v in errors.items()}
    if isinstance(errors, list):
        return [typo_errors(v) for v in errors]
    return typo(errors) if isinstance(errors, str) else errors
