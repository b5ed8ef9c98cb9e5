"""Systemic signals of an agency subtree, each with the appeals behind it.

- hotspots: a category in a region whose last N days exceed its own baseline by a factor, with a
  minimum count (settings.DASHBOARD);
- repeat appeals: applicants writing again on the same matter (flagged repeated at registration);
- escalations: complaints that reached a higher body about an appeal of the subtree, and the
  subtree's overdue appeals escalated up the tree;
- channel mix: the share of each channel against the previous period; a growth carried by one
  channel is flagged, so a social-media wave is seen for what it is.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from agencies.choices import Region
from agencies.models import Category

from ..choices import Channel
from ..models import Appeal
from .facts import local_bounds
from .measures import dashboard_setting, queue_url
from .periods import Period
from .rollups import Source

MAX_HOTSPOTS = 5


def _limit() -> int:
    return int(dashboard_setting("SIGNAL_LIST_LIMIT"))


def _listed(queryset) -> list[Appeal]:
    return list(queryset.select_related("agency", "category").order_by("-registered_at", "-pk")[: _limit()])


def _listed_by_topic(queryset, topics: list[tuple[int, str]]) -> dict[tuple[int, str], list[Appeal]]:
    """The newest appeals of each (category, region) in `topics`, as `_listed` gives them: one query."""
    if not topics:
        return {}
    wanted = Q()
    for category_id, region in topics:
        wanted |= Q(category_id=category_id, region=region)
    newest = Window(
        RowNumber(),
        partition_by=[F("category_id"), F("region")],
        order_by=[F("registered_at").desc(), F("pk").desc()],
    )
    rows = (
        queryset.filter(wanted)
        .annotate(topic_rank=newest)
        .filter(topic_rank__lte=_limit())
        .select_related("agency", "category")
        .order_by("-registered_at", "-pk")
    )
    listed: dict[tuple[int, str], list[Appeal]] = {topic: [] for topic in topics}
    for appeal in rows:
        listed[(appeal.category_id, appeal.region)].append(appeal)
    return listed


def _registered(queryset, start: date, end: date):
    lo, hi = local_bounds(start, end)
    return queryset.filter(registered_at__gte=lo, registered_at__lt=hi)


def _baseline(source: Source, start: date, end: date) -> dict:
    """Received per (category, region) over the baseline days: long ago, so kept a while in the cache."""
    ttl = int(dashboard_setting("BASELINE_CACHE_SECONDS"))

    def read() -> dict:
        return dict(source.sums(start, end, ("category_id", "region"), counters=("received",)))

    if ttl <= 0:
        return read()
    return cache.get_or_set(f"dashboard:baseline:{source.root.path}:{start}:{end}", read, ttl)


def hotspots(source: Source, today: date) -> dict:
    recent_days = int(dashboard_setting("HOTSPOT_RECENT_DAYS"))
    baseline_days = int(dashboard_setting("HOTSPOT_BASELINE_DAYS"))
    factor = float(dashboard_setting("HOTSPOT_FACTOR"))
    minimum = int(dashboard_setting("HOTSPOT_MIN_COUNT"))
    recent_start = today - timedelta(days=recent_days - 1)
    base_end = recent_start - timedelta(days=1)
    base_start = base_end - timedelta(days=baseline_days - 1)
    recent = source.sums(recent_start, today, ("category_id", "region"), counters=("received",))
    base = _baseline(source, base_start, base_end)
    found = []
    for (category_id, region), counter in recent.items():
        count = counter["received"]
        baseline = base.get((category_id, region), Counter())["received"] * recent_days / baseline_days
        if category_id is not None and count >= minimum and count > factor * baseline:
            found.append({"category_id": category_id, "region": region, "count": count, "baseline": round(baseline, 1)})
    # The sharpest rise first (a topic with no baseline at all is the sharpest).
    found.sort(key=lambda h: (-(h["count"] / h["baseline"] if h["baseline"] else float("inf")), -h["count"]))
    found = found[:MAX_HOTSPOTS]
    categories = Category.objects.in_bulk([h["category_id"] for h in found]) if found else {}
    scope = _registered(Appeal.objects.filter(agency__path__startswith=source.root.path), recent_start, today)
    listed = _listed_by_topic(scope, [(h["category_id"], h["region"]) for h in found])
    for hotspot in found:
        hotspot["category"] = categories.get(hotspot["category_id"])
        hotspot["region_label"] = Region(hotspot["region"]).label if hotspot["region"] in Region.values else "—"
        hotspot["ratio"] = round(hotspot["count"] / hotspot["baseline"], 1) if hotspot["baseline"] else None
        hotspot["appeals"] = listed[(hotspot["category_id"], hotspot["region"])]
        hotspot["url"] = queue_url(
            agency_subtree=source.root.pk,
            category=hotspot["category_id"],
            region=hotspot["region"],
            registered_after=recent_start.isoformat(),
            registered_before=today.isoformat(),
        )
    return {
        "items": found,
        "recent_days": recent_days,
        "baseline_days": baseline_days,
        "factor": factor,
        "minimum": minimum,
    }


def repeats(source: Source, period: Period, by_category: dict, totals: dict) -> dict:
    scope = _registered(Appeal.objects.filter(agency__path__startswith=source.root.path), period.start, period.end)
    appeals = list(
        scope.filter(is_repeated=True)
        .select_related("agency", "category", "repeat_of")
        .order_by("-registered_at", "-pk")[: _limit()]
    )
    ranked = sorted(
        ((key[0], c["received_repeated"], c["received"]) for key, c in by_category.items() if c["received_repeated"]),
        key=lambda row: -row[1],
    )[:5]
    names = Category.objects.in_bulk([cid for cid, _r, _n in ranked if cid is not None]) if ranked else {}
    categories = [
        {
            "category": names.get(cid),
            "repeated": repeated,
            "received": received,
            "share": round(100.0 * repeated / received, 1) if received else None,
            "url": queue_url(
                agency_subtree=source.root.pk,
                category=cid,
                repeated="true",
                registered_after=period.start.isoformat(),
                registered_before=period.end.isoformat(),
            )
            if cid is not None
            else "",
        }
        for cid, repeated, received in ranked
    ]
    return {
        "count": totals["received_repeated"],
        "share": totals["repeat_pct"],
        "appeals": appeals,
        "categories": categories,
        "url": queue_url(
            agency_subtree=source.root.pk,
            repeated="true",
            registered_after=period.start.isoformat(),
            registered_before=period.end.isoformat(),
        ),
    }


def escalations(source: Source, period: Period, totals: dict) -> dict:
    """Complaints registered in the period anywhere about appeals of the subtree, and overdue escalations."""
    complaints = _registered(
        Appeal.objects.filter(escalated_from__agency__path__startswith=source.root.path), period.start, period.end
    )
    listed = list(
        complaints.select_related("agency", "escalated_from", "escalated_from__agency").order_by(
            "-registered_at", "-pk"
        )[: _limit()]
    )
    return {
        "complaints": listed,
        "escalated": totals["escalated"],
        "escalated_url": queue_url(
            agency_subtree=source.root.pk,
            event="escalated",
            event_date_after=period.start.isoformat(),
            event_date_before=period.end.isoformat(),
        ),
        "escalated_in": totals["escalated_in"],
        "escalated_in_url": queue_url(
            agency_subtree=source.root.pk,
            escalated_in="true",
            registered_after=period.start.isoformat(),
            registered_before=period.end.isoformat(),
        ),
    }


def channel_mix(source: Source, period: Period) -> dict:
    current = source.sums(period.start, period.end, ("channel",), counters=("received",))
    previous = source.sums(period.previous_start, period.previous_end, ("channel",), counters=("received",))
    total_now = sum(c["received"] for c in current.values())
    total_before = sum(c["received"] for c in previous.values())
    growth = total_now - total_before
    points = float(dashboard_setting("CHANNEL_SPIKE_POINTS"))
    min_share = float(dashboard_setting("CHANNEL_SPIKE_MIN_SHARE"))
    rows = []
    scope = _registered(Appeal.objects.filter(agency__path__startswith=source.root.path), period.start, period.end)
    for channel in Channel:
        now = current.get((channel.value,), Counter())["received"]
        before = previous.get((channel.value,), Counter())["received"]
        share = 100.0 * now / total_now if total_now else 0.0
        share_before = 100.0 * before / total_before if total_before else 0.0
        spike = growth > 0 and share - share_before >= points and (now - before) >= min_share * growth
        rows.append(
            {
                "channel": channel,
                "count": now,
                "previous": before,
                "share": round(share, 1),
                "previous_share": round(share_before, 1),
                "delta_points": round(share - share_before, 1),
                "spike": spike,
                "appeals": _listed(scope.filter(channel=channel.value)) if spike else [],
                "url": queue_url(
                    agency_subtree=source.root.pk,
                    channel=channel.value,
                    registered_after=period.start.isoformat(),
                    registered_before=period.end.isoformat(),
                ),
            }
        )
    return {
        "rows": rows,
        "total": total_now,
        "previous_total": total_before,
        "spikes": [r for r in rows if r["spike"]],
        "label": _("Channel mix"),
    }
