"""The calendar overrides (each year's decree moving days off): saving and deleting them, and the autumn
warning while next year has none."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from ..calendar.workdays import invalidate_calendar
from ..models import (
    CalendarOverride,
)


@transaction.atomic
def calendar_override_save(*, override: CalendarOverride) -> CalendarOverride:
    """Save a decree day-move. Deadlines computed from now on take it into account.

    Due dates already set are not moved: a due date is fixed when it is set, and changed
    only by an audited extension, redirect or reopening.
    """
    override.full_clean()
    override.save()
    invalidate_calendar()  # this process at once; others within the calendar's refresh interval
    transaction.on_commit(invalidate_calendar)
    return override


@transaction.atomic
def calendar_override_delete(*, override: CalendarOverride) -> None:
    override.delete()
    invalidate_calendar()
    transaction.on_commit(invalidate_calendar)


def calendar_missing_next_year(today: date | None = None) -> int | None:
    """From 1 November, the next year when it has no override entered yet (the decree comes each autumn)."""
    today = today or timezone.localdate()
    if today.month < 11:
        return None
    next_year = today.year + 1
    if CalendarOverride.objects.filter(date__year=next_year).exists():
        return None
    return next_year
