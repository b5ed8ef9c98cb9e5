"""Rebuild the dashboard's daily roll-ups: `manage.py rebuild_rollups --since 2026-01-01 [--until …]`."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from appeals.calendar import local_today
from appeals.dashboard.rollups import rollups_rebuild


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Rebuild the dashboard's daily roll-ups from the appeals (today is always computed live)."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_day, help="First day to rebuild (default: 30 days ago).")
        parser.add_argument("--until", type=_day, help="Last day to rebuild (default and at most: yesterday).")

    def handle(self, *args, since=None, until=None, **options):
        today = local_today()
        since = since or today - timedelta(days=30)
        until = until or today - timedelta(days=1)
        if since > until:
            raise CommandError("--since must not be after --until (and today is never rolled up: it is live).")
        days = rollups_rebuild(start=since, end=until)
        self.stdout.write(
            f"Rebuilt the roll-ups of {days} days from {since} to {min(until, today - timedelta(days=1))}."
        )
