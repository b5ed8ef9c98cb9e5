"""What counts as unusual: every rule of it, in this one module (../../DOMAIN.md, "Listening").

A signal is about many people and real persistence, not volume alone. For an agency subtree and a period:

- **hotspot**: a (category, region) pair whose count in the period is improbably high against its own
  baseline, the median of the previous BASELINE_PERIODS periods of the same length (a median resists one bad
  period). The test is the Poisson upper tail P(X >= observed | lambda = baseline) (a negative binomial of the
  same mean where the baseline periods vary more than Poisson would), with Benjamini-Hochberg
  over all the pairs compared at once (q <= ALPHA), a minimum count and a minimum ratio to the baseline.
  Hotspots are ranked by breadth first: the same test on the number of distinct applicants (IIN/BIN, else
  phone, else email; an appeal without any is one person), so 40 appeals from 3 people rank below 40 people.
- **few_applicants**: such a pair (or a new one) whose appeals come from fewer than MIN_APPLICANTS people (a
  persistent few), listed apart, never a hotspot.
- **new**: a pair with no appeal at all in the baseline periods but at least MIN_COUNT now: listed apart,
  never "infinitely above" a baseline of zero. Without MIN_BASELINE_PERIODS periods of history in the
  system, nothing is tested (a thin history would make every pair a hotspot).
- **channel_driven**: a hotspot or new pair whose excess one channel carries: a binomial test of the
  channel's count in the pair against its usual share there (Bonferroni over the channels, CHANNEL_ALPHA),
  the channel carrying at least CHANNEL_EXCESS_SHARE of the excess over the baseline, and the channel not
  being the pair's usual dominant one (a portal that always brings most appeals is never a "spike").
  Labelled on the pair, listed apart at every level of the tree, never counted as a hotspot.
- **long_standing**: a pair above the upper bound of its monthly baseline (Poisson, LONG_STANDING_ALPHA)
  LONG_STANDING_MONTHS or more complete months in a row up to the period's end; the baseline is frozen at
  the start of the run, so a problem that lasts does not become its own baseline. With "since when" and how
  many of the run's appeals were answered on the merits. Listed as long-standing rather than as a hotspot.
- **repeat**: per body, the appeals received in the period that are repeats (flagged, or linked to the
  earlier appeal by matter matching) and their share of what the body received.
- **escalation**: per body, how many of its appeals citizens took over its head in the period (an appeal
  registered in the period anywhere whose `escalated_from` is one of the body's appeals).

Counts come from the daily roll-ups (appeals.dashboard.source), merged with the live days; a reading is a
fixed number of queries whatever the size of the subtree.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.choices import Region
from agencies.models import Agency, Category

from ..calendar.policy import add_months
from ..dashboard.facts import local_bounds
from ..dashboard.measures import queue_url
from ..dashboard.periods import Period
from ..dashboard.source import Source, subtree_scope
from ..models import Appeal
from ..models.choices import ANSWER_OUTCOMES, Channel
from .stats import (
    benjamini_hochberg,
    binomial_sf,
    count_p_value,
    listening_setting,
    median_baseline,
    poisson_sf,
    poisson_upper_bound,
)

HOTSPOT = "hotspot"
FEW_APPLICANTS = "few_applicants"
NEW = "new"
CHANNEL_DRIVEN = "channel_driven"
LONG_STANDING = "long_standing"
REPEAT = "repeat"
ESCALATION = "escalation"
KINDS = (HOTSPOT, NEW, LONG_STANDING, CHANNEL_DRIVEN, FEW_APPLICANTS, REPEAT, ESCALATION)
KIND_LABELS = {
    HOTSPOT: _("Hotspot"),
    NEW: _("New topic"),
    LONG_STANDING: _("Long-standing problem"),
    CHANNEL_DRIVEN: _("Channel-driven spike"),
    FEW_APPLICANTS: _("Many appeals from few people"),
    REPEAT: _("Repeat appeals"),
    ESCALATION: _("Taken over the body's head"),
}
PAIR_KINDS = frozenset({HOTSPOT, NEW, LONG_STANDING, CHANNEL_DRIVEN, FEW_APPLICANTS})


# --- The signal ------------------------------------------------------------------------------------
@dataclass
class Signal:
    kind: str
    count: int
    since: date
    until: date
    region: str = ""
    category_id: int | None = None
    agency_id: int | None = None
    channel: str = ""
    applicants: int | None = None
    baseline: float | None = None
    score: float | None = None
    score_name: str = ""
    answered: int | None = None
    share: float | None = None
    months: int | None = None
    labels: list[str] = field(default_factory=list)
    query: dict = field(default_factory=dict)
    # Filled for display.
    category: Category | None = None
    agency: Agency | None = None
    appeals: list = field(default_factory=list)

    @property
    def pair(self) -> tuple[int | None, str]:
        return (self.category_id, self.region)

    @property
    def region_label(self) -> str:
        return str(Region(self.region).label) if self.region in Region.values else ""

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label) if self.channel in Channel.values else ""

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def ratio(self) -> float | None:
        return round(self.count / self.baseline, 1) if self.baseline else None

    @property
    def url(self) -> str:
        return queue_url(**self.query)

    @property
    def api_url(self) -> str:
        return self.url.replace(reverse("appeals:list"), reverse("api:appeal-list"), 1)


@dataclass
class Signals:
    period: Period
    root: Agency
    history_periods: int
    signals: list[Signal]

    def of(self, kind: str) -> list[Signal]:
        return [s for s in self.signals if s.kind == kind]


# --- Periods ---------------------------------------------------------------------------------------
def baseline_spans(period: Period) -> list[tuple[date, date]]:
    """The BASELINE_PERIODS periods of the same length just before the period, the nearest first."""
    length = timedelta(days=period.days)
    n = int(listening_setting("BASELINE_PERIODS"))
    return [(period.start - k * length, period.start - (k - 1) * length - timedelta(days=1)) for k in range(1, n + 1)]


def month_spans(period: Period) -> list[tuple[date, date]]:
    """The complete months up to the period's end (its own month when the period ends on its last day), the
    oldest first: the run may go back LONG_STANDING_LOOKBACK_MONTHS, each with BASELINE_PERIODS before it."""
    after = period.end + timedelta(days=1)
    last_start = period.end.replace(day=1) if after.day == 1 else add_months(period.end.replace(day=1), -1)
    count = int(listening_setting("LONG_STANDING_LOOKBACK_MONTHS")) + int(listening_setting("BASELINE_PERIODS"))
    spans = []
    for back in range(count - 1, -1, -1):
        start = add_months(last_start, -back)
        spans.append((start, add_months(start, 1) - timedelta(days=1)))
    return spans


def signals_since(period: Period) -> date:
    """The earliest day the signals of `period` read."""
    return min(baseline_spans(period)[-1][0], month_spans(period)[0][0], period.start)


# --- Readings from the appeals (only for the few pairs and bodies found) ----------------------------------
def _registered(queryset, start: date, end: date):
    lo, hi = local_bounds(start, end)
    return queryset.filter(registered_at__gte=lo, registered_at__lt=hi)


def _pairs_q(pairs) -> Q:
    wanted = Q()
    for category_id, region in pairs:
        wanted |= Q(category_id=category_id, region=region)
    return wanted


def applicants_by_pair(scope, pairs, start: date, end: date) -> dict[tuple, int]:
    """Distinct applicants of each (category, region) in [start, end] (by Appeal.applicant_key): one query."""
    if not pairs:
        return {}
    rows = (
        _registered(scope, start, end)
        .filter(_pairs_q(pairs))
        .values("category_id", "region")
        .order_by()
        .annotate(
            # Appeal.applicant_key: the IIN, else the BIN, else the phone, else the email; without one, each
            # appeal is a person of its own.
            people=Count("applicant_key", distinct=True, filter=~Q(applicant_key="")),
            nobody=Count("pk", filter=Q(applicant_key="")),
        )
    )
    return {(r["category_id"], r["region"]): r["people"] + r["nobody"] for r in rows}


def answered_since(scope, runs: dict[tuple, date], end: date) -> dict[tuple, tuple[int, int]]:
    """{pair: (appeals registered from its run's start to `end`, of them answered on the merits)}: one query."""
    if not runs:
        return {}
    lo_end = local_bounds(end, end)[1]
    wanted = Q()
    for (category_id, region), since in runs.items():
        wanted |= Q(category_id=category_id, region=region, registered_at__gte=local_bounds(since, since)[0])
    rows = (
        scope.filter(wanted, registered_at__lt=lo_end)
        .values("category_id", "region")
        .order_by()
        .annotate(n=Count("pk"), answered=Count("pk", filter=Q(outcome__in=sorted(ANSWER_OUTCOMES))))
    )
    return {(r["category_id"], r["region"]): (r["n"], r["answered"]) for r in rows}


# --- The engine ------------------------------------------------------------------------------------
def _channel_driver(now: Counter, count: int, baseline: float, shares: dict[str, float]) -> tuple[str, float] | None:
    """The channel carrying the pair's excess beyond its usual share, with its Bonferroni-adjusted p-value."""
    alpha = float(listening_setting("CHANNEL_ALPHA"))
    carry = float(listening_setting("CHANNEL_EXCESS_SHARE"))
    dominant = float(listening_setting("CHANNEL_MAX_USUAL_SHARE"))
    channels = Channel.values
    excess = count - baseline
    best = None
    for channel in channels:
        n = now.get(channel, 0)
        share = shares[channel]
        if not n or share >= dominant or excess <= 0:
            continue
        p = min(1.0, binomial_sf(n, count, share) * len(channels))
        carried = (n - share * baseline) / excess
        if p <= alpha and carried >= carry and (best is None or p < best[1]):
            best = (channel, p)
    return best


def _shares(counter: Counter) -> dict[str, float]:
    """Each channel's usual share, smoothed (half an appeal each) so that an unseen channel is not "never"."""
    total = sum(counter.values())
    k = len(Channel.values)
    return {c: (counter.get(c, 0) + 0.5) / (total + 0.5 * k) for c in Channel.values}


@dataclass
class _Reading:
    """The period's counts of each pair by channel against those of its baseline periods, and what stands out."""

    now: dict[tuple, Counter]  # pair -> channel -> appeals in the period
    usual: dict[tuple, Counter]  # pair -> channel -> appeals in all its baseline periods
    totals: dict[tuple, dict[int, int]]  # pair -> baseline period -> appeals
    everywhere: Counter  # channel -> appeals of every pair in the baseline periods
    available: list[int]  # the baseline periods with history
    raised: list[tuple[tuple, int, float, float]]  # pair, count, baseline, q: above their baseline
    new_pairs: list[tuple[tuple, int]]  # pair, count: without any appeal in the baseline periods


PAIR_CHANNEL = ("category_id", "region", "channel")


def _depends(source: Source) -> tuple:
    """What a signal worked out from the history depends on besides the history: the first day and the settings."""
    return (source.first_day, sorted((key, repr(value)) for key, value in settings.LISTENING.items()))


def _add_counts(counts: dict[tuple, int], available: list[int], into: tuple) -> tuple:
    """Add the (span, category, region, channel) counts of the period (span 0) and of its available baseline
    periods to `into`: (now, usual, totals, everywhere) as _Reading holds them."""
    now, usual, totals, everywhere = into
    baseline_periods = set(available)
    for (span, category_id, region, channel), received in counts.items():
        if category_id is None or not received:
            continue
        pair = (category_id, region)
        if span == 0:
            now[pair][channel] += received
        elif span in baseline_periods:
            usual[pair][channel] += received
            totals[pair][span] = totals[pair].get(span, 0) + received
            everywhere[channel] += received
    return into


def _against_baseline(period: Period, source: Source) -> _Reading:
    """Pairs against their baseline periods of the same length (Poisson / NB tail, Benjamini-Hochberg).

    The counts of the rolled-up days, sorted into the period's and the baselines', are kept with the history they
    come from (Source.history_memo); the live days' are added on every reading."""
    min_count = int(listening_setting("MIN_COUNT"))
    blocks = baseline_spans(period)
    available = [i for i, (start, _end) in enumerate(blocks, start=1) if start >= source.first_day]
    spans = [(period.start, period.end), *blocks]

    def from_history() -> tuple:
        empty = (defaultdict(Counter), defaultdict(Counter), defaultdict(dict), Counter())
        return _add_counts(source.counts_by_span(spans, PAIR_CHANNEL, live=False), available, empty)

    counted = source.history_memo("signals:baselines", spans, from_history, depends=_depends(source))
    now, usual, totals, everywhere = _add_counts(
        source.counts_by_span(spans, PAIR_CHANNEL, history=False), available, counted
    )

    tested: list[tuple[tuple, int, float, float]] = []  # pair, count, baseline, p
    new_pairs: list[tuple[tuple, int]] = []
    if len(available) >= int(listening_setting("MIN_BASELINE_PERIODS")):
        for pair in set(now) | set(totals):
            count = sum(now[pair].values()) if pair in now else 0
            if pair not in totals:
                if count >= min_count:
                    new_pairs.append((pair, count))
                continue
            baseline, p = count_p_value(count, [totals[pair].get(i, 0) for i in available])
            tested.append((pair, count, baseline, p))
    q_values = benjamini_hochberg([p for *_rest, p in tested])
    alpha, min_ratio = float(listening_setting("ALPHA")), float(listening_setting("MIN_RATIO"))
    raised = [
        (pair, count, baseline, q)
        for (pair, count, baseline, _p), q in zip(tested, q_values, strict=True)
        if q <= alpha and count >= min_count and count >= min_ratio * baseline
    ]
    return _Reading(now, usual, totals, everywhere, available, raised, new_pairs)


def _long_standing(months: list[tuple[date, date]], source: Source) -> dict:
    """The long-standing pairs' runs (_long_standing_runs) over the complete months: kept with the history of those
    months when none of their days is read live (a month not rolled up yet: worked out afresh)."""

    def runs(counts: dict[tuple, int]) -> dict:
        monthly: dict[tuple, Counter] = defaultdict(Counter)
        for (span, category_id, region), received in counts.items():
            if category_id is not None:
                monthly[(category_id, region)][span] += received
        return _long_standing_runs(monthly, months, source.first_day)

    pairs = ("category_id", "region")
    if source.counts_by_span(months, pairs, history=False):
        return runs(source.counts_by_span(months, pairs))
    return source.history_memo(
        "signals:long-standing",
        months,
        lambda: runs(source.counts_by_span(months, pairs, live=False)),
        depends=_depends(source),
    )


def _pair_query(root: Agency, category_id, region: str, start: date, end: date) -> dict:
    """The queue's filters of a pair's appeals in start..end."""
    return {
        "agency_subtree": root.pk,
        "category": category_id,
        "region": region,
        "registered_after": start.isoformat(),
        "registered_before": end.isoformat(),
    }


def signals_read(*, root: Agency, period: Period, source: Source) -> Signals:
    """Every signal of `root`'s subtree for `period`, from `source` (a Source reaching back to signals_since)."""
    # By the subtree's agency ids (Source.paths) rather than a join on the path: the planner then reads the pairs'
    # appeals through appeal_pair_registered instead of every appeal of the subtree's agencies.
    scope = Appeal.objects.filter(subtree_scope(root))
    reading = _against_baseline(period, source)

    # Long-standing: complete months above the upper bound of their (frozen) baseline.
    months = month_spans(period)
    runs = _long_standing(months, source)

    candidates = {pair for pair, *_r in reading.raised} | {pair for pair, _c in reading.new_pairs} | set(runs)
    people = applicants_by_pair(scope, candidates, period.start, period.end)
    answered = answered_since(scope, {pair: months[run["start"]][0] for pair, run in runs.items()}, months[-1][1])
    out = _long_standing_signals(root, months, runs, people, answered)
    out += _pair_signals(root, period, reading, runs, people)
    out.extend(_body_signals(root=root, period=period, source=source))
    out.sort(key=_rank)
    return Signals(period=period, root=root, history_periods=len(reading.available), signals=out)


def _long_standing_signals(root: Agency, months, runs: dict, people: dict, answered: dict) -> list[Signal]:
    out = []
    for pair, run in runs.items():
        category_id, region = pair
        start = months[run["start"]][0]
        _total, done = answered.get(pair, (run["count"], 0))
        out.append(
            Signal(
                kind=LONG_STANDING,
                count=run["count"],
                since=start,
                until=months[-1][1],
                region=region,
                category_id=category_id,
                applicants=people.get(pair),
                baseline=round(run["baseline"], 1),
                score=run["p"],
                score_name="p",
                answered=done,
                months=run["months"],
                query=_pair_query(root, category_id, region, start, months[-1][1]),
            )
        )
    return out


def _pair_signals(root: Agency, period: Period, reading: _Reading, runs: dict, people: dict) -> list[Signal]:
    """Hotspots, new topics, channel-driven spikes and persistent few among the pairs that stand out (a problem
    that lasts is listed as long-standing instead)."""
    min_count = int(listening_setting("MIN_COUNT"))
    min_people = int(listening_setting("MIN_APPLICANTS"))
    now = reading.now
    out: list[Signal] = []
    for pair, count, baseline, q in [*reading.raised, *((pair, count, 0.0, None) for pair, count in reading.new_pairs)]:
        category_id, region = pair
        if pair in runs:
            continue
        usual = reading.usual.get(pair, Counter())
        shares = _shares(usual) if sum(usual.values()) >= min_count else _shares(reading.everywhere)
        driver = _channel_driver(now[pair], count, baseline, shares)
        who = people.get(pair, count)
        common = {
            "count": count,
            "since": period.start,
            "until": period.end,
            "region": region,
            "category_id": category_id,
            "applicants": who,
            "baseline": round(baseline, 1) if q is not None else None,
            "query": _pair_query(root, category_id, region, period.start, period.end),
        }
        if driver is not None:
            channel, p = driver
            share = round(100.0 * now[pair][channel] / count, 1)
            labels = [NEW] if q is None else []
            out.append(
                Signal(
                    kind=CHANNEL_DRIVEN, channel=channel, score=p, score_name="p", share=share, labels=labels, **common
                )
            )
        elif who < min_people:  # a persistent few, with or without history
            out.append(Signal(kind=FEW_APPLICANTS, score=q, score_name="q" if q is not None else "", **common))
        elif q is None:
            out.append(Signal(kind=NEW, score=None, score_name="", **common))
        else:
            out.append(Signal(kind=HOTSPOT, score=q, score_name="q", **common))
    return out


def _rank(signal: Signal) -> tuple:
    """By kind, then by breadth-weighted significance: the people count tested against the baseline."""
    order = KINDS.index(signal.kind)
    if signal.kind in (HOTSPOT, FEW_APPLICANTS, LONG_STANDING) and signal.baseline:
        people = signal.applicants if signal.applicants is not None else signal.count
        return (order, poisson_sf(people, signal.baseline), signal.score or 1.0, -people)
    if signal.kind in (REPEAT, ESCALATION):
        return (order, -signal.count, -(signal.share or 0), signal.agency_id or 0)
    return (order, signal.score or 1.0, -(signal.applicants or signal.count), -signal.count)


def _long_standing_runs(monthly: dict[tuple, Counter], months: list[tuple[date, date]], first_day: date) -> dict:
    """{pair: run} for the pairs above their baseline's upper bound in the last LONG_STANDING_MONTHS+ months."""
    n_base = int(listening_setting("BASELINE_PERIODS"))
    min_history = int(listening_setting("MIN_BASELINE_PERIODS"))
    need = int(listening_setting("LONG_STANDING_MONTHS"))
    alpha = float(listening_setting("LONG_STANDING_ALPHA"))
    min_monthly = int(listening_setting("LONG_STANDING_MIN_MONTHLY"))
    complete = [i for i, (start, _end) in enumerate(months) if start >= first_day]
    runs = {}
    for pair, counts in monthly.items():
        run_start, frozen, bound = None, 0.0, 0
        for j in complete:
            if run_start is None:
                history = [i for i in complete if i < j][-n_base:]
                if len(history) < min_history:
                    continue
                frozen = median_baseline([counts[i] for i in history])
                bound = poisson_upper_bound(frozen, alpha)
            if counts[j] > bound and counts[j] >= min_monthly:
                run_start = j if run_start is None else run_start
            else:
                run_start = None
        if run_start is not None and len(months) - run_start >= need and run_start in complete:
            total = sum(counts[i] for i in range(run_start, len(months)))
            span = len(months) - run_start
            runs[pair] = {
                "start": run_start,
                "months": span,
                "count": total,
                "baseline": frozen,
                "p": poisson_sf(total, frozen * span),
            }
    return runs


def _body_signals(*, root: Agency, period: Period, source: Source) -> list[Signal]:
    """Repeats received and appeals taken over the head, per body of the subtree (two queries)."""
    out = []
    received = source.totals(period.start, period.end, ("agency_id",), counters=("received", "received_repeated"))
    dates = {"registered_after": period.start.isoformat(), "registered_before": period.end.isoformat()}
    for (agency_id,), (all_received, repeats) in received.items():
        if repeats:
            out.append(
                Signal(
                    kind=REPEAT,
                    count=repeats,
                    since=period.start,
                    until=period.end,
                    agency_id=agency_id,
                    share=round(100.0 * repeats / all_received, 1) if all_received else None,
                    score=round(repeats / all_received, 3) if all_received else None,
                    score_name="share",
                    query={"agency": agency_id, "repeat": "true", **dates},
                )
            )
    for agency_id, _path, count in _escalations(source, period):
        out.append(
            Signal(
                kind=ESCALATION,
                count=count,
                since=period.start,
                until=period.end,
                agency_id=agency_id,
                query={
                    "agency": agency_id,
                    "taken_higher_after": period.start.isoformat(),
                    "taken_higher_before": period.end.isoformat(),
                },
            )
        )
    return out


def escalations_over_head(*, root: Agency, period: Period) -> list[tuple[int, str, int]]:
    """(agency id, agency path, how many of its appeals citizens took higher in the period) of each body of
    the subtree: the distinct lower appeals of the escalations registered in the period. One query."""
    rows = (
        _registered(Appeal.objects.filter(escalated_from__agency__path__startswith=root.path), period.start, period.end)
        .values("escalated_from__agency_id", "escalated_from__agency__path")
        .order_by()
        .annotate(n=Count("escalated_from_id", distinct=True))
    )
    return [(r["escalated_from__agency_id"], r["escalated_from__agency__path"], r["n"]) for r in rows]


def _escalations(source: Source, period: Period) -> list[tuple[int, str, int]]:
    """escalations_over_head of the source's root, read once for a page that shows them twice (the league table's
    column and the signals)."""
    key = ("escalations", period.start, period.end)
    if key not in source.memo:
        source.memo[key] = escalations_over_head(root=source.root, period=period)
    return source.memo[key]


def escalations_by_branch(*, source: Source, period: Period) -> dict[int, int]:
    """The league table's column: appeals taken over the head, per branch of the root (and the root itself)."""
    totals: Counter = Counter()
    for _agency_id, path, count in _escalations(source, period):
        totals[source.branch_of(path)] += count
    return dict(totals)
