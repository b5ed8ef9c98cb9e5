"""Terms: the executor's extension request, the supervisor's extension, the escalation of an overdue appeal, and
the limit for sending a complaint up to the higher body."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from agencies.models import Agency, User

from ..calendar import policy
from ..calendar.workdays import get_calendar
from ..models import (
    Appeal,
)
from ..models.choices import (
    OPEN_STATUSES,
    AppealAction,
    AppealKind,
    EventKind,
    ResponseKind,
)
from ..notices import notifications
from . import rules
from .audit import move, record_notice, save_changes, write_event
from .rules import AppealError, AppealTransitionError


def complaint_forward_by(*, kind: str, agency: Agency, registered_at: datetime, cal=None) -> date | None:
    """When a complaint must be with the higher body: one registered in a body that has a higher body (its
    parent) challenges that body's act and goes up with the case file within N working days (DOMAIN.md).
    None for any other appeal, and for a complaint registered at the top of the tree (reviewed there)."""
    if kind != AppealKind.COMPLAINT or agency.parent_id is None:
        return None
    return policy.complaint_forward_deadline(registered_at, cal)


@transaction.atomic
def appeal_request_extension(*, appeal: Appeal, actor: User, until: date, reason: str) -> Appeal:
    """The executor asks the supervisor for more time, with the reason (facts to establish)."""
    rules.action_check(actor, appeal, AppealAction.REQUEST_EXTENSION)
    if appeal.extension_requested_until is not None:
        raise AppealError(
            _("An extension until %(until)s is already requested and awaits the supervisor's decision.")
            % {"until": date_format(appeal.extension_requested_until, "d.m.Y")}
        )
    _validate_extension(appeal, until, reason)
    move(
        appeal,
        actor=actor,
        action=AppealAction.REQUEST_EXTENSION,
        event_kind=EventKind.EXTENSION_REQUESTED,
        extension_requested_until=until,
        payload={"until": until.isoformat(), "reason": reason.strip()},
    )
    return appeal


def _validate_extension(appeal: Appeal, until: date, reason: str) -> None:
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("An extension needs a reasoned decision: write which facts must be established.")]
    limit = policy.extension_limit(appeal.registered_at)
    if until <= appeal.due_date:
        due = date_format(appeal.due_date, "d.m.Y")
        errors["until"] = [_("The new due date must be after the current one (%(due)s).") % {"due": due}]
    elif until > limit:
        errors["until"] = [
            _("The whole term may not exceed %(months)s months from registration: the latest date is %(limit)s.")
            % {"months": policy.policy("EXTENSION_MAX_MONTHS"), "limit": date_format(limit, "d.m.Y")}
        ]
    elif not get_calendar().is_working_day(until):
        errors["until"] = [_("The new due date must be a working day.")]
    if errors:
        raise AppealError(errors)


@transaction.atomic
def appeal_grant_extension(*, appeal: Appeal, actor: User, until: date, reason: str) -> Appeal:
    """A supervisor extends the term by a reasoned decision; the applicant is told."""
    rules.action_check(actor, appeal, AppealAction.GRANT_EXTENSION)
    _validate_extension(appeal, until, reason)
    previous = appeal.due_date
    move(
        appeal,
        actor=actor,
        action=AppealAction.GRANT_EXTENSION,
        event_kind=EventKind.EXTENSION_GRANTED,
        due_date=until,
        extension_count=appeal.extension_count + 1,
        extension_requested_until=None,
        payload={
            "from_due_date": previous.isoformat(),
            "to_due_date": until.isoformat(),
            "reason": reason.strip(),
        },
    )
    with translation.override(appeal.language):
        text = _(
            "The term for considering your appeal %(number)s has been extended to %(until)s. Reason: %(reason)s"
        ) % {"number": appeal.number, "until": until.strftime("%d.%m.%Y"), "reason": reason.strip()}
    record_notice(appeal, kind=ResponseKind.EXTENSION_NOTICE, text=text, author=actor)
    notifications.applicant_notice_on_commit(appeal, notifications.APPLICANT_EXTENSION)
    return appeal


@transaction.atomic
def appeal_escalate(*, appeal: Appeal, actor: User | None = None) -> Appeal:
    """Raise an overdue appeal to the supervisors up the tree. `actor=None` is the scheduled scan."""
    if actor is not None:
        rules.action_check(actor, appeal, AppealAction.ESCALATE)
    if appeal.status not in OPEN_STATUSES:
        raise AppealTransitionError(_("Only an open appeal can be escalated."), code="transition")
    if appeal.escalated_at is not None:
        raise AppealTransitionError(_("The appeal has already been escalated."), code="transition")
    if not appeal.is_overdue:
        raise AppealTransitionError(_("Only an overdue appeal is escalated."), code="transition")
    save_changes(appeal, escalated_at=timezone.now())
    event = write_event(
        appeal,
        actor=actor,
        kind=EventKind.ESCALATED,
        due_date=appeal.due_date.isoformat(),
        overdue_working_days=-get_calendar().working_days_left(appeal.due_date, timezone.localdate()),
    )
    notifications.appeal_changed(appeal, event)
    notifications.staff_notice_on_commit(appeal, notifications.STAFF_ESCALATED)
    return appeal
