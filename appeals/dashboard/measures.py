"""The indicators of a period for an agency subtree, its branches (the league table) and its staff.

Every number comes with the queue link that makes it up (`?` parameters of AppealFilterSet).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from agencies.models import Agency, Category, User

from ..calendar.workdays import get_calendar
from ..models import Appeal
from ..models.choices import OPEN_STATUSES
from .facts import local_bounds
from .periods import Period
from .source import Source, subtree_scope


def dashboard_setting(key: str):
    return settings.DASHBOARD[key]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    fmt: str = "int"  # int, pct, num
    better: str = ""  # "up", "down" or "" (neither)
    short: str = ""

    @property
    def heading(self) -> str:
        return str(self.short or self.label)


INDICATORS: tuple[Indicator, ...] = (
    Indicator("received", pgettext_lazy("dashboard", "Received"), better=""),
    Indicator("closed", _("Closed"), better="up"),
    Indicator("on_time_pct", _("Closed on time, statutory term"), "pct", "up", _("On time")),
    Indicator("target_pct", _("Closed within the agency's own target"), "pct", "up", _("Own target")),
    Indicator("overdue", _("Overdue now"), better="down"),
    Indicator("due_soon", _("Due within 3 working days"), better="", short=_("Due ≤3 days")),
    Indicator("first_response_hours", _("First response, hours on average"), "num", "down", _("First response, h")),
    Indicator("median_days", _("Working days to answer, median"), "num", "down", _("Median, w.d.")),
    Indicator("p90_days", _("Working days to answer, 90th percentile"), "num", "down", _("90th pct, w.d.")),
    Indicator("redirected_out_late", _("Redirects made late"), better="down", short=_("Late redirects")),
    Indicator("redirected_out", _("Redirected out"), better=""),
    Indicator("redirected_in", _("Redirected in"), better=""),
    Indicator("extensions", _("Extensions"), better="down"),
    Indicator("returns", _("Returned for rework"), better="down", short=_("Returns")),
    Indicator("left_without_consideration", _("Left without consideration"), better="", short=_("Left")),
    Indicator("repeat_pct", _("Repeat appeals, share of those received"), "pct", "down", _("Repeats")),
    # Citizens who wrote above the body (escalated_from points at one of its appeals), counted in the period.
    Indicator(
        "escalated_over", _("Appeals citizens took over the body's head"), better="down", short=_("Over its head")
    ),
    # Not citizens going higher: the desk's own escalation of an overdue appeal to the supervisors.
    Indicator(
        "escalated",
        _("Overdue appeals escalated to the supervisors"),
        better="down",
        short=_("Overdue, escalated"),
    ),
    Indicator("escalated_in", _("Complaints about lower bodies"), better="", short=_("Complaints in")),
    Indicator("rating", _("Applicant rating, average of 5"), "num", "up", _("Rating")),
)
INDICATOR_KEYS = tuple(i.key for i in INDICATORS)
# The indicators of the moment (not of the period): no previous value to compare with.
CURRENT_STATE = frozenset({"overdue", "due_soon"})


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def percentile(histogram: Counter, p: float) -> int | None:
    """The nearest-rank percentile of a {value: count} histogram."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, math.ceil(p / 100 * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None


def indicators(c: Counter, durations: Counter, state: Counter | None = None) -> dict[str, float | int | None]:
    """The indicators from the counters of a period, its durations and the open appeals of now."""
    state = state or Counter()
    received, closed = c["received"], c["closed"]
    return {
        "received": received,
        "closed": closed,
        "closed_on_time": c["closed_on_time"],
        "on_time_pct": _pct(c["closed_on_time"], closed),
        "target_pct": _pct(c["closed_on_time_target"], closed),
        "overdue": state["overdue"],
        "due_soon": state["due_soon"],
        "open": state["open"],
        "first_response_hours": (
            round(c["first_response_hours"] / c["first_response_count"], 1) if c["first_response_count"] else None
        ),
        "median_days": percentile(durations, 50),
        "p90_days": percentile(durations, 90),
        "redirected_out_late": c["redirected_out_late"],
        "redirected_out": c["redirected_out"],
        "redirected_in": c["redirected_in"],
        "extensions": c["extensions"],
        "returns": c["returns"],
        "left_without_consideration": c["left_without_consideration"],
        "received_repeated": c["received_repeated"],
        "repeat_pct": _pct(c["received_repeated"], received),
        "escalated": c["escalated"],
        "escalated_in": c["escalated_in"],
        "escalated_over": c["escalated_over"],
        "rating": round(c["rating_sum"] / c["rating_count"], 2) if c["rating_count"] else None,
    }


# --- Drill-down ------------------------------------------------------------------------------------
def queue_url(**params) -> str:
    return _queue_url(reverse("appeals:list"), params)


# Every drill-down link says where it comes from: the queue shows a link back to the dashboard.
DRILL_FROM = {"from": "dashboard"}


def _queue_url(base: str, params: dict) -> str:
    return f"{base}?{urlencode({k: v for k, v in {**params, **DRILL_FROM}.items() if v not in (None, '')})}"


class QueueLink:
    """queue_url with the queue's address looked up once, for the many links of one chart."""

    def __init__(self) -> None:
        self.base = reverse("appeals:list")

    def __call__(self, **params) -> str:
        return _queue_url(self.base, params)


def drill_params(key: str, start: date, end: date) -> dict[str, str] | None:
    """The AppealFilterSet parameters of the appeals behind indicator `key` in [start, end], or None."""
    return drill_table(start, end).get(key)


def drill_table(start: date, end: date) -> dict[str, dict[str, str]]:
    """{indicator key: the AppealFilterSet parameters of the appeals behind it in [start, end]} (drill_params)."""
    registered = {"registered_after": start.isoformat(), "registered_before": end.isoformat()}
    closed = {"closed_after": start.isoformat(), "closed_before": end.isoformat()}
    event_dates = {"event_date_after": start.isoformat(), "event_date_before": end.isoformat()}
    return {
        "received": registered,
        "closed": closed,
        "on_time_pct": {**closed, "on_time": "true"},
        "closed_on_time": {**closed, "on_time": "true"},
        "left_without_consideration": {**closed, "outcome": "left_without_consideration"},
        "overdue": {"overdue": "true"},
        "due_soon": {"due_within": str(dashboard_setting("DUE_SOON_WORKING_DAYS"))},
        "open": {"open": "true"},
        "redirected_out": {"event": "redirected", **event_dates},
        "redirected_out_late": {"event": "redirected", "event_late": "true", **event_dates},
        "extensions": {"event": "extension_granted", **event_dates},
        "returns": {"event": "returned", **event_dates},
        "escalated": {"event": "escalated", **event_dates},
        "redirected_in": {**registered, "redirected_in": "true"},
        "escalated_in": {**registered, "escalated_in": "true"},
        "repeat_pct": {**registered, "repeat": "true"},
        "received_repeated": {**registered, "repeat": "true"},
        "escalated_over": {"taken_higher_after": start.isoformat(), "taken_higher_before": end.isoformat()},
    }


LINKED_KEYS = (*INDICATOR_KEYS, "closed_on_time", "received_repeated", "open")


class DrillLinks:
    """The queue links of every indicator of [start, end], for any scope (an agency, a subtree, an executor).

    The period's part of each query string is encoded once; a row then encodes only its scope. The result is
    the same address as `queue_url(**scope, **drill_params(key, start, end))`.
    """

    def __init__(self, start: date, end: date) -> None:
        self.base = reverse("appeals:list")
        table = drill_table(start, end)
        self.tails = {
            key: urlencode({k: v for k, v in {**table[key], **DRILL_FROM}.items() if v not in (None, "")})
            for key in LINKED_KEYS
            if table.get(key) is not None
        }

    def __call__(self, scope: dict[str, object]) -> dict[str, str]:
        head = urlencode({k: v for k, v in scope.items() if v not in (None, "")})
        return {key: f"{self.base}?{'&'.join(p for p in (head, tail) if p)}" for key, tail in self.tails.items()}


# --- Open appeals now ------------------------------------------------------------------------------
def age_buckets(today: date) -> list[dict]:
    """The backlog's age buckets (calendar days since registration) with their registration date ranges."""
    bounds = [int(b) for b in dashboard_setting("BACKLOG_AGE_BUCKETS")]
    buckets = []
    low = 0
    for high in [*bounds, None]:
        newest = today - timedelta(days=low)
        oldest = today - timedelta(days=high - 1) if high is not None else None
        label = f"{low}–{high - 1}" if high is not None else f"{low}+"
        buckets.append({"key": f"age_{low}", "label": label, "after": oldest, "before": newest})
        low = high or 0
    return buckets


def open_state_rows(queryset, group, today: date) -> tuple[list[str], list[tuple]]:
    """The open appeals of now by `group`, one query: the names of the counts (open, overdue, due_soon,
    age_<n>) and a (group value, *counts in that order) row per group."""
    limit = get_calendar().add_working_days(today, int(dashboard_setting("DUE_SOON_WORKING_DAYS")))
    aggregates = {
        "n_open": Count("pk"),
        "n_overdue": Count("pk", filter=Q(due_date__lt=today)),
        "n_due_soon": Count("pk", filter=Q(due_date__gte=today, due_date__lte=limit)),
    }
    for bucket in age_buckets(today):
        condition = Q(registered_at__lt=local_bounds(bucket["before"], bucket["before"])[1])
        if bucket["after"] is not None:
            condition &= Q(registered_at__gte=local_bounds(bucket["after"], bucket["after"])[0])
        aggregates[f"n_{bucket['key']}"] = Count("pk", filter=condition)
    rows = (
        queryset.filter(status__in=sorted(OPEN_STATUSES))
        .annotate(group=group)
        .values("group")
        .order_by()
        .annotate(**aggregates)
        .values_list("group", *aggregates)
    )
    return [name[2:] for name in aggregates], list(rows)


def open_state(queryset, group, today: date) -> dict[object, Counter]:
    """{group value: Counter(open, overdue, due_soon, age_<n>)} of the open appeals, one query."""
    names, rows = open_state_rows(queryset, group, today)
    return {row[0]: Counter(dict(zip(names, row[1:], strict=True))) for row in rows}


# --- The dashboard -----------------------------------------------------------------------------------
@dataclass
class Row:
    """One line of a table: an agency (or a person) with its indicators and their queue links."""

    label: str
    values: dict
    links: dict
    agency: Agency | None = None
    user: User | None = None
    note: str = ""
    previous: dict = field(default_factory=dict)


def chart_weeks(period: Period) -> tuple[date, date]:
    """The weeks the weekly charts show: those of the period, at least 8 and at most 53."""
    last_monday = period.end - timedelta(days=period.end.weekday())
    first_monday = period.start - timedelta(days=period.start.weekday())
    weeks = (last_monday - first_monday).days // 7 + 1
    weeks = min(max(weeks, 8), 53)
    return last_monday - timedelta(weeks=weeks - 1), period.end


def source_since(period: Period, today: date, signals_since: date | None = None) -> date:
    """The earliest day the dashboard reads: the previous period, the charts' weeks, the signals' baselines."""
    return min(period.previous_start, chart_weeks(period)[0], signals_since or period.start)


def branches_of(root: Agency) -> list[Agency]:
    return list(Agency.objects.filter(parent=root).order_by("name_ru", "pk"))


def _merge(groups: dict) -> Counter:
    total: Counter = Counter()
    for counter in groups.values():
        total.update(counter)
    return total


def league(
    source: Source,
    branches: list[Agency],
    period: Period,
    today: date,
    *,
    escalated_over: tuple[dict[int, int], dict[int, int]] = ({}, {}),
) -> tuple[list[Row], Row, Counter]:
    """The root's own appeals and each direct subordinate's subtree, the total of all, and the open appeals
    of now by age (Counter of open_state). `escalated_over`: the appeals citizens took over each branch's
    head in the period and in the previous one (appeals.listening.signals.escalations_by_branch)."""
    root = source.root
    current = source.sums(period.start, period.end, ("branch",))
    previous = source.sums(period.previous_start, period.previous_end, ("branch",))
    for counters, over in zip((current, previous), escalated_over, strict=True):
        for branch, count in over.items():
            counters[(branch,)]["escalated_over"] += count
    durations = source.durations(period.start, period.end, ("branch",))
    previous_durations = source.durations(period.previous_start, period.previous_end, ("branch",))
    # By agency (the subtree's ids: the open appeals' partial index by agency), summed into branches here.
    paths = source.paths
    names, by_agency = open_state_rows(Appeal.objects.filter(subtree_scope(root)), F("agency_id"), today)
    by_branch: dict[int, list[int]] = {}
    for agency_id, *counts in by_agency:  # the whole country's 3 000 agencies: summed as plain numbers
        branch = source.branch_of(paths.get(agency_id, ""))
        known = by_branch.get(branch)
        if known is None:
            by_branch[branch] = counts
        else:
            for i, count in enumerate(counts):
                known[i] += count
    state = {branch: Counter(dict(zip(names, counts, strict=True))) for branch, counts in by_branch.items()}
    links = DrillLinks(period.start, period.end)

    rows = []
    for agency in [root, *branches]:
        key = (agency.pk,)
        own = agency.pk == root.pk
        scope = {"agency": agency.pk} if own else {"agency_subtree": agency.pk}
        values = indicators(current.get(key, Counter()), durations.get(key, Counter()), state.get(agency.pk))
        rows.append(
            Row(
                label=agency.name,
                values=values,
                links=links(scope),
                agency=agency,
                note=str(_("own appeals")) if own and branches else "",
                previous=indicators(previous.get(key, Counter()), previous_durations.get(key, Counter())),
            )
        )
    total_durations: Counter = _merge(durations)
    total = Row(
        label=root.name,
        values=indicators(_merge(current), total_durations, _merge(state)),
        links=links({"agency_subtree": root.pk}),
        agency=root,
        previous=indicators(_merge(previous), _merge(previous_durations)),
    )
    return rows, total, _merge(state)


def staff(source: Source, period: Period, today: date) -> list[Row]:
    """The root agency's own appeals by executor (the executor roll-ups, and live for the days not rolled up)."""
    root = source.root
    by_user, durations = source.by_assignee(period.start, period.end)
    state = open_state(Appeal.objects.filter(agency=root), F("assignee_id"), today)
    ids = set(by_user) | set(state)
    links = DrillLinks(period.start, period.end)
    users = {u.pk: u for u in User.objects.filter(pk__in=[i for i in ids if i is not None])}
    rows = []
    for user_id in sorted(ids, key=lambda i: (i is None, users[i].display_name if i in users else "")):
        user = users.get(user_id)
        scope = {"agency": root.pk, **({"executor": user_id} if user_id else {"unassigned": "true"})}
        rows.append(
            Row(
                label=user.display_name if user else str(_("Not assigned")),
                values=indicators(
                    by_user.get(user_id, Counter()), durations.get(user_id, Counter()), state.get(user_id)
                ),
                links=links(scope),
                user=user,
            )
        )
    return rows


def weekly(source: Source, period: Period) -> list[dict]:
    """Received, closed and closed on time per week (Monday to Sunday) of the chart's weeks."""
    start, end = chart_weeks(period)
    days = source.sums(start, end, ("day",), counters=("received", "closed", "closed_on_time"))
    weeks = []
    monday = start
    while monday <= end:
        sunday = min(monday + timedelta(days=6), end)
        c: Counter = Counter()
        day = monday
        while day <= sunday:
            c.update(days.get((day,), Counter()))
            day += timedelta(days=1)
        weeks.append({"start": monday, "end": sunday, "counters": c})
        monday += timedelta(days=7)
    return weeks


def top_categories(groups: dict, limit: int = 8) -> list[dict]:
    """The categories with the most appeals received, from sums grouped by category_id."""
    ranked = sorted(
        ((key[0], c["received"]) for key, c in groups.items() if c["received"]), key=lambda kv: (-kv[1], kv[0] or 0)
    )[:limit]
    names = Category.objects.in_bulk([cid for cid, _n in ranked if cid is not None])
    return [{"category": names.get(cid), "category_id": cid, "received": n} for cid, n in ranked]
