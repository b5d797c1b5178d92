"""The one clock every rule reads (ARCHITECTURE rule 6).

In production it is the system clock. In development and tests a clock file
(`SCOLARITE_CLOCK_FILE`, read into each process's settings) holds an offset in seconds that every process applies,
so a test or a demo can move time for all services and the gateway at once
without sleeping.
"""
import json
import os
from datetime import date, datetime, timedelta, timezone

from nameko.extensions import DependencyProvider

# The calendar's rules live in common/dates.py (without Nameko, for a process
# that needs only them: services/accounts/import_child.py), and here for everyone.
from common.dates import PARIS, add_months, age_on, school_year, staff_school_years  # noqa: F401


class Clock:
    def __init__(self, path: str | None = None):
        """`path`: the clock file (the process's `clock_file` setting); None: the system clock."""
        self.path = path
        self._cached_mtime = None
        self._offset = timedelta(0)

    def _current_offset(self) -> timedelta:
        if not self.path:
            return timedelta(0)
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except FileNotFoundError:
            return timedelta(0)
        if mtime != self._cached_mtime:
            with open(self.path, encoding="utf-8") as fh:
                self._offset = timedelta(seconds=float(json.load(fh)["offset_seconds"]))
            self._cached_mtime = mtime
        return self._offset

    def now(self) -> datetime:
        """Aware UTC instant."""
        return datetime.now(timezone.utc) + self._current_offset()

    def today(self) -> date:
        """The calendar day in France, which school rules ("the next day") count in."""
        return self.now().astimezone(PARIS).date()

    def move_to(self, instant: datetime) -> None:
        """Shift every process reading this clock file so that now() is `instant`."""
        self.set_offset((instant - datetime.now(timezone.utc)).total_seconds())

    def advance(self, delta: timedelta) -> None:
        self.set_offset((self._current_offset() + delta).total_seconds())

    def set_offset(self, seconds: float) -> None:
        if not self.path:
            raise RuntimeError("moving time needs SCOLARITE_CLOCK_FILE")
        tmp = f"{self.path}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"offset_seconds": seconds}, fh)
        os.replace(tmp, self.path)


class ClockProvider(DependencyProvider):
    """Gives each worker the process's clock."""

    def setup(self):
        from common.settings import service_settings

        self.clock = Clock(service_settings(self.container).clock_file)

    def get_dependency(self, worker_ctx):
        return self.clock
