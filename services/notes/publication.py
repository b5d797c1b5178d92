"""The publication rule (FAQ "Je ne vois pas les notes de mon enfant"): the one
place that says when a grade becomes visible to families. Everything that
shows, counts or averages grades goes through `publication_instant`.

- "Au fil de l'eau": a grade is published the day after it is entered, that is
  at midnight, Paris time, starting the next calendar day in France.
- "À échéance": only grades whose publication date has come are shown, that
  is from midnight, Paris time, of the evaluation's publication date (and not
  before the grade exists: one entered after that date is published when it
  is entered). An evaluation without a publication date is not published.
"""
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from common.clock import PARIS
from services.notes.models import ECHEANCE, FIL_DE_L_EAU


def start_of_day(day: date) -> datetime:
    """Midnight in France on `day`, as an aware instant."""
    return datetime.combine(day, time(0), tzinfo=PARIS)


@lru_cache(maxsize=4096)  # pure; a page asks it for every grade, mostly with the same few arguments
def publication_instant(mode: str, saisie_le: datetime, date_publication: date | None) -> datetime | None:
    """When a grade becomes (or became) visible to families; None: never."""
    if mode == FIL_DE_L_EAU:
        return start_of_day(saisie_le.astimezone(PARIS).date() + timedelta(days=1))
    if mode == ECHEANCE:
        if date_publication is None:
            return None
        return max(start_of_day(date_publication), saisie_le)
    raise ValueError(f"unknown publication mode {mode!r}")


def is_published(mode: str, saisie_le: datetime, date_publication: date | None, now: datetime) -> bool:
    instant = publication_instant(mode, saisie_le, date_publication)
    return instant is not None and instant <= now
