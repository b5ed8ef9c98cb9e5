"""Deadline reminders, escalation and the supervisors' digest: who is told what, and when.

The reminder policy is settings.APPEAL_POLICY (read through appeals.calendar.policy), in working days
of our calendar (appeals.calendar):
  - the assignee: 3 and 1 working days before the due date, on the due day, and each working
    day while the appeal is overdue (REMINDER_WORKING_DAYS_BEFORE, REMINDER_OVERDUE_DAILY);
  - the supervisors up the tree: an immediate notice when an appeal becomes overdue (the scan
    escalates it once through appeals.lifecycle.appeal_escalate), and a daily digest of their
    subtree's appeals due within DIGEST_DUE_WITHIN_WORKING_DAYS or overdue;
  - the registrars (and the assignee): complaints still to go up to the higher body, their limit
    COMPLAINT_FORWARD_REMINDER_WORKING_DAYS away or less;
  - the registrars: unassigned appeals whose redirect limit is REDIRECT_LIMIT_REMINDER_WORKING_DAYS
    away or less.
No reminder or digest goes out on a day off (an escalation does: it is immediate).

The scan works from the appeals' state, not from events: each run computes the reminder every
appeal should have had by now (its stage depends on the working days left) and inserts the
missing ones (the unique constraint makes the insert the claim), so a run after an outage sends
what is still relevant and a second run sends nothing new. It reads only open appeals due within
a few working days or overdue, through the partial index on open appeals, with an anti-join on
the outbox that returns only those still owed a reminder; a chunk at a time (keyset on due date
and id), each chunk in its own short transaction, handed to the workers after its commit.
With a read replica the candidates are read there (appeals.infra.replica), and each chunk is read again
on the primary, by id, inside the transaction that writes its reminders: the replica says where to look,
the primary decides (an appeal closed or reassigned a moment ago is not reminded from a stale copy).
Measured on PostgreSQL with a million open appeals (200 000 of them in the window): a second
run takes about a second; the first wrote 152 000 reminders in 51 s.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from agencies.choices import Role
from agencies.models import Membership

from .. import lifecycle
from ..access.selectors import (
    after_due_date_and_id,
    appeals_due_for_reminder,
    appeals_nearing_complaint_forward,
    appeals_nearing_redirect_limit,
    appeals_to_escalate,
)
from ..calendar.policy import policy
from ..calendar.workdays import WorkingCalendar, get_calendar
from ..infra.replica import PRIMARY, reading_from_replica
from ..models import Appeal, Heartbeat, Notice
from ..models.choices import NoticeKind
from ..notices.outbox import notices_claim, notices_enqueue_on_commit, outbox_setting

logger = logging.getLogger(__name__)


@dataclass
class ScanResult:
    appeals: int = 0  # open appeals whose assignee was owed a reminder
    reminders: int = 0  # new reminders to assignees
    redirect_limit: int = 0  # new reminders to registrars
    complaint_forward: int = 0  # new reminders of complaints to send up to the higher body
    escalated: int = 0  # appeals escalated (their supervisors notified)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def reminders_scan(*, now: datetime | None = None) -> ScanResult:
    """Write (and hand over) every reminder due by now that is not written yet; escalate new overdue appeals."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cal = get_calendar()
    working_day = cal.is_working_day(today)
    chunk_size = outbox_setting("SCAN_CHUNK_SIZE")
    escalations = outbox_setting("ESCALATIONS_PER_SCAN")
    result = ScanResult()

    queryset = (
        appeals_due_for_reminder(now=now)
        .select_related("assignee")
        .only("id", "due_date", "assignee", "assignee__email", "assignee__is_active")
    )
    last: tuple[date, int] | None = None
    while True:
        page = queryset if last is None else queryset.filter(after_due_date_and_id(*last))
        chunk, recheck = _read_candidates(page, queryset, chunk_size)
        if not chunk:
            break
        last = (chunk[-1].due_date, chunk[-1].pk)
        result.appeals += len(chunk)
        result.reminders += _claim_and_hand_over(
            chunk, lambda rows: [_assignee_reminder(a, a.reminder_stage) for a in rows], recheck=recheck
        )

    with reading_from_replica():  # each one is read again on the primary, and escalated by compare-and-set
        escalate = list(appeals_to_escalate(now=now).values_list("pk", flat=True)[:escalations])
    for appeal_id in escalate:
        result.escalated += _escalate(appeal_id)

    if working_day:
        result.redirect_limit = _redirect_limit_reminders(today=today, cal=cal, chunk_size=chunk_size)
        result.complaint_forward = _complaint_forward_reminders(today=today, cal=cal, chunk_size=chunk_size)
    logger.info("reminder scan for %s: %s", today.isoformat(), result.as_dict())
    return result


REMINDER_SCAN_HEARTBEAT = "reminders_scan"


def heartbeat(name: str, *, at: datetime | None = None) -> None:
    """Record that the periodic job `name` just finished (read by /healthz): one upsert query."""
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, at=at or timezone.now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["at"],
    )


def _assignee_reminder(appeal: Appeal, stage: int) -> Notice:
    assignee = appeal.assignee
    return Notice(
        appeal_id=appeal.pk,
        kind=NoticeKind.OVERDUE_REMINDER if stage < 0 else NoticeKind.DUE_REMINDER,
        user_id=assignee.pk,
        email=assignee.email,
        due_date=appeal.due_date,
        days_left=stage,
    )


def _read_candidates(page: QuerySet, queryset: QuerySet, chunk_size: int) -> tuple[list, QuerySet | None]:
    """A chunk of `page`, read on the replica where there is one, and the queryset that reads its rows again on the
    primary when it came from the replica (None when it came from the primary)."""
    with reading_from_replica() as source:
        chunk = list(page[:chunk_size])
    return chunk, (None if source == PRIMARY else queryset)


def _claim_and_hand_over(chunk: list, notices_of: Callable[[list], list[Notice]], *, recheck: QuerySet | None) -> int:
    """Insert the chunk's notices not written yet, in one short transaction; hand them over after its commit.

    A chunk read on the replica is read again on the primary first (`recheck`, by id, in the transaction): only the
    rows that are still candidates there, as they are there, make notices.
    """
    candidates = notices_of(chunk) if recheck is None else []
    if recheck is None and not candidates:
        return 0
    with transaction.atomic():
        if recheck is not None:
            candidates = notices_of(list(recheck.filter(pk__in=[row.pk for row in chunk])))
            if not candidates:
                return 0
        ids = notices_claim(candidates)
        notices_enqueue_on_commit(ids)
    return len(ids)


def _escalate(appeal_id: int) -> int:
    """Escalate one overdue appeal through the service (its own transaction, audited, notices on commit)."""
    appeal = Appeal.objects.select_related("agency").filter(pk=appeal_id).first()
    if appeal is None or appeal.escalated_at is not None or not appeal.is_overdue:
        return 0
    try:
        lifecycle.appeal_escalate(appeal=appeal, actor=None)
    except lifecycle.AppealError as exc:  # changed meanwhile (escalated by another scan): the next scan sees it
        logger.info("appeal %s not escalated now: %s", appeal.number, " ".join(exc.messages))
        return 0
    return 1


def _working_days_back(day: date, n: int, cal: WorkingCalendar) -> date:
    while n > 0:
        day -= timedelta(days=1)
        if cal.is_working_day(day):
            n -= 1
    return day


def redirect_limit_window(today: date, cal: WorkingCalendar) -> tuple[datetime, datetime]:
    """The registrations whose redirect limit falls within the registrars' reminder window.

    The limit is the L-th working day after the registration day (a registration on a day off
    counts from the next working day); the reminder goes out while it is 0 to N working days
    away. Returns [from, before) for `registered_at`.
    """
    limit = int(policy("REDIRECT_LIMIT_WORKING_DAYS"))
    window = int(policy("REDIRECT_LIMIT_REMINDER_WORKING_DAYS"))
    first = _working_days_back(today, limit, cal)  # its limit is today
    last = (
        cal.add_working_days(today, window - limit)
        if window >= limit
        else _working_days_back(today, limit - window, cal)
    )
    start = _working_days_back(first, 1, cal) + timedelta(days=1)  # days off before `first` count as `first`
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
    )


def _redirect_limit_reminders(*, today: date, cal: WorkingCalendar, chunk_size: int) -> int:
    """Tell the registrars of each unassigned appeal whose redirect limit is near (once per appeal)."""
    registered_from, registered_before = redirect_limit_window(today, cal)
    stage = int(policy("REDIRECT_LIMIT_REMINDER_WORKING_DAYS"))
    created = 0
    last: tuple[datetime, int] | None = None
    queryset = appeals_nearing_redirect_limit(registered_from=registered_from, registered_before=registered_before)
    while True:
        page = (
            queryset
            if last is None
            else queryset.filter(Q(registered_at__gt=last[0]) | Q(registered_at=last[0], pk__gt=last[1]))
        )
        fields = ("id", "agency_id", "registered_at", "due_date")
        chunk, recheck = _read_candidates(page.only(*fields), queryset.only(*fields), chunk_size)
        if not chunk:
            return created
        last = (chunk[-1].registered_at, chunk[-1].pk)
        created += _claim_and_hand_over(chunk, functools.partial(_redirect_limit_notices, stage=stage), recheck=recheck)


def _redirect_limit_notices(chunk: list[Appeal], *, stage: int) -> list[Notice]:
    registrars = _registrars_by_agency({appeal.agency_id for appeal in chunk})
    return [
        Notice(
            appeal_id=appeal.pk,
            kind=NoticeKind.REDIRECT_LIMIT,
            user_id=user.pk,
            email=user.email,
            due_date=appeal.due_date,
            days_left=stage,
        )
        for appeal in chunk
        for user in registrars.get(appeal.agency_id, [])
    ]


def _registrars_by_agency(agency_ids: set[int]) -> dict[int, list]:
    """The active registrars with an email address of each agency, in one query."""
    registrars: dict[int, list] = {}
    memberships = (
        Membership.objects.filter(agency_id__in=agency_ids, role=Role.REGISTRAR, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
    for membership in memberships:
        registrars.setdefault(membership.agency_id, []).append(membership.user)
    return registrars


def _complaint_forward_reminders(*, today: date, cal: WorkingCalendar, chunk_size: int) -> int:
    """Tell the registrars, and the assignee if there is one, of each open complaint whose limit to go up to
    the higher body is COMPLAINT_FORWARD_REMINDER_WORKING_DAYS away or less (once per complaint)."""
    stage = int(policy("COMPLAINT_FORWARD_REMINDER_WORKING_DAYS"))
    queryset = appeals_nearing_complaint_forward(today=today, last_day=cal.add_working_days(today, stage))
    created = 0
    last: tuple[date, int] | None = None
    while True:
        page = (
            queryset
            if last is None
            else queryset.filter(Q(forward_due_date__gt=last[0]) | Q(forward_due_date=last[0], pk__gt=last[1]))
        )
        fields = ("id", "agency_id", "forward_due_date", "due_date", "assignee__email", "assignee__is_active")
        chunk, recheck = _read_candidates(
            page.select_related("assignee").only(*fields), queryset.select_related("assignee").only(*fields), chunk_size
        )
        if not chunk:
            return created
        last = (chunk[-1].forward_due_date, chunk[-1].pk)
        created += _claim_and_hand_over(
            chunk, functools.partial(_complaint_forward_notices, stage=stage), recheck=recheck
        )


def _complaint_forward_notices(chunk: list[Appeal], *, stage: int) -> list[Notice]:
    registrars = _registrars_by_agency({appeal.agency_id for appeal in chunk})
    candidates = []
    for appeal in chunk:
        users = {user.pk: user for user in registrars.get(appeal.agency_id, [])}
        assignee = appeal.assignee
        if assignee is not None and assignee.is_active and assignee.email:
            users.setdefault(assignee.pk, assignee)
        candidates += [
            Notice(
                appeal_id=appeal.pk,
                kind=NoticeKind.COMPLAINT_FORWARD,
                user_id=user.pk,
                email=user.email,
                due_date=appeal.due_date,
                days_left=stage,
            )
            for user in users.values()
        ]
    return candidates
