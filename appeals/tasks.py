"""Celery tasks: thin, they take ids, load rows and call a service or the mailer."""

from __future__ import annotations

import logging

from celery import shared_task

from . import mailer

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=8, default_retry_delay=30, acks_late=True)
def send_applicant_notice_task(self, appeal_id: int, kind: str, extra: dict | None = None) -> None:
    try:
        mailer.send_applicant_notice(appeal_id=appeal_id, kind=kind, extra=extra or {})
    except OSError as exc:  # SMTP down or refused: try again later
        logger.warning("applicant notice %s for appeal %s failed: %s", kind, appeal_id, exc.__class__.__name__)
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2**self.request.retries)) from exc


@shared_task(bind=True, max_retries=8, default_retry_delay=30, acks_late=True)
def send_staff_notice_task(self, appeal_id: int, kind: str, recipient_id: int | None = None) -> None:
    try:
        mailer.send_staff_notice(appeal_id=appeal_id, kind=kind, recipient_id=recipient_id)
    except OSError as exc:
        logger.warning("staff notice %s for appeal %s failed: %s", kind, appeal_id, exc.__class__.__name__)
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2**self.request.retries)) from exc


@shared_task(acks_late=True, ignore_result=True)
def webhook_deliver_task(delivery_id: int) -> None:
    """Send one status webhook (claims the row first: safe to run twice)."""
    from .webhooks import webhook_deliver

    webhook_deliver(delivery_id=delivery_id)


@shared_task(acks_late=True, ignore_result=True)
def webhook_deliveries_retry_task() -> None:
    """Celery beat, every minute: send the webhooks that are due (retries with backoff, lost enqueues)."""
    from .webhooks import webhook_deliveries_retry

    webhook_deliveries_retry()
