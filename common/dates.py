"""The calendar's rules (Paris time, months, school years), without Nameko:
common/clock.py re-exports them beside the clock and its Nameko dependency;
a process that needs only them imports this module
(services/accounts/import_child.py)."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def add_months(instant: datetime, months: int) -> datetime:
    """Same day `months` later, clamped to the month's last day ("valable 3 mois")."""
    month_index = instant.month - 1 + months
    year, month = instant.year + month_index // 12, month_index % 12 + 1
    for day in range(instant.day, 27, -1):
        try:
            return instant.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return instant.replace(year=year, month=month, day=min(instant.day, 28))


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def school_year(day: date) -> int:
    """The school year a day belongs to, named by its first calendar year as
    SIECLE does (`2026` is 2026-2027); a year starts on 1 September."""
    return day.year if day.month >= 9 else day.year - 1


def staff_school_years(day: date) -> list[int]:
    """The school years staff may act on: the one under way and the next one,
    which they prepare before the rentrée. Enforced by the services
    (FeatureContract.set_opening), offered by the administration pages."""
    current = school_year(day)
    return [current, current + 1]
