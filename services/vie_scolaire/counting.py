"""Counting absences in half-days ("demi-journées", domain sheet § 5): the day
splits at the school's boundary time (noon by default); an absence counts
every half-day it touches ("gross" half-days, as the law speaks of
demi-journées without more), Monday to Friday. The absentéisme threshold of
art. L131-8: 4 unjustified half-days or more in a month."""
from datetime import date, datetime, time, timedelta

from common.clock import PARIS

MATIN, APRES_MIDI = "matin", "apres_midi"
DEFAULT_BOUNDARY = time(12, 0)
ALERT_THRESHOLD = 4


def half_days(debut: datetime, fin: datetime, boundary: time = DEFAULT_BOUNDARY) -> list[tuple[date, str]]:
    """The half-days an absence from `debut` to `fin` touches, in order."""
    start, end = debut.astimezone(PARIS), fin.astimezone(PARIS)
    out = []
    day = start.date()
    while day <= end.date():
        if day.weekday() < 5:
            noon = datetime.combine(day, boundary, tzinfo=PARIS)
            morning = (datetime.combine(day, time(0), tzinfo=PARIS), noon)
            afternoon = (noon, datetime.combine(day + timedelta(days=1), time(0), tzinfo=PARIS))
            for moment, (lo, hi) in ((MATIN, morning), (APRES_MIDI, afternoon)):
                # Any overlap of positive length counts the half-day.
                if start < hi and end > lo:
                    out.append((day, moment))
        day += timedelta(days=1)
    return out
