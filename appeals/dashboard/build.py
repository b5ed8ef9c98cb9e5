"""Everything the dashboard page shows, from the readings of measures.py and signals.py."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from agencies.models import Agency

from ..listening import signals
from ..listening.describe import signals_describe
from . import charts
from .measures import (
    CURRENT_STATE,
    INDICATOR_KEYS,
    INDICATORS,
    Indicator,
    QueueLink,
    Row,
    age_buckets,
    branches_of,
    drill_table,
    league,
    queue_url,
    source_since,
    staff,
    top_categories,
    weekly,
)
from .periods import Period
from .source import Source

SORT_KEYS = frozenset({"name", *INDICATOR_KEYS})
# The bodies listed under "Repeat appeals" and "Who makes citizens go higher" (templates/dashboard/_signals.html).
BODIES_LISTED = 10


@dataclass(frozen=True)
class LeagueSort:
    key: str = "name"
    descending: bool = False

    @classmethod
    def parse(cls, raw: str) -> LeagueSort:
        """A sort key from the query string; anything unknown falls back to the name (never an error)."""
        raw = (raw or "").strip()
        descending = raw.startswith("-")
        key = raw.lstrip("-")
        if key not in SORT_KEYS:
            return cls()
        return cls(key, descending)

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    def apply(self, rows: list[Row]) -> list[Row]:
        if self.key == "name":
            return sorted(rows, key=lambda r: r.label.casefold(), reverse=self.descending)
        present = [r for r in rows if r.values.get(self.key) is not None]
        missing = [r for r in rows if r.values.get(self.key) is None]
        present.sort(key=lambda r: (r.values[self.key], r.label.casefold()), reverse=self.descending)
        return present + missing  # rows without a value stay last either way


def fmt(indicator: Indicator, value) -> str:
    if value is None:
        return "—"
    if indicator.fmt == "pct":
        return f"{number_format(value, 1)} %"
    if indicator.fmt == "num":
        return number_format(value, 1)
    return number_format(value, 0, force_grouping=True)


class Cells:
    """The cells of a table's rows ({key, text, url, fmt} per indicator), each number formatted once a page: a
    page's tables hold some 1 200 figures, most of them the same few (0, —, 100,0 %), and number_format looks up
    the language's formats every time."""

    def __init__(self) -> None:
        self.texts: dict[tuple, str] = {}

    def __call__(self, row: Row) -> list[dict]:
        out = []
        for i in INDICATORS:
            value = row.values.get(i.key)
            key = (i.fmt, type(value), value)
            text = self.texts.get(key)
            if text is None:
                text = self.texts[key] = fmt(i, value)
            out.append({"key": i.key, "text": text, "url": row.links.get(i.key, ""), "fmt": i.fmt})
        return out


def kpis(total: Row) -> list[dict]:
    cards = []
    for indicator in INDICATORS:
        value = total.values.get(indicator.key)
        previous = None if indicator.key in CURRENT_STATE else total.previous.get(indicator.key)
        delta = None
        tone = ""
        if value is not None and previous is not None:
            delta = round(value - previous, 1)
            if delta and indicator.better:
                tone = "good" if (delta > 0) == (indicator.better == "up") else "bad"
        cards.append(
            {
                "indicator": indicator,
                "text": fmt(indicator, value),
                "previous": fmt(indicator, previous) if previous is not None else "",
                "delta": delta,
                "delta_text": ("+" if delta and delta > 0 else "")
                + (number_format(delta, 0 if indicator.fmt == "int" else 1) if delta else "0")
                if delta is not None
                else "",
                "tone": tone,
                "url": total.links.get(indicator.key, ""),
                "current_state": indicator.key in CURRENT_STATE,
            }
        )
    return cards


def _week_label(day: date) -> str:
    return f"{day:%d.%m}"


def _charts(root: Agency, period: Period, today: date, source: Source, state: Counter, categories: list[dict]) -> dict:
    weeks = weekly(source, period)
    scope = {"agency_subtree": root.pk}
    link = QueueLink()  # queue_url for the charts' links: a year's charts link some 180 bars and points
    groups = []
    points = []
    for week in weeks:
        c, start, end = week["counters"], week["start"], week["end"]
        label = _week_label(start)
        span = f"{start:%d.%m}–{end:%d.%m.%Y}"
        drill_params = drill_table(start, end).get
        groups.append(
            (
                label,
                [
                    charts.Bar(
                        label,
                        c["received"],
                        link(**scope, **drill_params("received")),
                        f"{pgettext('dashboard', 'Received')} {span}: {c['received']}",
                        charts.SECOND,
                    ),
                    charts.Bar(
                        label,
                        c["closed"],
                        link(**scope, **drill_params("closed")),
                        f"{_('Closed')} {span}: {c['closed']}",
                        charts.BRAND,
                    ),
                ],
            )
        )
        rate = round(100.0 * c["closed_on_time"] / c["closed"], 1) if c["closed"] else None
        points.append(
            charts.Bar(
                label,
                rate,
                link(**scope, **drill_params("closed_on_time")) if c["closed"] else "",
                f"{span}: {rate} % ({c['closed_on_time']} / {c['closed']})" if c["closed"] else "",
            )
        )
    backlog = []
    for bucket in age_buckets(today):
        params = {"open": "true", "registered_before": bucket["before"].isoformat()}
        if bucket["after"] is not None:
            params["registered_after"] = bucket["after"].isoformat()
        label = _("%(days)s days") % {"days": bucket["label"]}
        value = state[bucket["key"]]
        color = charts.BAD if bucket["after"] is None or bucket["label"].startswith(("30", "60")) else charts.BRAND
        backlog.append(charts.Bar(label, value, link(**scope, **params), f"{label}: {value}", color))
    category_bars = [
        charts.Bar(
            item["category"].name if item["category"] else _("No category"),
            item["received"],
            link(**scope, category=item["category_id"], **drill_table(period.start, period.end)["received"])
            if item["category_id"]
            else "",
        )
        for item in categories
    ]
    return {
        "weekly_chart": charts.grouped_bars(
            _("Received and closed per week"),
            groups,
            [(pgettext("dashboard", "Received"), charts.SECOND), (_("Closed"), charts.BRAND)],
        ),
        "on_time_chart": charts.line(_("Closed on time per week, %"), points, target=90),
        "backlog_chart": charts.horizontal_bars(_("Open appeals by age"), backlog, label_width=120),
        "categories_chart": charts.horizontal_bars(_("Top categories"), category_bars) if category_bars else "",
        "weekly_table": [
            {
                "start": w["start"],
                "end": w["end"],
                "received": w["counters"]["received"],
                "closed": w["counters"]["closed"],
            }
            for w in weeks
        ],
        "backlog_table": backlog,
    }


def _escalated_over(source: Source, period: Period) -> tuple[dict[int, int], dict[int, int]]:
    previous = Period(period.kind, period.previous_start, period.previous_end, period.start, period.start)
    return (
        signals.escalations_by_branch(source=source, period=period),
        signals.escalations_by_branch(source=source, period=previous),
    )


def _signals(root: Agency, period: Period, source: Source) -> dict:
    """The signals by kind, for the page: each with its queue link, pair signals with their newest appeals."""
    found = signals_describe(
        signals.signals_read(root=root, period=period, source=source),
        listed=int(signals.listening_setting("LISTED_APPEALS")),
        bodies=BODIES_LISTED,
    )
    by_kind = {kind: found.of(kind) for kind in signals.KINDS}
    return {
        **by_kind,
        "history_periods": found.history_periods,
        "needed_periods": int(signals.listening_setting("MIN_BASELINE_PERIODS")),
        "count": len(found.signals),
        "repeat_url": queue_url(
            agency_subtree=root.pk,
            repeat="true",
            registered_after=period.start.isoformat(),
            registered_before=period.end.isoformat(),
        ),
        "escalation_url": queue_url(
            agency_subtree=root.pk,
            taken_higher_after=period.start.isoformat(),
            taken_higher_before=period.end.isoformat(),
        ),
    }


def league_build(*, root: Agency, period: Period, today: date, sort: LeagueSort) -> dict:
    branches = branches_of(root)
    source = Source(root=root, branches=branches, since=min(period.previous_start, period.start), today=today)
    rows, total, _state = league(source, branches, period, today, escalated_over=_escalated_over(source, period))
    rows = sort.apply(rows)
    cells = Cells()
    return {
        "rows": rows,
        "total": total,
        "row_cells": [(row, cells(row)) for row in rows],
        "total_cells": cells(total),
        "indicators": INDICATORS,
        "sort": sort,
        "period": period,
    }


def dashboard_build(*, root: Agency, period: Period, today: date, sort: LeagueSort) -> dict:
    branches = branches_of(root)
    source = Source(
        root=root, branches=branches, since=source_since(period, today, signals.signals_since(period)), today=today
    )
    rows, total, state = league(source, branches, period, today, escalated_over=_escalated_over(source, period))
    rows = sort.apply(rows)
    by_category = source.sums(period.start, period.end, ("category_id",), counters=("received",))
    categories = top_categories(by_category)
    staff_rows = staff(source, period, today)
    cells = Cells()
    return {
        "period": period,
        "today": today,
        "kpis": kpis(total),
        "total": total,
        "rows": rows,
        "row_cells": [(row, cells(row)) for row in rows],
        "total_cells": cells(total),
        "staff_cells": [(row, cells(row)) for row in staff_rows],
        "indicators": INDICATORS,
        "sort": sort,
        "has_branches": bool(branches),
        "signals": _signals(root, period, source),
        **_charts(root, period, today, source, state, categories),
    }
