"""The daily roll-ups: build them from the appeals (appeals.dashboard.source reads them).

History comes from AppealDailyRollup / AppealDurationRollup (days marked in RollupDay) and their monthly sums,
and the staff table's from AppealAssigneeRollup / AppealAssigneeDurationRollup; today, and any day the nightly
task has not built yet, are computed live by the same `facts.collect` (appeals.dashboard.source).

Writers of the roll-up rows hold a lock (PostgreSQL advisory locks; SQLite has one writer anyway): a
rebuild excludes everyone, a move of one appeal's counts between executors excludes the moves of the
same agency. So a rebuild never reads an executor that a move is changing, and no row is written twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from ..calendar.workdays import local_today
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
from .facts import collect

_CHUNK_DAYS = 31
_BATCH = 2000
# PostgreSQL advisory lock keys of the roll-up writers (any constants unused elsewhere).
_LOCK_ALL = 7_150_401
_LOCK_AGENCY = 7_150_402
_EARLIEST = date(2000, 1, 1)
_VERSION_KEY = "rollups:version"
_MAX_WORKING_DAYS = 32767  # PositiveSmallIntegerField


def _lock_all() -> None:
    """Exclude every other writer of the roll-ups until the transaction ends (the rebuild)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ALL])


def _lock_agency(agency_id: int) -> None:
    """Wait for a running rebuild, then exclude the moves of the same agency until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(%s), pg_advisory_xact_lock(%s, %s)",
                [_LOCK_ALL, _LOCK_AGENCY, agency_id],
            )


def rollups_version() -> int:
    """A number that every rebuild of the roll-ups changes (the cache of the history's readings keys on it)."""
    return cache.get_or_set(_VERSION_KEY, 0, None)


def _rollups_changed() -> None:
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:  # not in the cache (yet, or any more): readings keyed on the old number are not used
        cache.set(_VERSION_KEY, 1, None)


def each_day(start: date, end: date):
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
            _lock_all()
            collected = collect(chunk_start, chunk_end, by_assignee=True)
            for model in (AppealDailyRollup, AppealDurationRollup, AppealAssigneeRollup, AppealAssigneeDurationRollup):
                model.objects.filter(day__gte=chunk_start, day__lte=chunk_end).delete()
            RollupDay.objects.filter(day__gte=chunk_start, day__lte=chunk_end).delete()
            daily: dict[tuple, Counter] = defaultdict(Counter)
            by_assignee: dict[tuple, Counter] = defaultdict(Counter)
            for key, counter in collected.counters.items():
                daily[(key.day, key.agency_id, key.category_id, key.region, key.channel)].update(counter)
                by_assignee[(key.day, key.agency_id, key.assignee_id)].update(counter)
            durations: Counter = Counter()
            for (day, agency_id, _who, days), count in collected.durations.items():
                durations[(day, agency_id, days)] += count
            # Written agency by agency, day by day: a subtree's period is then read from a few runs of
            # adjacent rows (pages) rather than from one page per row.
            daily = dict(sorted(daily.items(), key=lambda item: (item[0][1], item[0][0])))
            by_assignee = dict(sorted(by_assignee.items(), key=lambda item: (item[0][1], item[0][0])))
            durations = Counter(dict(sorted(durations.items(), key=lambda item: (item[0][1], item[0][0]))))
            assignee_durations = sorted(collected.durations.items(), key=lambda item: (item[0][1], item[0][0]))
            _write(
                AppealDailyRollup,
                ("day", "agency_id", "category_id", "region", "channel", *ROLLUP_COUNTERS),
                ((*key, *(counter.get(name, 0) for name in ROLLUP_COUNTERS)) for key, counter in daily.items()),
            )
            _write(
                AppealDurationRollup,
                ("day", "agency_id", "working_days", "count"),
                (
                    (day, agency_id, min(days, _MAX_WORKING_DAYS), count)
                    for (day, agency_id, days), count in durations.items()
                ),
            )
            _write(
                AppealAssigneeRollup,
                ("day", "agency_id", "assignee_id", *ROLLUP_COUNTERS),
                ((*key, *(counter.get(name, 0) for name in ROLLUP_COUNTERS)) for key, counter in by_assignee.items()),
            )
            _write(
                AppealAssigneeDurationRollup,
                ("day", "agency_id", "assignee_id", "working_days", "count"),
                (
                    (day, agency_id, who, min(days, _MAX_WORKING_DAYS), count)
                    for (day, agency_id, who, days), count in assignee_durations
                ),
            )
            now = timezone.now()
            RollupDay.objects.bulk_create(RollupDay(day=day, built_at=now) for day in each_day(chunk_start, chunk_end))
            rollups_months_rebuild(months_touching(chunk_start, chunk_end))
            # Kept readings of the history are stale once this commits (other processes), and at once for this
            # connection, which already sees the new rows (inside a caller's transaction, too).
            transaction.on_commit(_rollups_changed)
        _rollups_changed()
        built += (chunk_end - chunk_start).days + 1
        chunk_start = chunk_end + timedelta(days=1)
    return built


def _write(model, columns: tuple[str, ...], rows) -> None:
    """Insert `rows` (tuples in the order of `columns`, attribute names): with COPY on PostgreSQL, where a full
    rebuild writes millions of rows and Django's bulk_create spent most of its time preparing them."""
    if connection.vendor == "postgresql":
        names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    model.objects.bulk_create((model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=_BATCH)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def months_touching(start: date, end: date) -> list[date]:
    """The first days of the calendar months that `start`..`end` touches."""
    months, month = [], month_start(start)
    while month <= end:
        months.append(month)
        month = month_end(month) + timedelta(days=1)
    return months


def _monthly_sql(table: str, source: str, keys: tuple[str, ...], sums: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in (*keys, *sums))
    grouped = ", ".join(quote(c) for c in keys)
    summed = ", ".join(f"SUM({quote(c)})" for c in sums)
    # Identifiers from the models' metadata, quoted; the values are parameters.
    insert = f"INSERT INTO {quote(table)} ({quote('month')}, {columns}) "
    select = f"SELECT %s, {grouped}, {summed} FROM {quote(source)} "  # noqa: S608
    where = f"WHERE {quote('day')} >= %s AND {quote('day')} <= %s GROUP BY {grouped}"
    return insert + select + where


def rollups_months_rebuild(months: list[date]) -> None:
    """Recompute the monthly roll-ups of these months (first days) from their daily rows: two statements a
    month, inside the caller's transaction (the rebuild's, which holds the writers' lock)."""
    if not months:
        return
    daily = AppealDailyRollup._meta
    durations = AppealDurationRollup._meta
    counters = tuple(daily.get_field(name).column for name in ROLLUP_COUNTERS)
    dims = tuple(daily.get_field(name).column for name in ("agency", "category", "region", "channel"))
    AppealMonthlyRollup.objects.filter(month__in=months).delete()
    AppealMonthlyDurationRollup.objects.filter(month__in=months).delete()
    with connection.cursor() as cursor:
        for month in months:
            span = [month, month, month_end(month)]
            cursor.execute(_monthly_sql(AppealMonthlyRollup._meta.db_table, daily.db_table, dims, counters), span)
            cursor.execute(
                _monthly_sql(
                    AppealMonthlyDurationRollup._meta.db_table,
                    durations.db_table,
                    (durations.get_field("agency").column, "working_days"),
                    ("count",),
                ),
                span,
            )


def rollups_refresh(*, days: int, today: date | None = None) -> int:
    """The nightly run: rebuild the last `days` days before today (reopened appeals change the past)."""
    today = today or local_today()
    return rollups_rebuild(start=today - timedelta(days=max(1, days)), end=today - timedelta(days=1))


def rollups_reassign(*, appeal: Appeal, previous_id: int | None, assignee_id: int | None) -> None:
    """Move the appeal's counts of rolled-up days from its previous executor to the new one.

    Called by the services that change an appeal's executor, inside their transaction: the staff table
    then gives each executor what the live reading and the queue's executor filter give. A handful of
    queries (the appeal's days with something counted: usually none or one).
    """
    if previous_id == assignee_id:
        return
    yesterday = local_today() - timedelta(days=1)
    _lock_agency(appeal.agency_id)
    collected = collect(_EARLIEST, yesterday, appeal_id=appeal.pk)
    days = {key.day for key in collected.counters} | {day for day, *_rest in collected.durations}
    if not days:
        return
    built = set(RollupDay.objects.filter(day__in=sorted(days)).values_list("day", flat=True))
    moves: dict[tuple, Counter] = defaultdict(Counter)
    for key, counter in collected.counters.items():
        if key.day in built:
            moves[(key.day, key.agency_id)].update(counter)
    for (day, agency_id), counter in sorted(moves.items()):
        values = {name: counter[name] for name in ROLLUP_COUNTERS if counter.get(name)}
        if values:
            _move_row(AppealAssigneeRollup, {"day": day, "agency_id": agency_id}, values, previous_id, assignee_id)
    for (day, agency_id, _who, days_to_answer), count in sorted(collected.durations.items()):
        if day in built:
            row = {"day": day, "agency_id": agency_id, "working_days": min(days_to_answer, _MAX_WORKING_DAYS)}
            _move_row(AppealAssigneeDurationRollup, row, {"count": count}, previous_id, assignee_id)


def _move_row(model, row: dict, values: dict, previous_id: int | None, assignee_id: int | None) -> None:
    # Never below zero: a roll-up that missed a change made outside the services is put right by a rebuild.
    model.objects.filter(**row, assignee_id=previous_id).update(
        **{name: Greatest(F(name) - value, 0) for name, value in values.items()}
    )
    if not model.objects.filter(**row, assignee_id=assignee_id).update(
        **{name: F(name) + value for name, value in values.items()}
    ):
        model.objects.create(**row, assignee_id=assignee_id, **values)
