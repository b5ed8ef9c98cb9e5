"""Which notices a change of an appeal calls for. Services call these inside their transaction.

Each call writes pending rows in the transactional outbox (appeals.models.Notice) in the
service's own transaction, and hands them to Celery once it commits (appeals.notices.outbox). If the
change rolls back, no notice exists; if the broker is down at commit time, the rows stay pending
and the catch-up task sends them: nothing is lost and the user's request never fails for it.
"""

from __future__ import annotations

from typing import Any

from agencies.selectors import agency_supervisors_up_the_tree

from ..models.choices import NoticeKind

APPLICANT_RECEIPT = NoticeKind.RECEIPT.value
APPLICANT_REDIRECT = NoticeKind.REDIRECT.value
APPLICANT_EXTENSION = NoticeKind.EXTENSION.value
APPLICANT_ANSWER = NoticeKind.ANSWER.value
APPLICANT_LEFT = NoticeKind.LEFT.value
APPLICANT_MERGED = NoticeKind.MERGED.value
APPLICANT_KINDS = (
    APPLICANT_RECEIPT,
    APPLICANT_REDIRECT,
    APPLICANT_EXTENSION,
    APPLICANT_ANSWER,
    APPLICANT_LEFT,
    APPLICANT_MERGED,
)

STAFF_ASSIGNED = NoticeKind.ASSIGNED.value
STAFF_RETURNED = NoticeKind.RETURNED.value
STAFF_ESCALATED = NoticeKind.ESCALATED.value
STAFF_KINDS = (STAFF_ASSIGNED, STAFF_RETURNED, STAFF_ESCALATED)


def applicant_notice_on_commit(appeal, kind: str, extra: dict[str, Any] | None = None) -> None:
    """Email the applicant (when an address is known) once the change is committed."""
    applicant_notices_on_commit([appeal], kind, extra)


def applicant_notices_on_commit(appeals, kind: str, extra: dict[str, Any] | None = None) -> None:
    """The same notice to the applicant of each of `appeals` (those with an address), in one insert."""
    from .outbox import notices_add

    notices_add(_applicant_notices(appeals, kind, extra))


def applicant_notices_written(appeals, kind: str, extra: dict[str, Any] | None = None) -> list[int]:
    """`applicant_notices_on_commit` for a caller that hands the notices' ids to the workers itself, after commit,
    with its own work (a registration: its receipts and matter matching in one message; outbox.notices_write)."""
    from .outbox import notices_write

    return notices_write(_applicant_notices(appeals, kind, extra))


def _applicant_notices(appeals, kind: str, extra: dict[str, Any] | None) -> list:
    from ..models import Notice

    if kind not in APPLICANT_KINDS:
        raise ValueError(kind)
    return [
        Notice(appeal=appeal, kind=kind, email=appeal.applicant_email, due_date=appeal.due_date, context=extra or {})
        for appeal in appeals
        if appeal.applicant_email
    ]


def staff_notice_on_commit(appeal, kind: str, recipient=None) -> None:
    """Email a member of staff (or, for escalations, the supervisors up the tree) after commit."""
    from ..models import Notice
    from .outbox import notices_add

    if kind not in STAFF_KINDS:
        raise ValueError(kind)
    if kind == STAFF_ESCALATED:
        recipients = list(agency_supervisors_up_the_tree(appeal.agency))
    else:
        recipients = [recipient] if recipient is not None and recipient.is_active else []
    notices_add(
        [
            Notice(appeal=appeal, kind=kind, user=user, email=user.email, due_date=appeal.due_date)
            for user in recipients
            if user.email
        ]
    )


def appeal_changed(appeal, event) -> None:
    """Called by the services after every audited change, inside its transaction.

    The place for side effects every change has (status webhooks, notices that depend on the
    state); each must only write rows in this transaction or register on_commit work.
    Deadline reminders need nothing here: the scan works from the appeals' state, and a pending
    reminder whose appeal closed or got a new due date is dropped when its turn comes.
    """
    appeals_changed([(appeal, event)])


def appeals_changed(changes) -> None:
    """`appeal_changed` for several (appeal, event) pairs at once (a batch registration)."""
    from .webhooks import webhook_deliveries_create_many

    webhook_deliveries_create_many(changes)  # status webhooks: outbox rows, sent on commit
