"""Which emails a change of an appeal triggers. Services call these inside their transaction;
the email is queued to Celery only when the transaction commits."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction

APPLICANT_RECEIPT = "receipt"
APPLICANT_REDIRECT = "redirect"
APPLICANT_EXTENSION = "extension"
APPLICANT_ANSWER = "answer"
APPLICANT_LEFT = "left"
APPLICANT_MERGED = "merged"
APPLICANT_KINDS = (
    APPLICANT_RECEIPT,
    APPLICANT_REDIRECT,
    APPLICANT_EXTENSION,
    APPLICANT_ANSWER,
    APPLICANT_LEFT,
    APPLICANT_MERGED,
)

STAFF_ASSIGNED = "assigned"
STAFF_RETURNED = "returned"
STAFF_ESCALATED = "escalated"
STAFF_KINDS = (STAFF_ASSIGNED, STAFF_RETURNED, STAFF_ESCALATED)


def applicant_notice_on_commit(appeal, kind: str, extra: dict[str, Any] | None = None) -> None:
    """Email the applicant (when an address is known) once the change is committed."""
    if not appeal.applicant_email:
        return
    from .tasks import send_applicant_notice_task

    transaction.on_commit(partial(send_applicant_notice_task.delay, appeal.pk, kind, extra or {}))


def staff_notice_on_commit(appeal, kind: str, recipient=None) -> None:
    """Email a member of staff (or, for escalations, the supervisors up the tree) after commit."""
    from .tasks import send_staff_notice_task

    transaction.on_commit(
        partial(send_staff_notice_task.delay, appeal.pk, kind, recipient.pk if recipient is not None else None)
    )


def appeal_changed(appeal, event) -> None:
    """Called by the services after every audited change, inside its transaction.

    The place for side effects every change has (status webhooks, notices that depend on the
    state); each must only write rows in this transaction or register on_commit work.
    """
    from .webhooks import webhook_deliveries_create

    webhook_deliveries_create(appeal=appeal, event=event)  # status webhooks: outbox rows, sent on commit
