"""How dates, times and numbers are written to people, in one place (French
typography, built on Babel): "27/11/2026", "19 h 08", "12,5". Templates use
them as filters (frdate, frdatetime, frtime, frnum); Python code (the letters'
PDF, a flash message) calls the functions."""
from datetime import date, datetime

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from common.clock import PARIS

# Parsed once: given a name, Babel builds a Locale (and looks for its data on
# disk) at every call, a sixth of the time of a page with a hundred dates.
LOCALE = Locale.parse("fr_FR")


def french_date(value) -> str:
    """A date, or an ISO date or instant as it crosses the wire -> jj/mm/aaaa."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date() if value.tzinfo else value.date()
    elif not isinstance(value, date):
        value = date.fromisoformat(str(value)[:10])
    return format_date(value, "dd/MM/yyyy", locale=LOCALE)


def _instant(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def french_time(value) -> str:
    """An instant -> "19 h 08", French time."""
    if not value:
        return ""
    return format_datetime(_instant(value), "H'\u00a0h\u00a0'mm", tzinfo=PARIS, locale=LOCALE)


def french_datetime(value) -> str:
    """An instant -> "27/11/2026 à 19 h 08", French time."""
    if not value:
        return ""
    return format_datetime(_instant(value), "dd/MM/yyyy 'à' H'\u00a0h\u00a0'mm", tzinfo=PARIS, locale=LOCALE)


def french_number(value) -> str:
    """12.5 -> "12,5"; 14.0 -> "14" (as a French report card writes them)."""
    if value is None:
        return ""
    return format_decimal(float(value), "#,##0.##", locale=LOCALE)


def register(app) -> None:
    app.add_template_filter(french_date, "frdate")
    app.add_template_filter(french_datetime, "frdatetime")
    app.add_template_filter(french_time, "frtime")
    app.add_template_filter(french_number, "frnum")
