"""Rebuild the dashboard's daily roll-ups: `manage.py rebuild_rollups [--since 2026-01-01] [--until …]`."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from appeals.calendar.workdays import local_today
from appeals.dashboard.rollups import rollups_rebuild
from appeals.management.arguments import iso_day
from appeals.models import ROLLUP_MODELS, Appeal


class Command(BaseCommand):
    help = "Rebuild the dashboard's daily roll-ups from the appeals (today is always computed live)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", type=iso_day, help="First day to rebuild (default: the first appeal's day, i.e. everything)."
        )
        parser.add_argument("--until", type=iso_day, help="Last day to rebuild (default and at most: yesterday).")

    def handle(self, *args, since=None, until=None, **options):
        today = local_today()
        yesterday = today - timedelta(days=1)
        if since is None:
            first = Appeal.objects.order_by("registered_at").values_list("registered_at", flat=True).first()
            since = timezone.localdate(first) if first else today
        until = min(until or yesterday, yesterday)
        if since > until:
            if since >= today:
                self.stdout.write("Nothing to rebuild: today is always computed live.")
                return
            raise CommandError("--since must not be after --until.")
        days = rollups_rebuild(start=since, end=until)
        if connection.vendor == "postgresql":
            # Fresh planner statistics for the rewritten tables (where autovacuum is off or not yet round).
            with connection.cursor() as cursor:
                for model in ROLLUP_MODELS:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.stdout.write(f"Rebuilt the roll-ups of {days} days from {since} to {until}.")
