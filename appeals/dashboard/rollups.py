"""The daily roll-ups: build them from the appeals, and read them merged with the days not rolled up.

History comes from AppealDailyRollup / AppealDurationRollup (days marked in RollupDay); today, and
any day the nightly task has not built yet, are computed live by the same `facts.collect`. A reading
is a fixed number of queries whatever the number of agencies: every SQL aggregate is grouped over
the subtree's path prefix, never run per agency.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import CharField, Sum, Value
from django.db.models.functions import Concat, StrIndex, Substr
from django.utils import timezone

from agencies.models import Agency

from ..calendar import local_today
from ..models import ROLLUP_COUNTERS, Appeal, AppealDailyRollup, AppealDurationRollup, RollupDay
from .facts import Collected, Key, collect

_CHUNK_DAYS = 31
_BATCH = 2000


def branch_head(root: Agency, prefix: str = "agency__"):
    """SQL: the first segment of the agency's path below `root` (the id of the root's child whose subtree
    holds it, as text), or "" for the root's own rows; Source.branch_key turns it into an id.

    One expression whatever the number of branches (a CASE over every child's path prefix cost more to
    compile than to run). Only for rows already narrowed to the root's subtree.
    """
    rest = Concat(Substr(f"{prefix}path", len(root.path) + 1), Value("/"), output_field=CharField())
    return Substr(rest, 1, StrIndex(rest, Value("/")) - 1, output_field=CharField())


def _days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def rollups_rebuild(*, start: date, end: date | None = None) -> int:
    """Rebuild the roll-ups of `start`..`end` (at most yesterday: today is always live); returns the days built.

    Safe to run twice, and readers never see a half-built day: each chunk of days is replaced in one
    transaction. (Two runs over the same days at the same moment: the later one fails on the unique
    constraint and leaves the other's rows.)
    """
    yesterday = local_today() - timedelta(days=1)
    end = min(end or yesterday, yesterday)
    built = 0
    chunk_start = start
    while chunk_start <= end:
        chunk_end = min(chunk_start + timedelta(days=_CHUNK_DAYS - 1), end)
        with transaction.atomic():
            collected = collect(chunk_start, chunk_end)
            AppealDailyRollup.objects.filter(day__gte=chunk_start, day__lte=chunk_end).delete()
            AppealDurationRollup.objects.filter(day__gte=chunk_start, day__lte=chunk_end).delete()
            RollupDay.objects.filter(day__gte=chunk_start, day__lte=chunk_end).delete()
            AppealDailyRollup.objects.bulk_create(
                (
                    AppealDailyRollup(
                        day=key.day,
                        agency_id=key.agency_id,
                        category_id=key.category_id,
                        region=key.region,
                        channel=key.channel,
                        **{name: counter.get(name, 0) for name in ROLLUP_COUNTERS},
                    )
                    for key, counter in collected.counters.items()
                ),
                batch_size=_BATCH,
            )
            AppealDurationRollup.objects.bulk_create(
                (
                    AppealDurationRollup(day=day, agency_id=agency_id, working_days=min(days, 32767), count=count)
                    for (day, agency_id, _who, days), count in collected.durations.items()
                ),
                batch_size=_BATCH,
            )
            now = timezone.now()
            RollupDay.objects.bulk_create(RollupDay(day=day, built_at=now) for day in _days(chunk_start, chunk_end))
        built += (chunk_end - chunk_start).days + 1
        chunk_start = chunk_end + timedelta(days=1)
    return built


def rollups_refresh(*, days: int, today: date | None = None) -> int:
    """The nightly run: rebuild the last `days` days before today (reopened appeals change the past)."""
    today = today or local_today()
    return rollups_rebuild(start=today - timedelta(days=max(1, days)), end=today - timedelta(days=1))


class Source:
    """Counters of an agency subtree from `since` to today: roll-ups where built, live elsewhere.

    Construction costs four queries at most (first appeal, built days, live appeals, live events); each `sums`
    or `durations` call then costs one SQL aggregate, grouped as asked.
    """

    def __init__(self, *, root: Agency, branches: list[Agency], since: date, today: date | None = None) -> None:
        self.root = root
        self.today = today or local_today()
        self.branches = {b.pk: b for b in branches}
        # Nothing is counted before the first appeal's registration: those days need no reading at all.
        first = Appeal.objects.order_by("registered_at").values_list("registered_at", flat=True).first()
        since = max(since, timezone.localdate(first)) if first else self.today
        built = set(RollupDay.objects.filter(day__gte=since, day__lt=self.today).values_list("day", flat=True))
        self.missing = {day for day in _days(since, self.today) if day not in built}
        self.live = self._live() if self.missing else None

    def _live(self) -> Collected:
        """The live reading of the missing days, kept LIVE_CACHE_SECONDS in the cache."""
        first = min(self.missing)
        ttl = int(settings.DASHBOARD.get("LIVE_CACHE_SECONDS", 0))
        if ttl <= 0:
            return collect(first, self.today, path=self.root.path)
        key = f"dashboard:live:{self.root.path}:{first}:{self.today}:{len(self.missing)}"
        live = cache.get(key)
        if live is None:
            live = collect(first, self.today, path=self.root.path)
            cache.set(key, live, ttl)
        return live

    # --- grouping -----------------------------------------------------------------------------
    def branch_of(self, path: str) -> int:
        """The root's child whose subtree holds `path`, or the root itself (its own appeals)."""
        head = path[len(self.root.path) :].split("/", 1)[0]
        if head.isdigit() and int(head) in self.branches:
            return int(head)
        return self.root.pk

    def branch_key(self, head: str | None) -> int:
        """The branch of a `branch_head` value read from SQL."""
        if head and head.isdigit() and int(head) in self.branches:
            return int(head)
        return self.root.pk

    def _live_dim(self, key: Key, name: str):
        if name == "branch":
            return self.branch_of(self.live.agency_paths.get(key.agency_id, ""))
        return getattr(key, name)

    def _sql(self, model, start: date, end: date, group: tuple[str, ...]):
        last_built = min(end, self.today - timedelta(days=1))
        qs = model.objects.filter(agency__path__startswith=self.root.path, day__gte=start, day__lte=last_built)
        if "branch" in group:
            qs = qs.annotate(branch=branch_head(self.root))
        return qs.values(*group).order_by()

    def _sql_key(self, row: dict, group: tuple[str, ...]) -> tuple:
        return tuple(self.branch_key(row[name]) if name == "branch" else row[name] for name in group)

    # --- readings -----------------------------------------------------------------------------
    def sums(
        self, start: date, end: date, group: tuple[str, ...] = (), counters: tuple[str, ...] = ROLLUP_COUNTERS
    ) -> dict[tuple, Counter]:
        """{group values: Counter of `counters`} from `start` to `end` (only the counters asked are summed).

        `group` names among day, agency_id, category_id, region, channel, branch.
        """
        result: dict[tuple, Counter] = defaultdict(Counter)
        if start <= end and start < self.today:
            rows = self._sql(AppealDailyRollup, start, end, group).annotate(
                **{f"sum_{name}": Sum(name) for name in counters}
            )
            for row in rows:
                key = self._sql_key(row, group)
                result[key].update({name: row[f"sum_{name}"] or 0 for name in counters})
        if self.live is not None:
            wanted = set(counters)
            for key, counter in self.live.counters.items():
                if start <= key.day <= end and key.day in self.missing:
                    result[tuple(self._live_dim(key, name) for name in group)].update(
                        {name: value for name, value in counter.items() if name in wanted}
                    )
        return result

    def durations(self, start: date, end: date, group: tuple[str, ...] = ()) -> dict[tuple, Counter]:
        """{group values: Counter {working days to answer: appeals}}; group among day, agency_id, branch."""
        result: dict[tuple, Counter] = defaultdict(Counter)
        if start <= end and start < self.today:
            rows = self._sql(AppealDurationRollup, start, end, (*group, "working_days")).annotate(total=Sum("count"))
            for row in rows:
                result[self._sql_key(row, group)][row["working_days"]] += row["total"]
        if self.live is not None:
            for (day, agency_id, _who, days), count in self.live.durations.items():
                if start <= day <= end and day in self.missing:
                    key = Key(day, agency_id, None, "", "")
                    result[tuple(self._live_dim(key, name) for name in group)][days] += count
        return result
