"""Celery tasks: thin, they take ids, call a service and return what it counted (for the worker's log).

The edge of the app: tasks import the parts they run, never the other way round. Inner code that must start
a task after its transaction commits (the outbox, the webhooks, matter matching) asks `appeals.infra.handoff`
for it by the short name of HANDOFFS below, which AppealsConfig.ready() connects when Django starts.
The beat schedule is CELERY_BEAT_SCHEDULE in config/settings.py; the tasks' names (appeals.tasks.<name>) are
what beat and config/celery.py send, so they stay where they are. Every task is safe to run twice: the notices
they write and send are claimed row by row (appeals.notices.outbox).
"""

from __future__ import annotations

from celery import shared_task

from .dashboard.rollups import rollups_refresh
from .listening.emails import signals_email_send
from .listening.matching import appeals_match
from .notices import outbox
from .notices.webhooks import webhook_deliver, webhook_deliveries_retry
from .reminders import digests, scan
from .routing.services import NotEnoughHistory, router_train


@shared_task(acks_late=True)
def notices_send_task(notice_ids: list[int]) -> dict[str, int]:
    """Send these notices over one SMTP connection (failures stay pending, with backoff)."""
    return outbox.notices_send(notice_ids=notice_ids).as_dict()


@shared_task(acks_late=True)
def notices_dispatch_pending_task() -> int:
    """The catch-up: hand every pending notice whose time has come to the workers."""
    return outbox.notices_dispatch_pending()


@shared_task(acks_late=True)
def reminders_scan_task() -> dict[str, int]:
    """The deadline scan: reminders to assignees and registrars, escalation of newly overdue appeals."""
    result = scan.reminders_scan().as_dict()
    scan.heartbeat(scan.REMINDER_SCAN_HEARTBEAT)  # for /healthz: the scan is running
    return result


@shared_task(acks_late=True)
def signals_email_send_task() -> int:
    """The supervisors' weekly signals email (Mondays; once a week however often it runs)."""
    return signals_email_send()


@shared_task(acks_late=True)
def digests_send_task() -> int:
    """The supervisors' daily digest (skipped on days off)."""
    return digests.digests_send()


@shared_task(acks_late=True, ignore_result=True)
def webhook_deliver_task(delivery_id: int) -> None:
    """Send one status webhook (claims the row first: safe to run twice)."""
    webhook_deliver(delivery_id=delivery_id)


@shared_task(acks_late=True, ignore_result=True)
def webhook_deliveries_retry_task() -> None:
    """Celery beat, every minute: send the webhooks that are due (retries with backoff, lost enqueues)."""
    webhook_deliveries_retry()


@shared_task(acks_late=True)
def dashboard_rollups_refresh_task() -> int:
    """Nightly: rebuild the dashboard's daily roll-ups of the last few days (safe to run twice)."""
    from django.conf import settings

    return rollups_refresh(days=int(settings.DASHBOARD["ROLLUP_REFRESH_DAYS"]))


@shared_task(acks_late=True)
def router_train_task() -> int | None:
    """Nightly: train a new routing model from the finished appeals; None when the history is too short."""
    try:
        return router_train().version
    except NotEnoughHistory:
        return None


@shared_task(acks_late=True)
def appeals_registered_task(appeal_ids: list[int], notice_ids: list[int]) -> int:
    """What follows a registration, in one message: matter matching of its appeals (repeat / escalation links,
    in registration order), then its receipts sent. Safe to run twice; the receipts go out even if matching fails."""
    try:
        return len(appeals_match(appeal_ids=appeal_ids).linked) if appeal_ids else 0
    finally:
        if notice_ids:
            outbox.notices_send(notice_ids=notice_ids)


# Registrations hand over to appeals_registered_task; these two stay for messages an earlier release queued.
@shared_task(acks_late=True)
def appeal_match_task(appeal_id: int) -> int:
    """Matter matching of a newly registered appeal (repeat / escalation links); safe to run twice."""
    return len(appeals_match(appeal_ids=[appeal_id]).linked)


@shared_task(acks_late=True)
def appeals_match_task(appeal_ids: list[int]) -> int:
    """Matter matching of a batch of newly registered appeals, in registration order; safe to run twice."""
    return len(appeals_match(appeal_ids=appeal_ids).linked)


# The tasks inner code starts through appeals.infra.handoff (connected in AppealsConfig.ready()).
HANDOFFS = {
    "notices_send": notices_send_task,
    "webhook_deliver": webhook_deliver_task,
    "appeals_registered": appeals_registered_task,
}
