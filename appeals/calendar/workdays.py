"""Kazakhstan's working-day calendar: weekends, public holidays, and the decree overrides.

The `holidays` package knows the holidays, the weekend carry-over and the decree day-moves up
to 2025; the CalendarOverride table (edited in the admin) adds each year's decree on top. Every
deadline in the product is computed through `get_calendar()`.
"""

from __future__ import annotations

import bisect
import threading
import time
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.utils import timezone

# Overrides are re-read at most this often in a process that did not change them itself
# (web workers and Celery workers each hold their own copy).
_OVERRIDES_TTL_SECONDS = 60
_FIRST_YEAR = 2000
_LAST_YEAR = 2100


@lru_cache(maxsize=256)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("KZ", years=year).keys())


def public_holiday_names(year: int, language: str = "en_US") -> dict[date, str]:
    """Holiday names for display ('kk' or 'en_US'; the package has no Russian names)."""
    lang = "kk" if language.startswith("kk") else "en_US"
    return dict(holidays.country_holidays("KZ", years=year, language=lang).items())


class WorkingCalendar:
    """Working days from the package's holidays plus `overrides` ({date: is_working_day})."""

    def __init__(self, overrides: dict[date, bool] | None = None) -> None:
        self.overrides = dict(overrides or {})
        self._years: dict[int, list[int]] = {}  # year -> sorted ordinals of its working days
        self._before: dict[int, int] = {}  # year -> working days from _FIRST_YEAR up to its 1 January

    # --- single days -----------------------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override
        return day.weekday() < 5 and day not in _public_holidays(day.year)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def working_day_on_or_after(self, day: date) -> date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def working_day_on_or_before(self, day: date) -> date:
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    # --- arithmetic ------------------------------------------------------------------------
    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (counting starts the next day); n=0 gives `day`."""
        if n < 0:
            raise ValueError("n must not be negative")
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        return self._cumulative(end) - self._cumulative(start)

    def working_days_left(self, due: date, today: date) -> int:
        """Working days left until `due` (0 on the due day); negative working days overdue.

        An appeal whose due date has passed is overdue by at least one day, even on the
        weekend right after a Friday due date.
        """
        if today <= due:
            return self.working_days_between(today, due)
        return -max(1, self.working_days_between(due, today))

    # --- internals -------------------------------------------------------------------------
    def _year(self, year: int) -> list[int]:
        days = self._years.get(year)
        if days is None:
            first = date(year, 1, 1)
            count = 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365
            days = [
                (first + timedelta(days=i)).toordinal()
                for i in range(count)
                if self.is_working_day(first + timedelta(days=i))
            ]
            self._years[year] = days
        return days

    def _before_year(self, year: int) -> int:
        if year <= _FIRST_YEAR:
            return 0
        cached = self._before.get(year)
        if cached is None:
            cached = self._before_year(year - 1) + len(self._year(year - 1))
            self._before[year] = cached
        return cached

    def _cumulative(self, day: date) -> int:
        """Working days from 1 January of _FIRST_YEAR through `day` inclusive."""
        year = min(max(day.year, _FIRST_YEAR), _LAST_YEAR)
        return self._before_year(year) + bisect.bisect_right(self._year(year), day.toordinal())


_lock = threading.Lock()
_cached: dict[str, object] = {"calendar": None, "loaded": 0.0}


def get_calendar() -> WorkingCalendar:
    """The calendar with the overrides from the database (one small query at most a minute)."""
    with _lock:
        calendar = _cached["calendar"]
        if calendar is None or time.monotonic() - float(_cached["loaded"]) > _OVERRIDES_TTL_SECONDS:
            from ..models import CalendarOverride

            overrides = dict(CalendarOverride.objects.values_list("date", "is_working_day"))
            calendar = WorkingCalendar(overrides)
            _cached["calendar"] = calendar
            _cached["loaded"] = time.monotonic()
        return calendar  # type: ignore[return-value]


def invalidate_calendar() -> None:
    """Forget the cached overrides (after an override was saved or deleted)."""
    with _lock:
        _cached["calendar"] = None


def local_today() -> date:
    """Today in Asia/Almaty."""
    return timezone.localdate()


def local_day(moment: datetime) -> date:
    """The Asia/Almaty day of an aware moment. The same answer as timezone.localdate(moment) (the desk never
    activates another zone) without its look-up of the active zone per call: the roll-ups, the import and the
    registration call it for every row."""
    return moment.astimezone(timezone.get_default_timezone()).date()
