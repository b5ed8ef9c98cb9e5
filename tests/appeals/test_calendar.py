"""Working-day arithmetic on Kazakhstan's real calendar, and the decree overrides on top."""

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from appeals.calendar.overrides import calendar_missing_next_year, calendar_override_delete, calendar_override_save
from appeals.calendar.policy import due_date_for, extension_limit, redirect_deadline
from appeals.calendar.workdays import WorkingCalendar, get_calendar
from appeals.models import CalendarOverride

ALMATY = timezone.get_fixed_timezone(5 * 60)


def at(y, m, d, hour=10):
    return datetime(y, m, d, hour, tzinfo=ALMATY)


cal = WorkingCalendar()
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 20), True),  # Friday before Nauryz
        (date(2026, 3, 23), False),  # Nauryz
        (date(2026, 3, 24), False),  # Nauryz carried over from Saturday
        (date(2026, 3, 25), False),  # Nauryz carried over from Sunday
        (date(2026, 3, 26), True),
        (date(2026, 5, 1), False),  # Unity Day
        (date(2026, 5, 7), False),  # Defender's Day
        (date(2026, 5, 11), False),  # Victory Day (Saturday 9 May) carried over
        (date(2026, 12, 16), False),  # Independence Day
        (date(2026, 12, 17), True),
        (date(2025, 12, 16), False),
        (date(2025, 1, 3), False),  # 2025 decree: bridge day off
        (date(2026, 11, 28), False),  # Saturday
    ],
)
def test_it_knows_kazakhstan_working_days(day, working):
    assert cal.is_working_day(day) is working


def test_nauryz_2026_pushes_the_fifth_working_day_to_april():
    assert cal.add_working_days(date(2026, 3, 20), 5) == date(2026, 4, 1)


def test_may_2025_holidays_are_skipped():
    # Thu 1 May, Wed 7 May and Fri 9 May 2025 are holidays.
    assert cal.add_working_days(date(2025, 4, 30), 5) == date(2025, 5, 12)


def test_independence_day_2025_is_skipped():
    assert cal.add_working_days(date(2025, 12, 15), 1) == date(2025, 12, 17)


def test_fifteen_working_days_from_registration_start_the_next_working_day():
    # Registered Monday 2 Nov 2026: days 1..15 run Tue 3 Nov .. Mon 23 Nov.
    assert due_date_for(kind="application", registered_at=at(2026, 11, 2)) == date(2026, 11, 23)


def test_an_appeal_received_on_a_day_off_counts_from_the_next_working_day():
    saturday = due_date_for(kind="application", registered_at=at(2026, 11, 7))
    monday = due_date_for(kind="application", registered_at=at(2026, 11, 9))
    assert saturday == monday == date(2026, 11, 30)


def test_late_evening_utc_is_already_the_next_day_in_almaty():
    # 20:30 UTC on Friday 6 Nov is 01:30 on Saturday in Almaty: registered on Monday 9 Nov.
    friday_utc = datetime(2026, 11, 6, 20, 30, tzinfo=UTC)
    assert due_date_for(kind="application", registered_at=friday_utc) == date(2026, 11, 30)


def test_a_complaint_is_reviewed_in_twenty_working_days():
    assert due_date_for(kind="complaint", registered_at=at(2026, 11, 2)) == date(2026, 11, 30)


def test_the_term_is_configurable(settings):
    settings.APPEAL_POLICY = {**settings.APPEAL_POLICY, "CONSIDERATION_WORKING_DAYS": 10}
    assert due_date_for(kind="application", registered_at=at(2026, 11, 2)) == date(2026, 11, 16)


def test_the_term_crosses_independence_day():
    # Registered Tue 1 Dec 2026; 16 Dec (Wed) is a holiday: day 15 is Wed 23 Dec, not Tue 22 Dec.
    assert due_date_for(kind="application", registered_at=at(2026, 12, 1)) == date(2026, 12, 23)


def test_working_days_between_and_left():
    assert cal.working_days_between(date(2026, 11, 23), date(2026, 11, 27)) == 4
    assert cal.working_days_left(date(2026, 11, 27), date(2026, 11, 27)) == 0
    assert cal.working_days_left(date(2026, 11, 30), date(2026, 11, 27)) == 1  # over the weekend
    assert cal.working_days_left(date(2026, 11, 25), date(2026, 11, 27)) == -2
    # The Saturday after a Friday due date is already overdue.
    assert cal.working_days_left(date(2026, 11, 27), date(2026, 11, 28)) == -1


def test_counting_across_years_matches_stepping():
    start = date(2025, 12, 20)
    end = cal.add_working_days(start, 40)
    assert cal.working_days_between(start, end) == 40
    assert end.year == 2026


def test_redirect_limit_and_extension_limit():
    registered = at(2026, 11, 2)
    assert redirect_deadline(registered) == date(2026, 11, 5)
    assert extension_limit(registered) == date(2027, 1, 2)


@pytest.mark.django_db
def test_an_override_makes_a_saturday_a_working_day_and_moves_deadlines():
    before = due_date_for(kind="application", registered_at=at(2026, 11, 2))
    calendar_override_save(
        override=CalendarOverride(date=date(2026, 11, 14), is_working_day=True, decree_reference="№ 1 test")
    )
    assert get_calendar().is_working_day(date(2026, 11, 14))
    assert due_date_for(kind="application", registered_at=at(2026, 11, 2)) == date(2026, 11, 20)
    assert before == date(2026, 11, 23)


@pytest.mark.django_db
def test_an_override_makes_a_weekday_a_day_off_and_can_be_removed():
    override = calendar_override_save(override=CalendarOverride(date=date(2026, 11, 10), is_working_day=False))
    assert due_date_for(kind="application", registered_at=at(2026, 11, 2)) == date(2026, 11, 24)
    calendar_override_delete(override=override)
    assert due_date_for(kind="application", registered_at=at(2026, 11, 2)) == date(2026, 11, 23)


@pytest.mark.django_db
def test_administrators_are_warned_from_november_while_next_year_has_no_overrides():
    assert calendar_missing_next_year(date(2026, 10, 31)) is None
    assert calendar_missing_next_year(date(2026, 11, 1)) == 2027
    CalendarOverride.objects.create(date=date(2027, 1, 8), is_working_day=False)
    assert calendar_missing_next_year(date(2026, 11, 1)) is None
