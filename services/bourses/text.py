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
