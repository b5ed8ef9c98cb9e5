"""The monthly roll-ups: whole calendar months are read from one row a month, always the sum of their days."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import F, Sum

from appeals.dashboard.source import Source
from appeals.models import AppealDailyRollup, AppealDurationRollup, AppealMonthlyDurationRollup, AppealMonthlyRollup

from ..factories import AppealFactory
from .conftest import TODAY, at
from .test_rollups import numbers

pytestmark = pytest.mark.django_db


def source(root, **missing) -> Source:
    built = Source(root=root, branches=[], since=date(2025, 1, 1), today=TODAY)
    built.missing = set(missing.get("days", ()))
    return built


def test_a_span_is_read_as_its_whole_months_and_the_days_around_them(ministry):
    whole = source(ministry)
    # 14 January to today (15 April, read live): February and March whole, the rest by day up to yesterday.
    assert whole.split(date(2026, 1, 14), date(2026, 4, 15)) == (
        [date(2026, 2, 1), date(2026, 3, 1)],
        [(date(2026, 1, 14), date(2026, 1, 31)), (date(2026, 4, 1), date(2026, 4, 14))],
    )
    assert whole.split(date(2026, 3, 1), date(2026, 3, 31)) == ([date(2026, 3, 1)], [])
    assert whole.split(date(2026, 3, 2), date(2026, 3, 31)) == ([], [(date(2026, 3, 2), date(2026, 3, 31))])
    assert whole.split(date(2026, 3, 1), date(2026, 3, 30)) == ([], [(date(2026, 3, 1), date(2026, 3, 30))])
    assert whole.split(date(2026, 4, 15), date(2026, 4, 30)) == ([], [])
    # A chart by day never takes months.
    assert whole.split(date(2026, 3, 1), date(2026, 3, 31), by_day=True) == (
        [],
        [(date(2026, 3, 1), date(2026, 3, 31))],
    )
    # A month with a day not rolled up (read live) is read by day, and nothing between the months is lost.
    gap = source(ministry, days=[date(2026, 2, 10)])
    assert gap.split(date(2026, 1, 1), date(2026, 3, 31)) == (
        [date(2026, 1, 1), date(2026, 3, 1)],
        [(date(2026, 2, 1), date(2026, 2, 28))],
    )


def test_a_rebuild_keeps_each_month_the_sum_of_its_days(march, ministry, district):
    call_command("rebuild_rollups", "--since", "2025-09-01")
    for daily, monthly, column in (
        (AppealDailyRollup, AppealMonthlyRollup, "received"),
        (AppealDurationRollup, AppealMonthlyDurationRollup, "count"),
    ):
        by_day = daily.objects.filter(day__gte=date(2026, 3, 1), day__lte=date(2026, 3, 31))
        assert by_day.aggregate(n=Sum(column))["n"] > 0
        assert monthly.objects.filter(month=date(2026, 3, 1)).aggregate(n=Sum(column)) == by_day.aggregate(
            n=Sum(column)
        )
    # One day rebuilt after a late change: its month follows.
    before = AppealMonthlyRollup.objects.filter(month=date(2026, 3, 1)).aggregate(n=Sum("received"))["n"]
    AppealFactory(agency=district, registered_at=at(2026, 3, 17))
    call_command("rebuild_rollups", "--since", "2026-03-17", "--until", "2026-03-17")
    assert AppealMonthlyRollup.objects.filter(month=date(2026, 3, 1)).aggregate(n=Sum("received"))["n"] == before + 1


def test_whole_months_come_from_the_monthly_rows_and_agree_with_the_live_reading(march, ministry, district):
    AppealFactory(agency=district, registered_at=at(2026, 2, 10))
    live_year = numbers(ministry, start=date(2025, 5, 1), end=date(2026, 4, 15))
    live_march = numbers(ministry, start=date(2026, 3, 1), end=date(2026, 3, 31))
    call_command("rebuild_rollups", "--since", "2025-09-01")
    assert numbers(ministry, start=date(2025, 5, 1), end=date(2026, 4, 15)) == live_year
    assert numbers(ministry, start=date(2026, 3, 1), end=date(2026, 3, 31)) == live_march
    # Proof that March is read from its monthly rows: a change to them shows in March, not in a span of days.
    AppealMonthlyRollup.objects.filter(month=date(2026, 3, 1)).update(received=F("received") + 100)
    assert numbers(ministry, start=date(2026, 3, 1), end=date(2026, 3, 31))["total"]["received"] == (
        live_march["total"]["received"] + 100 * AppealMonthlyRollup.objects.filter(month=date(2026, 3, 1)).count()
    )
    assert (
        numbers(ministry, start=date(2026, 3, 2), end=date(2026, 3, 31))["total"]["received"]
        <= (live_march["total"]["received"])
    )


def test_the_history_read_is_kept_until_the_roll_ups_are_rebuilt(settings, march, ministry, district):
    settings.DASHBOARD = {**settings.DASHBOARD, "HISTORY_CACHE_SECONDS": 600}
    call_command("rebuild_rollups", "--since", "2025-09-01")
    march_numbers = numbers(ministry, start=date(2026, 3, 1), end=date(2026, 3, 31))
    # A change behind the roll-ups' back (e.g. a row edited by hand) is not read again while the cache holds...
    AppealMonthlyRollup.objects.filter(month=date(2026, 3, 1)).update(received=F("received") + 100)
    assert numbers(ministry, start=date(2026, 3, 1), end=date(2026, 3, 31)) == march_numbers
    # ...and a rebuild of any day makes every kept reading stale: a late appeal of 17 March shows at once.
    AppealFactory(agency=district, registered_at=at(2026, 3, 17))
    call_command("rebuild_rollups", "--since", "2026-03-17", "--until", "2026-03-17")
    after = numbers(ministry, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert after["total"]["received"] == march_numbers["total"]["received"] + 1
