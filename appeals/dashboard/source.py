"""The dashboard's readings of a subtree: its rolled-up history (appeals.dashboard.rollups) merged with the days
not rolled up yet, read live by the same `facts.collect`.

A reading is a fixed number of queries whatever the number of agencies or executors: every SQL aggregate is
grouped over the subtree's agencies (or the agency's executors), never run per agency or per person. What the
history gives is kept in the cache until the roll-ups or the rosters change (rollups_version, roster_version).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from agencies.models import Agency
from agencies.selectors import agency_subtree

from ..calendar.workdays import local_today
from ..desk.rosters import roster_cached, roster_version
from ..models import (
    ROLLUP_COUNTERS,
    Appeal,
    AppealAssigneeDurationRollup,
    AppealAssigneeRollup,
    AppealDailyRollup,
    AppealDurationRollup,
    AppealMonthlyDurationRollup,
    AppealMonthlyRollup,
    RollupDay,
)
from .facts import Collected, Key, collect
from .rollups import each_day, month_end, months_touching, rollups_version


def subtree_paths(root: Agency) -> dict[int, str]:
    """{agency id: path} of `root`'s subtree, root included, from the roster cache (changes to agencies renew it)."""
    return roster_cached(
        f"dashboard:subtree:{root.pk}:{root.path}",
        lambda: dict(agency_subtree(root).values_list("pk", "path")),
    )


def subtree_scope(root: Agency, field: str = "agency_id") -> Q:
    """The rows of `root`'s subtree by their agency (`field`): its agencies' ids, or no condition at all when the
    subtree holds every agency (the root of the only tree: a list of 3 000 ids would only cost its parsing)."""
    paths = subtree_paths(root)
    if len(paths) == roster_cached("dashboard:agencies", Agency.objects.count):
        return Q()
    return Q(**{f"{field}__in": sorted(paths)})


class Source:
    """Counters of an agency subtree from `since` to today: roll-ups where built, live elsewhere.

    Construction costs four queries at most (first appeal, built days, live appeals, live events); each `sums`
    or `durations` call then costs one SQL aggregate, grouped as asked.
    """

    def __init__(self, *, root: Agency, branches: list[Agency], since: date, today: date | None = None) -> None:
        self.root = root
        self.today = today or local_today()
        self.branches = {b.pk: b for b in branches}
        self._paths: dict[int, str] | None = None
        self.memo: dict = {}  # readings its users share within a request (appeals.listening.signals._escalations)
        # Nothing is counted before the first appeal's registration: those days need no reading at all.
        first = Appeal.objects.order_by("registered_at").values_list("registered_at", flat=True).first()
        # The first day with any appeal at all: the listening baselines take no period before it.
        self.first_day = timezone.localdate(first) if first else self.today
        since = max(since, self.first_day)
        built = set(RollupDay.objects.filter(day__gte=since, day__lt=self.today).values_list("day", flat=True))
        self.missing = {day for day in each_day(since, self.today) if day not in built}
        self.live = self._live() if self.missing else None

    def _live(self) -> Collected:
        """The live reading of the missing days, kept LIVE_CACHE_SECONDS in the cache (each key's counters as a
        plain dict: a Counter is read back from the cache several times slower)."""
        first = min(self.missing)
        ttl = int(settings.DASHBOARD.get("LIVE_CACHE_SECONDS", 0))
        if ttl <= 0:
            return collect(first, self.today, path=self.root.path, by_assignee=True)
        key = f"dashboard:live:v3:{self.root.path}:{first}:{self.today}:{len(self.missing)}"
        live = cache.get(key)
        if live is None:
            live = collect(first, self.today, path=self.root.path, by_assignee=True)
            live.counters = {key: dict(counter) for key, counter in live.counters.items()}
            cache.set(key, live, ttl)
        return live

    # --- grouping -----------------------------------------------------------------------------
    def branch_of(self, path: str) -> int:
        """The root's child whose subtree holds `path`, or the root itself (its own appeals)."""
        head = path[len(self.root.path) :].split("/", 1)[0]
        if head.isdigit() and int(head) in self.branches:
            return int(head)
        return self.root.pk

    def _live_dim(self, key: Key, name: str):
        if name == "branch":
            return self.branch_of(self.live.agency_paths.get(key.agency_id, ""))
        return getattr(key, name)

    @property
    def paths(self) -> dict[int, str]:
        """{agency id: path} of the subtree (subtree_paths). The roll-ups are read by these ids, not by a join on
        the path: PostgreSQL then walks the (agency, day) and (agency, month) indexes of the subtree's own agencies
        instead of every agency's rows of the period, and a branch is worked out here."""
        if self._paths is None:
            self._paths = subtree_paths(self.root)
        return self._paths

    def _scoped(self, model, condition: Q):
        return model.objects.filter(condition, subtree_scope(self.root))

    def split(self, start: date, end: date, *, by_day: bool = False) -> tuple[list[date], list[tuple[date, date]]]:
        """The rolled-up part of start..end (up to yesterday: today is live) as the whole calendar months in it
        (their first days: read from the monthly roll-ups) and the day ranges around them (from the daily ones).
        A month with a day not built is read by day. `by_day` (a reading grouped by day) takes days only."""
        last = min(end, self.today - timedelta(days=1))
        if start > last:
            return [], []
        months = [] if by_day else [m for m in months_touching(start, last) if m >= start and self._whole(m, last)]
        ranges, day = [], start
        for month in months:  # the days between and around the whole months
            if day < month:
                ranges.append((day, month - timedelta(days=1)))
            day = month_end(month) + timedelta(days=1)
        if day <= last:
            ranges.append((day, last))
        return months, ranges

    def _whole(self, month: date, last: date) -> bool:
        """A month inside the rolled-up span whose every day is built (a day not built is read live)."""
        end = month_end(month)
        return end <= last and not any(day in self.missing for day in each_day(month, end))

    def _read(
        self, daily, monthly, spans, group: tuple[str, ...], sums: tuple[str, ...], *, indexed: bool = False
    ) -> dict[tuple, tuple]:
        """The rolled-up history of `spans`, summed as the caller groups it: {(*group values): (the sums of `sums`,
        in their order)}, a branch worked out from each agency's path; with `indexed` the key starts with the index
        of the span in `spans` (disjoint spans). One SQL reading (a UNION ALL of the daily and the monthly roll-ups).

        The result is kept HISTORY_CACHE_SECONDS in the cache: it is history, which only a rebuild of the roll-ups
        changes (rollups_version), and the key holds the exact days and months read, the subtree, its branches and
        the rosters' version. Kept as grouped, not as the SQL's rows: the whole country's reading by branch is
        made of some 3 000 agencies' rows, a ministry's signals of some 10 000 (category, region, channel) rows,
        and a request then reads the few sums it shows instead of summing those rows again."""
        splits = [self.split(start, end, by_day="day" in group) for start, end in spans]
        ttl = int(settings.DASHBOARD.get("HISTORY_CACHE_SECONDS", 0))
        if ttl <= 0:
            return self._grouped(daily, monthly, splits, group, sums, indexed=indexed)
        identity = (daily.__name__, monthly.__name__, splits, group, sums, indexed, sorted(self.branches))
        digest = hashlib.sha256(repr(identity).encode()).hexdigest()[:32]
        key = f"dashboard:history:v2:{rollups_version()}:{roster_version()}:{self.root.pk}:{self.root.path}:{digest}"
        found = cache.get(key)
        if found is None:
            found = self._grouped(daily, monthly, splits, group, sums, indexed=indexed)
            cache.set(key, found, ttl)
        return found

    def _grouped(self, daily, monthly, splits, group: tuple[str, ...], sums: tuple[str, ...], *, indexed: bool):
        aggregates = {f"sum_{name}": Sum(name) for name in sums}
        names = [f"sum_{name}" for name in sums]
        grouped: dict[tuple, list] = {}
        for row in self._query(daily, monthly, splits, group, aggregates, indexed=indexed):
            if indexed and row["span"] < 0:
                continue
            key = (row["span"], *self._sql_key(row, group)) if indexed else self._sql_key(row, group)
            values = [row[name] or 0 for name in names]
            known = grouped.get(key)
            if known is None:
                grouped[key] = values
            else:
                for i, value in enumerate(values):
                    known[i] += value
        return {key: tuple(values) for key, values in grouped.items()}

    def _query(self, daily, monthly, splits, group: tuple[str, ...], aggregates: dict, *, indexed: bool):
        day_whens, month_whens, ranges, months = [], [], [], []
        for i, (span_months, span_ranges) in enumerate(splits):
            months += span_months
            ranges += span_ranges
            if span_months:
                month_whens.append(When(month__in=span_months, then=Value(i)))
            day_whens += [When(day__gte=lo, day__lte=hi, then=Value(i)) for lo, hi in span_ranges]
        days = reduce(or_, (Q(day__gte=lo, day__lte=hi) for lo, hi in ranges)) if ranges else None
        parts = []
        for model, whens, condition in (
            (daily, day_whens, days),
            (monthly, month_whens, Q(month__in=months) if months else None),
        ):
            if condition is None:
                continue
            qs = self._scoped(model, condition)
            names = tuple(dict.fromkeys("agency_id" if name == "branch" else name for name in group))
            if indexed:
                qs = qs.annotate(span=Case(*whens, default=Value(-1), output_field=IntegerField()))
                names = ("span", *names)
            parts.append(qs.values(*names).order_by().annotate(**aggregates))
        if not parts:
            return []
        return parts[0] if len(parts) == 1 else parts[0].union(parts[1], all=True)

    def _sql_key(self, row: dict, group: tuple[str, ...]) -> tuple:
        return tuple(
            self.branch_of(self.paths.get(row["agency_id"], "")) if name == "branch" else row[name] for name in group
        )

    # --- readings -----------------------------------------------------------------------------
    def sums(
        self, start: date, end: date, group: tuple[str, ...] = (), counters: tuple[str, ...] = ROLLUP_COUNTERS
    ) -> dict[tuple, Counter]:
        """{group values: Counter of `counters`} from `start` to `end` (only the counters asked are summed).

        `group` names among day, agency_id, category_id, region, channel, branch.
        """
        result: dict[tuple, Counter] = defaultdict(Counter)
        if start <= end and start < self.today:
            history = self._read(AppealDailyRollup, AppealMonthlyRollup, [(start, end)], group, counters)
            for key, values in history.items():
                result[key].update(dict(zip(counters, values, strict=True)))
        self._add_live(result, group, counters, {day for day in self.missing if start <= day <= end})
        return result

    def totals(self, start: date, end: date, group: tuple[str, ...], counters: tuple[str, ...]) -> dict[tuple, list]:
        """`sums` as plain numbers: {group values: [the sums of `counters`, in their order]}, for readings of
        thousands of keys (the whole country's bodies) where a Counter each would cost more than the sums."""
        result: dict[tuple, list] = {}
        if start <= end and start < self.today:
            history = self._read(AppealDailyRollup, AppealMonthlyRollup, [(start, end)], group, counters)
            result = {key: list(values) for key, values in history.items()}
        days = {day for day in self.missing if start <= day <= end}
        if self.live is not None and days:
            for key, counter in self.live.counters.items():
                if key.day in days:
                    dims = tuple(self._live_dim(key, name) for name in group)
                    values = result.setdefault(dims, [0] * len(counters))
                    for i, name in enumerate(counters):
                        values[i] += counter.get(name, 0)
        return result

    def counts_by_span(
        self,
        spans: list[tuple[date, date]],
        group: tuple[str, ...],
        counter: str = "received",
        *,
        history: bool = True,
        live: bool = True,
    ) -> dict[tuple, int]:
        """{(index of the span, *group values): sum of `counter`} for disjoint date spans, in one SQL aggregate (the
        span is a CASE over the day), merged with the live days as `sums` does (`history` or `live` False: without
        that part). Plain numbers, not a Counter a key: the signals read some 10 000 keys (category, region and
        channel over nine periods)."""
        result: dict[tuple, int] = {}
        spans = [(start, end) for start, end in spans]
        if not spans:
            return result
        first = min(start for start, _end in spans)
        if history and first < self.today:
            rows = self._read(AppealDailyRollup, AppealMonthlyRollup, spans, group, (counter,), indexed=True)
            result = {key: total for key, (total,) in rows.items()}
        index = {}
        for i, (start, end) in enumerate(spans):
            for day in self.missing:
                if start <= day <= end:
                    index[day] = i
        if live and self.live is not None and index:
            for key, counters in self.live.counters.items():
                if key.day in index:
                    dims = (index[key.day], *(self._live_dim(key, name) for name in group))
                    result[dims] = result.get(dims, 0) + counters.get(counter, 0)
        return result

    def history_memo(self, name: str, spans: list[tuple[date, date]], compute, *, depends=()):
        """compute(), kept in the cache as the history's readings are (HISTORY_CACHE_SECONDS, a key made of the same
        parts, and of `name` and `depends`): for what is worked out from the rolled-up history of `spans` alone
        (compute reads no live day), so that a request does not work it out again from thousands of sums."""
        ttl = int(settings.DASHBOARD.get("HISTORY_CACHE_SECONDS", 0))
        if ttl <= 0:
            return compute()
        splits = [self.split(start, end) for start, end in spans]
        digest = hashlib.sha256(repr((name, splits, sorted(self.branches), depends)).encode()).hexdigest()[:32]
        key = f"dashboard:derived:{rollups_version()}:{roster_version()}:{self.root.pk}:{self.root.path}:{digest}"
        found = cache.get(key)
        if found is None:
            found = compute()
            cache.set(key, found, ttl)
        return found

    def _add_live(self, result: dict, group: tuple[str, ...], counters: tuple[str, ...], days: set) -> None:
        """Add the live reading's counters of `days` to `result`, grouped by `group`."""
        if self.live is None or not days:
            return
        wanted = set(counters)
        for key, counter in self.live.counters.items():
            if key.day in days:
                result[tuple(self._live_dim(key, name) for name in group)].update(
                    {name: value for name, value in counter.items() if name in wanted}
                )

    def durations(self, start: date, end: date, group: tuple[str, ...] = ()) -> dict[tuple, Counter]:
        """{group values: Counter {working days to answer: appeals}}; group among day, agency_id, branch."""
        result: dict[tuple, Counter] = defaultdict(Counter)
        if start <= end and start < self.today:
            grouped = (*group, "working_days")
            totals = self._read(AppealDurationRollup, AppealMonthlyDurationRollup, [(start, end)], grouped, ("count",))
            for (*key, working_days), (total,) in totals.items():
                result[tuple(key)][working_days] += total
        if self.live is not None:
            for (day, agency_id, _who, days), count in self.live.durations.items():
                if start <= day <= end and day in self.missing:
                    key = Key(day, agency_id, None, "", "")
                    result[tuple(self._live_dim(key, name) for name in group)][days] += count
        return result

    def by_assignee(self, start: date, end: date) -> tuple[dict[int | None, Counter], dict[int | None, Counter]]:
        """The root agency's own appeals (not its subtree's) by executor, None for the unassigned:
        ({executor: Counter of the counters}, {executor: Counter {working days to answer: appeals}}).
        Two SQL aggregates whatever the number of executors."""
        counters: dict[int | None, Counter] = defaultdict(Counter)
        durations: dict[int | None, Counter] = defaultdict(Counter)
        if start <= end and start < self.today:
            last_built = min(end, self.today - timedelta(days=1))
            scope = {"agency_id": self.root.pk, "day__gte": start, "day__lte": last_built}
            rows = (
                AppealAssigneeRollup.objects.filter(**scope)
                .values("assignee_id")
                .order_by()
                .annotate(**{f"sum_{name}": Sum(name) for name in ROLLUP_COUNTERS})
            )
            for row in rows:
                sums = {name: row[f"sum_{name}"] or 0 for name in ROLLUP_COUNTERS}
                if any(sums.values()):  # rows emptied by moves to another executor are no one's numbers
                    counters[row["assignee_id"]].update(sums)
            rows = (
                AppealAssigneeDurationRollup.objects.filter(**scope)
                .values("assignee_id", "working_days")
                .order_by()
                .annotate(total=Sum("count"))
            )
            for row in rows:
                if row["total"]:
                    durations[row["assignee_id"]][row["working_days"]] += row["total"]
        if self.live is not None:
            for key, counter in self.live.counters.items():
                if key.agency_id == self.root.pk and start <= key.day <= end and key.day in self.missing:
                    counters[key.assignee_id].update(counter)
            for (day, agency_id, who, days), count in self.live.durations.items():
                if agency_id == self.root.pk and start <= day <= end and day in self.missing:
                    durations[who][days] += count
        return counters, durations
