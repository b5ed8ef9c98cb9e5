"""The end of an appeal and a new start: leaving it without consideration, terminating, closing, reopening."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import User

from ..calendar import policy
from ..models import (
    Appeal,
)
from ..models.choices import (
    AppealAction,
    AppealStatus,
    EventKind,
    LeaveReason,
    Outcome,
    ResponseKind,
    TerminateReason,
)
from ..notices import notifications
from . import rules
from .audit import move, record_notice, with_challenge_block
from .rules import AppealError


@transaction.atomic
def appeal_leave_without_consideration(*, appeal: Appeal, actor: User, reason: str, comment: str = "") -> Appeal:
    """Leave the appeal without consideration, for a reason of the law, told to the applicant."""
    rules.action_check(actor, appeal, AppealAction.LEAVE)
    if reason not in LeaveReason.values:
        raise AppealError({"reason": [_("Choose a reason the law allows.")]})
    if appeal.reports_crime:
        raise AppealError(
            {
                "reason": [
                    _(
                        "An appeal reporting a crime or a threat to security is never left without "
                        "consideration: redirect it to the competent law-enforcement body."
                    )
                ]
            }
        )
    now = timezone.now()
    move(
        appeal,
        actor=actor,
        action=AppealAction.LEAVE,
        event_kind=EventKind.LEFT_WITHOUT_CONSIDERATION,
        outcome=Outcome.LEFT_WITHOUT_CONSIDERATION,
        resolved_at=now,
        extension_requested_until=None,
        payload={"reason": reason, "comment": comment.strip() or None},
    )
    with translation.override(appeal.language):
        text = _("Your appeal %(number)s is left without consideration: %(reason)s.") % {
            "number": appeal.number,
            "reason": str(LeaveReason(reason).label),
        }
        if comment.strip():
            text = f"{text}\n\n{comment.strip()}"
    record_notice(
        appeal,
        kind=ResponseKind.REFUSAL,
        text=with_challenge_block(appeal, text, appeal.language),
        author=actor,
        outcome=Outcome.LEFT_WITHOUT_CONSIDERATION,
    )
    notifications.applicant_notice_on_commit(appeal, notifications.APPLICANT_LEFT)
    return appeal


@transaction.atomic
def appeal_terminate(*, appeal: Appeal, actor: User, reason: str, comment: str = "") -> Appeal:
    """Stop handling the appeal (merged, applicant died, entity liquidated...)."""
    rules.action_check(actor, appeal, AppealAction.TERMINATE)
    if reason not in TerminateReason.values:
        raise AppealError({"reason": [_("Choose the reason for terminating.")]})
    if reason == TerminateReason.OTHER and not comment.strip():
        raise AppealError({"comment": [_("Explain the reason.")]})
    move(
        appeal,
        actor=actor,
        action=AppealAction.TERMINATE,
        event_kind=EventKind.TERMINATED,
        outcome=Outcome.TERMINATED,
        resolved_at=timezone.now(),
        extension_requested_until=None,
        payload={"reason": reason, "comment": comment.strip() or None},
    )
    return appeal


@transaction.atomic
def appeal_close(*, appeal: Appeal, actor: User) -> Appeal:
    """Close the case file of an answered appeal."""
    move(appeal, actor=actor, action=AppealAction.CLOSE, event_kind=EventKind.CLOSED)
    return appeal


@transaction.atomic
def appeal_reopen(*, appeal: Appeal, actor: User, reason: str) -> Appeal:
    """Reopen a finished appeal (its answer was challenged, or it was closed in error).

    It goes back to its executor (or to the unassigned queue) with a new statutory term.
    """
    rules.action_check(actor, appeal, AppealAction.REOPEN)
    if not reason.strip():
        raise AppealError({"reason": [_("Say why the appeal is reopened.")]})
    now = timezone.now()
    due = policy.due_date_for(kind=appeal.kind, registered_at=now)
    to_status = AppealStatus.IN_PROGRESS if appeal.assignee_id else AppealStatus.REGISTERED
    previous_due = appeal.due_date
    move(
        appeal,
        actor=actor,
        action=AppealAction.REOPEN,
        event_kind=EventKind.REOPENED,
        status=to_status,
        outcome="",
        resolved_at=None,
        escalated_at=None,
        due_date=due,
        payload={
            "reason": reason.strip(),
            "from_due_date": previous_due.isoformat(),
            "to_due_date": due.isoformat(),
        },
    )
    return appeal
