"""The signals for display: their categories and agencies, and the newest appeals behind each pair signal.

signals_for reads a subtree's signals and describes them (the API and the weekly email); the dashboard describes
those it read through its own Source (appeals.dashboard.build).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import F, Q, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber

from agencies.models import Agency, Category

from ..dashboard.facts import local_bounds
from ..dashboard.periods import Period
from ..dashboard.source import Source, subtree_scope
from ..models import Appeal
from .signals import PAIR_KINDS, Signal, Signals, signals_read, signals_since

# What the dashboard shows of the newest appeals behind a pair signal (templates/dashboard/_appeal_list.html).
LISTED_FIELDS = ("number", "registered_at", "subject", "category_id", "region", "agency__name_kk", "agency__name_ru")


def signals_describe(found: Signals, *, listed: int = 0, bodies: int | None = None) -> Signals:
    """Attach categories and agencies (two queries) and, with `listed`, the newest appeals behind each pair
    signal (one query). With `bodies`, only the first `bodies` signals of each body's kind (repeat, escalation)
    get their agency: the dashboard lists ten, of the 600 bodies with repeats the whole country may have."""
    signals = found.signals
    described = signals
    if bodies is not None:
        seen: Counter = Counter()
        described = []
        for signal in signals:
            if signal.kind in PAIR_KINDS or seen[signal.kind] < bodies:
                described.append(signal)
                seen[signal.kind] += 1
    categories = Category.objects.in_bulk({s.category_id for s in described if s.category_id})
    agencies = Agency.objects.in_bulk({s.agency_id for s in described if s.agency_id})
    for signal in described:
        signal.category = categories.get(signal.category_id)
        signal.agency = agencies.get(signal.agency_id)
    if listed:
        pairs = [s for s in signals if s.kind in PAIR_KINDS]
        newest = _newest_by_pair(found.root, found.period, pairs, listed)
        for signal in pairs:
            signal.appeals = newest.get(signal.pair, [])
    return found


def _newest_by_pair(root: Agency, period: Period, pairs: list[Signal], limit: int) -> dict[tuple, list[Appeal]]:
    """The `limit` newest appeals of each pair signal's (category, region) in its dates, newest first: one query."""
    if not pairs:
        return {}
    dates: dict[tuple, list[tuple[datetime, datetime]]] = defaultdict(list)
    for signal in pairs:
        lo, hi = local_bounds(signal.since, signal.until)
        dates[signal.pair].append((lo, hi))
    scope = subtree_scope(root)  # as signals_read's
    rows = (
        Appeal.objects.filter(pk__in=_newest_ids(scope, dates, limit))
        .select_related("agency")
        .only(*LISTED_FIELDS)
        .order_by("-registered_at", "-pk")
    )
    listed: dict[tuple, list[Appeal]] = defaultdict(list)
    for appeal in rows:
        listed[(appeal.category_id, appeal.region)].append(appeal)
    return listed


def _newest_ids(scope: Q, dates: dict[tuple, list[tuple[datetime, datetime]]], limit: int):
    """A subquery of the ids of the `limit` newest appeals in `scope` of each (category, region) in its dates.

    They are ranked by a window over the pairs' appeals, on the few columns the ranking needs. For the whole tree
    (no condition on the agency: each appeal of a pair is one of its newest until `limit` are found) PostgreSQL
    reads each pair's newest backwards through appeal_pair_registered instead, `limit` rows a pair, where the
    window ranked some 13 000 appeals of the country's month; in a subtree a pair may have none of its appeals, and
    that backwards reading would then go through all of the pair's."""
    if not scope and connection.vendor == "postgresql" and all(len(spans) == 1 for spans in dates.values()):
        return _newest_ids_lateral(dates, limit)
    wanted = reduce(
        or_,
        (
            Q(category_id=category_id, region=region, registered_at__gte=lo, registered_at__lt=hi)
            for (category_id, region), spans in dates.items()
            for lo, hi in spans
        ),
    )
    rank = Window(
        RowNumber(),
        partition_by=[F("category_id"), F("region")],
        order_by=[F("registered_at").desc(), F("pk").desc()],
    )
    return Appeal.objects.filter(scope, wanted).annotate(pair_rank=rank).filter(pair_rank__lte=limit).values("pk")


def _newest_ids_lateral(dates: dict[tuple, list[tuple[datetime, datetime]]], limit: int) -> RawSQL:
    """_newest_ids of the whole tree in PostgreSQL: a LATERAL join of the pairs (a VALUES list: nothing for the ORM
    to build and compile per pair) with each pair's `limit` newest."""
    meta = Appeal._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    column = {name: quote(meta.get_field(name).column) for name in ("id", "category", "region", "registered_at")}
    rows, params = [], []
    for (category_id, region), ((lo, hi),) in dates.items():
        rows.append("(%s::bigint, %s::text, %s::timestamptz, %s::timestamptz)")
        params += [category_id, region, lo, hi]
    # Identifiers from the model's metadata, quoted; every value is a parameter.
    sql = (
        f"SELECT newest.id FROM (VALUES {', '.join(rows)}) AS pair (category_id, region, lo, hi) "  # noqa: S608
        f"CROSS JOIN LATERAL (SELECT a.{column['id']} AS id FROM {table} a "
        f"WHERE a.{column['category']} = pair.category_id AND a.{column['region']} = pair.region "
        f"AND a.{column['registered_at']} >= pair.lo AND a.{column['registered_at']} < pair.hi "
        f"ORDER BY a.{column['registered_at']} DESC, a.{column['id']} DESC LIMIT %s) AS newest"
    )
    return RawSQL(sql, [*params, limit])  # noqa: S611 - identifiers quoted from the model, values as parameters


def signals_for(*, root: Agency, period: Period, today: date, listed: int = 0) -> Signals:
    """The signals of `root`'s subtree for `period`, read through a Source of their own."""
    source = Source(
        root=root, branches=list(Agency.objects.filter(parent=root)), since=signals_since(period), today=today
    )
    return signals_describe(signals_read(root=root, period=period, source=source), listed=listed)
