"""The outbox of notices: services that write, hand over, send, retry and drop them.

How a notice travels:
  1. It is written as a pending `Notice` row in the transaction of its cause (a service's change
     through appeals.notices.notifications, or a chunk of the deadline scan), so it exists exactly when
     its cause was committed.
  2. After the commit its id is handed to the broker (`notices_send_task`). A broker error is
     logged and swallowed: the row stays pending and the catch-up hands it over again.
  3. A worker claims the row with a conditional UPDATE (a lease in `claimed_until`), checks that
     it is still relevant (else it is dropped, with the reason), sends it over the batch's one
     SMTP connection and moves it from pending to sent with another conditional UPDATE.
  4. An SMTP failure keeps it pending with its last error and a next attempt later (exponential
     backoff); a permanent refusal, or a notice still failing after NOTICE_OUTBOX["GIVE_UP_HOURS"],
     is marked failed. `notices_dispatch_pending` (beat, every minute) hands over every pending
     notice whose time has come: after a broker, worker or SMTP outage nothing is lost.

A worker killed while sending leaves at most the one notice it held; its lease runs out and the
catch-up sends it. If the SMTP server had already stored that message (killed, or disconnected,
before the server's 250 reached us), the notice is delivered twice, with the same Message-ID: no
notice is lost, and a copy is possible only in that window. Settings: NOTICE_OUTBOX in config/settings.py.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..access.selectors import notices_due_for_sending
from ..calendar.policy import policy, redirect_deadline, reminder_stage
from ..calendar.workdays import WorkingCalendar, get_calendar
from ..infra import handoff
from ..models import Appeal, Notice
from ..models.choices import OPEN_STATUSES, AppealStatus, NoticeKind, NoticeState
from . import mailer

logger = logging.getLogger(__name__)

# Publishing to the broker: a couple of quick retries, then give up (the catch-up takes over);
# a user's request never waits long on a broker that is down.
_PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}


def outbox_setting(key: str) -> int:
    return int(settings.NOTICE_OUTBOX[key])


# --- Writing ------------------------------------------------------------------------------------------
def notices_add(notices: Sequence[Notice]) -> list[int]:
    """Write notices that have no uniqueness to claim (those of a change) and send them after commit.

    Call inside the transaction of the change; nothing is sent if it rolls back.
    """
    ids = notices_write(notices)
    notices_enqueue_on_commit(ids)
    return ids


def notices_write(notices: Sequence[Notice]) -> list[int]:
    """Write notices as `notices_add` does, without handing them over: the caller hands their ids to the
    workers after commit with its own work (a registration: with matter matching, in one message). If it
    never does, the catch-up hands them over after REDISPATCH_SECONDS."""
    if not notices:
        return []
    later = timezone.now() + timedelta(seconds=outbox_setting("REDISPATCH_SECONDS"))
    for notice in notices:
        notice.next_attempt_at = later
    return [notice.pk for notice in Notice.objects.bulk_create(notices)]


def notice_key(notice: Notice) -> tuple:
    """What the unique constraints hold a deadline notice or a digest to."""
    if notice.kind in (NoticeKind.DIGEST, NoticeKind.SIGNALS):
        return (notice.kind, notice.user_id, notice.due_date)
    return (notice.kind, notice.appeal_id, notice.user_id, notice.due_date, notice.days_left)


def notices_claim(candidates: Sequence[Notice], *, existing: Iterable[tuple] = ()) -> list[int]:
    """Insert the deadline notices (or digests) not yet there and return the ids of those inserted.

    Inserting the row is the claim: the unique constraints refuse a second row with the same
    key, so of two scans running at once each notice is inserted, and then sent, by one only.
    `existing` holds the keys already known to be there (read in one query by the caller).
    Runs inside the caller's transaction.
    """
    known = set(existing)
    later = timezone.now() + timedelta(seconds=outbox_setting("REDISPATCH_SECONDS"))
    fresh: list[Notice] = []
    for notice in candidates:
        key = notice_key(notice)
        if key in known:
            continue
        known.add(key)
        notice.next_attempt_at = later
        fresh.append(notice)
    if not fresh:
        return []
    try:
        with transaction.atomic():
            return [notice.pk for notice in Notice.objects.bulk_create(fresh)]
    except IntegrityError:
        pass
    # Another scan inserted some of these meanwhile: insert one by one and skip those.
    ids = []
    for notice in fresh:
        notice.pk = None
        try:
            with transaction.atomic():
                notice.save(force_insert=True)
        except IntegrityError:
            continue
        ids.append(notice.pk)
    return ids


# --- Handing over to the broker -------------------------------------------------------------------------
def notices_enqueue_on_commit(notice_ids: Sequence[int]) -> None:
    """Hand the notices to the workers once the current transaction commits."""
    if notice_ids:
        transaction.on_commit(partial(notices_enqueue, list(notice_ids)))


def notices_enqueue(notice_ids: Sequence[int]) -> int:
    """Queue `notices_send_task` in batches; returns how many notices were queued.

    A broker that is down is logged, never raised: this runs after the user's change was
    committed, and the pending rows are handed over again by the catch-up.
    """
    notices_send_task = handoff.task("notices_send")
    size = outbox_setting("BATCH_SIZE")
    queued = 0
    for start in range(0, len(notice_ids), size):
        batch = list(notice_ids[start : start + size])
        try:
            notices_send_task.apply_async(args=[batch], retry=True, retry_policy=_PUBLISH_RETRY)
        except Exception:
            if notices_send_task.app.conf.task_always_eager:
                raise  # run inline (tests, CELERY_TASK_ALWAYS_EAGER): a failure here is a bug to see
            logger.exception(
                "The broker refused %d notice(s); they stay pending and the catch-up sends them.",
                len(notice_ids) - start,
            )
            return queued
        queued += len(batch)
    return queued


def notices_dispatch_pending(*, now: datetime | None = None) -> int:
    """The catch-up: hand every pending notice whose time has come to the workers again.

    Each one handed over is not handed again for NOTICE_OUTBOX["REDISPATCH_SECONDS"], so a slow
    queue is not flooded with copies; copies would be harmless anyway (the send claims each row).
    """
    now = now or timezone.now()
    ids = list(notices_due_for_sending(now=now).values_list("pk", flat=True)[: outbox_setting("DISPATCH_LIMIT")])
    if not ids:
        return 0
    later = now + timedelta(seconds=outbox_setting("REDISPATCH_SECONDS"))
    for start in range(0, len(ids), 1000):
        Notice.objects.filter(pk__in=ids[start : start + 1000], state=NoticeState.PENDING).update(next_attempt_at=later)
    notices_enqueue(ids)
    return len(ids)


@transaction.atomic
def notice_retry(*, notice: Notice) -> bool:
    """Send a pending or failed notice now (the admin's "retry now"). False if it is being sent or done."""
    now = timezone.now()
    updated = (
        Notice.objects.filter(pk=notice.pk, state__in=[NoticeState.PENDING, NoticeState.FAILED])
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(
            state=NoticeState.PENDING,
            next_attempt_at=now + timedelta(seconds=outbox_setting("REDISPATCH_SECONDS")),
            claimed_until=None,
        )
    )
    if updated:
        notices_enqueue_on_commit([notice.pk])
    return bool(updated)


# --- Sending --------------------------------------------------------------------------------------------
@dataclass
class SendResult:
    sent: int = 0
    dropped: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0  # already sent, dropped, or held by another worker

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _is_permanent(exc: BaseException) -> bool:
    """A 5xx refusal of this message (bad address, message refused) will not get better by waiting."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def _describe(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:2000]


_RELATED = ("appeal", "appeal__agency", "appeal__agency__parent", "appeal__assignee", "appeal__registered_by", "user")


def notices_send(*, notice_ids: Sequence[int]) -> SendResult:
    """Send these notices over one SMTP connection; see the module docstring for the one window of a copy.

    Each notice is claimed, then read afresh, so an appeal closed or given a new due date a moment
    ago is seen and the notice dropped.
    """
    result = SendResult()
    ids = sorted(set(notice_ids))
    cal = get_calendar()
    connection = None
    try:
        for index, notice_id in enumerate(ids):
            now = timezone.now()
            lease = now + timedelta(seconds=outbox_setting("CLAIM_SECONDS"))
            claimed = (
                Notice.objects.filter(pk=notice_id, state=NoticeState.PENDING)
                .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
                .update(claimed_until=lease)
            )
            if claimed != 1:
                result.skipped += 1  # sent, dropped, or held by another worker
                continue
            notice = Notice.objects.select_related(*_RELATED).get(pk=notice_id)
            today = timezone.localdate(now)
            reason = notice_drop_reason(notice, today=today, cal=cal)
            message = None
            if reason is None:
                try:
                    message = mailer.notice_message(notice, today=today, cal=cal)
                except mailer.NothingToSend as nothing:
                    reason = str(nothing)
            if message is None:
                _finish(notice, state=NoticeState.DROPPED, last_error=reason or "")
                result.dropped += 1
                continue
            try:
                if connection is None:
                    connection = get_connection()
                    connection.open()
                connection.send_messages([message])
            except (smtplib.SMTPException, OSError) as exc:
                _close(connection)
                connection = None
                if _is_permanent(exc):
                    _finish(notice, state=NoticeState.FAILED, last_error=_describe(exc), attempted=True)
                    result.failed += 1
                    continue
                # The server is down or refuses for now: this notice and the rest of the batch wait.
                rest = ids[index + 1 :]
                retrying, gave_up = _retry_later(notice, exc, rest, now=now)
                result.retrying += retrying
                result.failed += gave_up
                break
            _finish(notice, state=NoticeState.SENT, sent_at=timezone.now(), email=message.to[0], attempted=True)
            result.sent += 1
    finally:
        _close(connection)
    return result


def _close(connection) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection must not hide the real outcome
            logger.debug("closing the SMTP connection failed", exc_info=True)


def _finish(notice: Notice, *, state: str, attempted: bool = False, **fields: Any) -> None:
    """Move the notice out of pending (conditional: a notice is finished once)."""
    changes: dict[str, Any] = {"state": state, "claimed_until": None, **fields}
    if attempted:
        changes["attempts"] = F("attempts") + 1
    if state == NoticeState.SENT:
        changes["last_error"] = ""
    updated = Notice.objects.filter(pk=notice.pk, state=NoticeState.PENDING).update(**changes)
    if updated != 1:
        logger.warning("notice %s was finished by someone else before it could be marked %s", notice.pk, state)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: the base after the first failure, doubling up to the cap."""
    base = outbox_setting("RETRY_BASE_SECONDS")
    cap = outbox_setting("RETRY_MAX_SECONDS")
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _retry_later(notice: Notice, exc: BaseException, rest: list[int], *, now: datetime) -> tuple[int, int]:
    """Keep the notice (and the batch's rest) pending with the error and a later attempt.

    Returns how many will be retried, and how many were given up (failed) because they kept
    failing for longer than NOTICE_OUTBOX["GIVE_UP_HOURS"].
    """
    error = _describe(exc)
    attempts = notice.attempts + 1
    next_at = now + retry_delay(attempts)
    give_up_before = now - timedelta(hours=outbox_setting("GIVE_UP_HOURS"))
    logger.warning("notice %s not sent (%s); next attempt at %s", notice.pk, error, next_at.isoformat())
    ids = [notice.pk, *rest]
    # The rest were not claimed by this worker: leave alone any that another worker holds now.
    free = Notice.objects.filter(pk__in=ids, state=NoticeState.PENDING).filter(
        Q(pk=notice.pk) | Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )
    gave_up = free.filter(created_at__lt=give_up_before).update(
        state=NoticeState.FAILED, last_error=error, attempts=F("attempts") + 1, claimed_until=None
    )
    retrying = free.update(last_error=error, attempts=F("attempts") + 1, next_attempt_at=next_at, claimed_until=None)
    return retrying, gave_up


# --- Is it still worth sending? -------------------------------------------------------------------------
def redirect_limit_stage(appeal: Appeal, *, today: date, cal: WorkingCalendar) -> int | None:
    """The registrars' reminder stage of an unassigned appeal: the reminder window, or None."""
    if appeal.status != AppealStatus.REGISTERED or appeal.assignee_id is not None:
        return None
    left = cal.working_days_left(redirect_deadline(appeal.registered_at, cal), today)
    window = int(policy("REDIRECT_LIMIT_REMINDER_WORKING_DAYS"))
    return window if 0 <= left <= window else None


def complaint_forward_stage(appeal: Appeal, *, today: date, cal: WorkingCalendar) -> int | None:
    """The reminder stage of a complaint still to go up to the higher body: the reminder window, or None
    (forwarded, finished, or its limit passed: then the workspace shows it late)."""
    if appeal.status not in OPEN_STATUSES or appeal.forward_due_date is None:
        return None
    left = cal.working_days_left(appeal.forward_due_date, today)
    window = int(policy("COMPLAINT_FORWARD_REMINDER_WORKING_DAYS"))
    return window if 0 <= left <= window else None


def notice_drop_reason(notice: Notice, *, today: date, cal: WorkingCalendar) -> str | None:
    """Why this notice must not be sent any more, or None.

    A notice about a deadline is dropped when the appeal was closed, got a new due date, went to
    another executor, or moved on to the next stage (its newer notice says it better). A notice
    to the applicant is always sent, except an extension notice a newer extension superseded.
    """
    user = notice.user
    if user is not None and (not user.is_active or not user.email):
        return _("The recipient is inactive or has no email address.")
    if notice.kind == NoticeKind.SIGNALS:
        if not user or not user.receive_signals:
            return _("The recipient has switched the weekly signals off.")
        if notice.due_date != today - timedelta(days=today.weekday()):
            return _("A newer weekly email replaces it.")
        return None
    if notice.kind == NoticeKind.DIGEST:
        if not user or not user.receive_digest:
            return _("The recipient has switched the daily digest off.")
        if notice.due_date != today:
            return _("A newer digest replaces it.")
        return None
    appeal = notice.appeal
    assert appeal is not None
    if notice.to_applicant:
        if notice.kind == NoticeKind.EXTENSION and appeal.due_date != notice.due_date:
            return _("A newer extension notice replaces it.")
        return None
    if appeal.status not in OPEN_STATUSES:
        return _("The appeal was closed before the notice was sent.")
    if notice.kind in (NoticeKind.ASSIGNED, NoticeKind.RETURNED):
        return None if appeal.assignee_id == notice.user_id else _("The appeal went to another executor.")
    if appeal.due_date != notice.due_date:
        return _("The appeal got a new due date before the notice was sent.")
    if notice.kind in (NoticeKind.DUE_REMINDER, NoticeKind.OVERDUE_REMINDER):
        if appeal.assignee_id != notice.user_id:
            return _("The appeal went to another executor.")
        if reminder_stage(cal.working_days_left(appeal.due_date, today)) != notice.days_left:
            return _("A newer reminder replaces it.")
    if notice.kind == NoticeKind.REDIRECT_LIMIT and redirect_limit_stage(appeal, today=today, cal=cal) is None:
        return _("The appeal was taken into work, or its redirect limit has passed.")
    if notice.kind == NoticeKind.COMPLAINT_FORWARD and complaint_forward_stage(appeal, today=today, cal=cal) is None:
        return _("The complaint went to the higher body, was finished, or its limit has passed.")
    return None
