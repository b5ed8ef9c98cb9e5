"""Matter matching over appeals already registered: `manage.py match_appeals [--since 2026-01-01]`.

The catch-up for appeals whose matching was never queued (a broker outage) or registered before matching
existed; safe to run twice (a link set or undone is left alone).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from appeals.listening.matching import appeals_match
from appeals.management.arguments import iso_day
from appeals.models import Appeal


class Command(BaseCommand):
    help = "Link repeats and escalations among appeals registered since a day (default: the last 7 days)."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=iso_day, help="First registration day to match (default: 7 days ago).")

    def handle(self, *args, since=None, **options):
        since = since or timezone.localdate() - timedelta(days=7)
        start = timezone.make_aware(datetime.combine(since, time.min))
        ids = (
            Appeal.objects.filter(registered_at__gte=start)
            .exclude(applicant_key="")
            .order_by("registered_at", "pk")
            .values_list("pk", flat=True)
        )
        report = appeals_match(appeal_ids=ids.iterator(chunk_size=5000))
        self.stdout.write(
            f"Checked {report.checked} appeals since {since}: {report.repeats} repeats and "
            f"{report.escalations} escalations linked."
        )
