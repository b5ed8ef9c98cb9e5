"""The statutory terms (DOMAIN.md), read from settings.APPEAL_POLICY, and the deadlines they give.

Every number a rule needs has its default in config/settings.py; this module is the only reader.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from .workdays import WorkingCalendar, get_calendar, local_day


def policy(key: str):
    return settings.APPEAL_POLICY[key]


def consideration_working_days(kind: str) -> int:
    """The statutory term for an appeal of `kind`, in working days."""
    return int(policy("WORKING_DAYS_BY_KIND").get(kind, policy("CONSIDERATION_WORKING_DAYS")))


def registration_day(registered_at: datetime, cal: WorkingCalendar | None = None) -> date:
    """The day an appeal counts as registered: received on a day off, it is registered the next working day."""
    cal = cal or get_calendar()
    return cal.working_day_on_or_after(local_day(registered_at))


def due_date_for(*, kind: str, registered_at: datetime, cal: WorkingCalendar | None = None) -> date:
    """The statutory due date: the N-th working day after the registration day."""
    cal = cal or get_calendar()
    return cal.add_working_days(registration_day(registered_at, cal), consideration_working_days(kind))


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = _stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def extension_limit(registered_at: datetime, cal: WorkingCalendar | None = None) -> date:
    """The latest due date an extension may give: the whole term at most N months from registration.

    Counted from the registration day (an appeal received on a day off is registered on the next
    working day), like every other term, not from the local date it arrived.
    """
    return add_months(registration_day(registered_at, cal), int(policy("EXTENSION_MAX_MONTHS")))


def redirect_deadline(registered_at: datetime, cal: WorkingCalendar | None = None) -> date:
    """The last day a redirect to the competent body is on time."""
    cal = cal or get_calendar()
    return cal.add_working_days(registration_day(registered_at, cal), int(policy("REDIRECT_LIMIT_WORKING_DAYS")))


def complaint_forward_deadline(registered_at: datetime, cal: WorkingCalendar | None = None) -> date:
    """The last day a complaint against an act may go to the higher body with the case file and be on time."""
    cal = cal or get_calendar()
    days = int(policy("COMPLAINT_FORWARD_WORKING_DAYS"))
    return cal.add_working_days(registration_day(registered_at, cal), days)


def challenge_deadline(answered_on: date) -> date:
    """The last day the applicant may challenge the result (months from learning of it)."""
    return add_months(answered_on, int(policy("CHALLENGE_PERIOD_MONTHS")))


def matter_window_start(registered_at: datetime) -> datetime:
    """The earliest registration of an earlier appeal that matter matching compares (MATCH_WINDOW_MONTHS before)."""
    local = registered_at.astimezone(timezone.get_default_timezone())
    day = add_months(local.date(), -int(policy("MATCH_WINDOW_MONTHS")))
    return local.replace(year=day.year, month=day.month, day=day.day)


def reminder_stage(days_left: int) -> int | None:
    """The assignee's reminder an appeal `days_left` working days from its due date belongs to.

    With the default policy (3, 1, 0): 3 or 2 days left -> the 3-day reminder (2 is its catch-up
    after a missed day), 1 -> the 1-day one, 0 -> the due-day one, -n -> the n-th overdue day.
    None: no reminder now.
    """
    if days_left < 0:
        return days_left if policy("REMINDER_OVERDUE_DAILY") else None
    for before in sorted(int(d) for d in policy("REMINDER_WORKING_DAYS_BEFORE")):
        if days_left <= before:
            return before
    return None


def furthest_reminder_working_days() -> int:
    return max(int(d) for d in policy("REMINDER_WORKING_DAYS_BEFORE"))
