"""What each appeal and each audit event contributes to the dashboard's counters, and on which day.

This is the one definition of every counted indicator: the roll-up builder and the live reading of
days not yet rolled up both call `collect`, so history and today can never disagree.

- received: registered that day (local Asia/Almaty date); of them repeated, redirected in (opened
  here by another body's redirect) and escalated in (a complaint about a lower body's appeal);
- closed: resolved that day with any outcome but a redirect (a redirect is counted once, as a
  redirect out, never as closed); on time against the statutory term when resolved on or before
  `original_due_date`; against the agency's own target (Agency.target_working_days) when answered
  within that many working days of the registration day (agencies without a target: the statutory
  term); left without consideration; working days from the registration day to the resolution;
- first response: hours from registration to the executor's first action, on the day of that action;
- redirects out (late ones: after the redirect limit), extensions granted, returns for rework,
  escalations of overdue appeals: one per audit event, on the event's day;
- ratings: the applicant's rating, on the day it was recorded.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone

from ..calendar import policy
from ..calendar.workdays import WorkingCalendar, get_calendar, local_day
from ..infra.replica import iterate
from ..models import Appeal, AppealEvent
from ..models.choices import OPEN_STATUSES, EventKind, Outcome

REDIRECT_EVENTS = (EventKind.REDIRECTED, EventKind.PART_REDIRECTED)
COUNTED_EVENTS = {
    EventKind.REDIRECTED: "redirected_out",
    EventKind.PART_REDIRECTED: "redirected_out",
    EventKind.EXTENSION_GRANTED: "extensions",
    EventKind.RETURNED: "returns",
    EventKind.ESCALATED: "escalated",
}


class Key(NamedTuple):
    """The dimensions of one roll-up row (assignee only for the per-employee reading). A named tuple: the live
    reading kept in the cache holds a thousand of them for the whole country, and a tuple is read back five times
    faster than a dataclass."""

    day: date
    agency_id: int
    category_id: int | None
    region: str
    channel: str
    assignee_id: int | None = None


@dataclass
class Collected:
    counters: dict[Key, Counter] = field(default_factory=lambda: defaultdict(Counter))
    # (day, agency_id, assignee_id, working days to answer) -> appeals
    durations: Counter = field(default_factory=Counter)
    agency_paths: dict[int, str] = field(default_factory=dict)


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in Asia/Almaty, as aware datetimes."""
    tz = timezone.get_default_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _in(moment: datetime | None, lo: datetime, hi: datetime) -> bool:
    return moment is not None and lo <= moment < hi


def working_days_to_answer(registered_at: datetime, resolved_at: datetime, cal: WorkingCalendar) -> int:
    start = policy.registration_day(registered_at, cal)
    return max(0, cal.working_days_between(start, local_day(resolved_at)))


def _scope(prefix: str, path: str | None, agency_id: int | None, appeal_id: int | None) -> Q:
    condition = Q()
    if path is not None:
        condition &= Q(**{f"{prefix}agency__path__startswith": path})
    if agency_id is not None:
        condition &= Q(**{f"{prefix}agency_id": agency_id})
    if appeal_id is not None:
        condition &= Q(**{f"{prefix}pk": appeal_id})
    return condition


def collect(
    start: date,
    end: date,
    *,
    path: str | None = None,
    agency_id: int | None = None,
    appeal_id: int | None = None,
    by_assignee: bool = False,
) -> Collected:
    """Every counter of every (day, agency, category, region, channel) from `start` to `end` (local days),
    and with `by_assignee` of every executor (the appeal's current one) too.

    `path` narrows to an agency subtree, `agency_id` to one agency, `appeal_id` to one appeal. Two queries.
    """
    lo, hi = local_bounds(start, end)
    out = Collected()
    _collect_appeals(out, lo, hi, _scope("", path, agency_id, appeal_id), by_assignee)
    _collect_events(out, lo, hi, _scope("appeal__", path, agency_id, appeal_id), by_assignee)
    return out


_APPEAL_COLUMNS = (
    "agency_id",
    "agency__path",
    "agency__target_working_days",
    "category_id",
    "region",
    "channel",
    "assignee_id",
    "registered_at",
    "resolved_at",
    "first_action_at",
    "applicant_rated_at",
    "applicant_rating",
    "status",
    "outcome",
    "original_due_date",
    "is_repeated",
    "repeat_of_id",
    "redirected_from_id",
    "escalated_from_id",
)


def _collect_appeals(out: Collected, lo: datetime, hi: datetime, scope: Q, by_assignee: bool) -> None:
    """What each appeal registered, resolved, first acted on or rated in [lo, hi) counts: one query."""
    cal = get_calendar()
    appeals = Appeal.objects.filter(
        Q(registered_at__gte=lo, registered_at__lt=hi)
        | Q(resolved_at__gte=lo, resolved_at__lt=hi)
        | Q(first_action_at__gte=lo, first_action_at__lt=hi)
        | Q(applicant_rated_at__gte=lo, applicant_rated_at__lt=hi)
    ).filter(scope)
    for row in iterate(appeals.values_list(*_APPEAL_COLUMNS).order_by(), chunk_size=2000):
        _count_appeal(out, row, lo, hi, cal, by_assignee)


def _count_appeal(out: Collected, row: tuple, lo: datetime, hi: datetime, cal: WorkingCalendar, by_assignee: bool):
    (
        row_agency_id,
        row_path,
        target,
        category_id,
        region,
        channel,
        assignee_id,
        registered_at,
        resolved_at,
        first_action_at,
        rated_at,
        rating,
        status,
        outcome,
        original_due,
        is_repeated,
        repeat_of_id,
        redirected_from_id,
        escalated_from_id,
    ) = row
    out.agency_paths[row_agency_id] = row_path
    who = assignee_id if by_assignee else None

    def counter(moment: datetime) -> Counter:
        return out.counters[Key(local_day(moment), row_agency_id, category_id, region, channel, who)]

    if _in(registered_at, lo, hi):
        c = counter(registered_at)
        c["received"] += 1
        # A repeat: flagged by the registrar or linked to the earlier appeal (appeals.listening).
        c["received_repeated"] += int(is_repeated or repeat_of_id is not None)
        c["redirected_in"] += int(redirected_from_id is not None)
        c["escalated_in"] += int(escalated_from_id is not None)
    if _in(resolved_at, lo, hi) and status not in OPEN_STATUSES and outcome != Outcome.REDIRECTED:
        c = counter(resolved_at)
        resolved_day = local_day(resolved_at)
        days = working_days_to_answer(registered_at, resolved_at, cal)
        on_time = resolved_day <= original_due
        c["closed"] += 1
        c["closed_on_time"] += int(on_time)
        c["closed_on_time_target"] += int(days <= target if target else on_time)
        c["left_without_consideration"] += int(outcome == Outcome.LEFT_WITHOUT_CONSIDERATION)
        out.durations[(resolved_day, row_agency_id, who, days)] += 1
    if _in(first_action_at, lo, hi):
        c = counter(first_action_at)
        c["first_response_count"] += 1
        c["first_response_hours"] += max(0.0, (first_action_at - registered_at).total_seconds() / 3600)
    if _in(rated_at, lo, hi) and rating:
        c = counter(rated_at)
        c["rating_count"] += 1
        c["rating_sum"] += rating


def _collect_events(out: Collected, lo: datetime, hi: datetime, scope: Q, by_assignee: bool) -> None:
    """The counted events (redirects, extensions, returns, escalations) written in [lo, hi): one query."""
    events = AppealEvent.objects.filter(scope, kind__in=list(COUNTED_EVENTS), created_at__gte=lo, created_at__lt=hi)
    rows = iterate(
        events.values_list(
            "kind",
            "created_at",
            "payload",
            "appeal__agency_id",
            "appeal__agency__path",
            "appeal__category_id",
            "appeal__region",
            "appeal__channel",
            "appeal__assignee_id",
        ).order_by(),
        chunk_size=2000,
    )
    for kind, created_at, payload, row_agency_id, row_path, category_id, region, channel, assignee_id in rows:
        out.agency_paths[row_agency_id] = row_path
        who = assignee_id if by_assignee else None
        c = out.counters[Key(local_day(created_at), row_agency_id, category_id, region, channel, who)]
        name = COUNTED_EVENTS[kind]
        c[name] += 1
        if name == "redirected_out" and (payload or {}).get("late"):
            c["redirected_out_late"] += 1
