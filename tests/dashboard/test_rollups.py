"""The roll-ups give the same numbers as the live reading; the command and the nightly task build them."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from appeals.dashboard.build import LeagueSort, dashboard_build
from appeals.dashboard.periods import period_for
from appeals.listening.signals import KINDS
from appeals.models import AppealDailyRollup, AppealDurationRollup, RollupDay
from appeals.tasks import dashboard_rollups_refresh_task

from ..factories import AppealFactory
from .conftest import MARCH, TODAY, at

pytestmark = pytest.mark.django_db


def numbers(root, kind="custom", **dates):
    period = period_for(kind, today=TODAY, **dates)
    data = dashboard_build(root=root, period=period, today=TODAY, sort=LeagueSort())
    return {
        "total": data["total"].values,
        "previous": data["total"].previous,
        "rows": {row.agency.pk: row.values for row in data["rows"]},
        "weekly": data["weekly_table"],
        "signals": [
            (s.kind, s.category_id, s.region, s.agency_id, s.channel, s.count, s.baseline)
            for kind in KINDS
            for s in data["signals"][kind]
        ],
    }


def test_rolled_up_history_gives_the_same_numbers_as_the_live_reading(march, ministry, agency, district):
    AppealFactory(agency=district, registered_at=at(2026, 3, 10))
    AppealFactory(agency=district, registered_at=at(2026, 4, 15, 9))  # today: always live
    for root in (ministry, agency):
        live = numbers(root, start=date(2026, 3, 1), end=date(2026, 4, 15))
        call_command("rebuild_rollups", "--since", "2025-09-01")
        assert RollupDay.objects.filter(day=date(2026, 4, 14)).exists()
        assert not RollupDay.objects.filter(day=TODAY).exists()
        assert AppealDailyRollup.objects.filter(day=date(2026, 3, 2)).exists()
        assert AppealDurationRollup.objects.exists()
        assert numbers(root, start=date(2026, 3, 1), end=date(2026, 4, 15)) == live
        RollupDay.objects.all().delete()
        AppealDailyRollup.objects.all().delete()
        AppealDurationRollup.objects.all().delete()


def test_the_dashboard_reads_history_from_the_roll_up(client, supervisor, march):
    call_command("rebuild_rollups", "--since", "2026-01-01")
    # A row changed behind the roll-up's back is not seen until the day is rebuilt: history comes from it.
    march["A5"].__class__.objects.filter(pk=march["A5"].pk).update(registered_at=at(2026, 1, 5))
    client.force_login(supervisor)
    assert client.get(reverse("appeals:dashboard"), MARCH).context["total"].values["received"] == 7
    call_command("rebuild_rollups", "--since", "2026-03-01")
    assert client.get(reverse("appeals:dashboard"), MARCH).context["total"].values["received"] == 6


def test_rebuilding_twice_writes_the_same_rows(march):
    call_command("rebuild_rollups", "--since", "2026-02-01", "--until", "2026-03-31")
    first = sorted(AppealDailyRollup.objects.values_list("day", "agency_id", "received", "closed"))
    call_command("rebuild_rollups", "--since", "2026-02-01", "--until", "2026-03-31")
    assert sorted(AppealDailyRollup.objects.values_list("day", "agency_id", "received", "closed")) == first
    assert RollupDay.objects.count() == 59


def test_the_command_refuses_bad_dates(frozen, db):
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", "--since", "2026-04-10", "--until", "2026-04-01")
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", "--since", "yesterday")


def test_the_nightly_task_rebuilds_the_last_days(march, settings):
    settings.DASHBOARD = {**settings.DASHBOARD, "ROLLUP_REFRESH_DAYS": 3}
    assert dashboard_rollups_refresh_task() == 3
    assert sorted(RollupDay.objects.values_list("day", flat=True)) == [
        date(2026, 4, 12),
        date(2026, 4, 13),
        date(2026, 4, 14),
    ]
    assert "dashboard-rollups" in settings.CELERY_BEAT_SCHEDULE


def test_the_live_reading_is_cached_briefly_when_configured(client, supervisor, frozen, agency, settings):
    from django.core.cache import cache

    cache.clear()
    settings.DASHBOARD = {**settings.DASHBOARD, "LIVE_CACHE_SECONDS": 60}
    call_command("rebuild_rollups")
    AppealFactory(agency=agency, registered_at=at(2026, 4, 15, 9))
    client.force_login(supervisor)
    url = reverse("appeals:dashboard")
    assert client.get(url, {"period": "week"}).context["total"].values["received"] == 1
    AppealFactory(agency=agency, registered_at=at(2026, 4, 15, 10))
    assert client.get(url, {"period": "week"}).context["total"].values["received"] == 1  # within the minute
    cache.clear()
    assert client.get(url, {"period": "week"}).context["total"].values["received"] == 2
