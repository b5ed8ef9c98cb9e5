"""Handling inside the agency: an executor takes an appeal, a supervisor assigns it, internal notes, and the record
that someone looked at the applicant's full personal data."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.choices import Role
from agencies.models import User
from agencies.selectors import user_roles_for

from ..dashboard.rollups import rollups_reassign
from ..models import (
    Appeal,
    AppealEvent,
)
from ..models.choices import (
    AppealAction,
    EventKind,
)
from ..notices import notifications
from . import rules
from .audit import move, write_event
from .rules import AppealError, AppealPermissionError, actor_roles


def _require_executor(appeal: Appeal, executor: User) -> None:
    if not executor.is_active or Role.EXECUTOR not in user_roles_for(executor, appeal.agency):
        raise AppealError({"executor": [_("The executor must be an active executor of the appeal's agency.")]})


@transaction.atomic
def appeal_take(*, appeal: Appeal, actor: User) -> Appeal:
    """An executor takes an unassigned appeal of their agency into work."""
    now = timezone.now()
    previous = appeal.assignee_id
    move(
        appeal,
        actor=actor,
        action=AppealAction.TAKE,
        event_kind=EventKind.TAKEN,
        assignee=actor,
        first_action_at=appeal.first_action_at or now,
        payload={"assignee": actor.pk},
    )
    rollups_reassign(appeal=appeal, previous_id=previous, assignee_id=actor.pk)
    return appeal


@transaction.atomic
def appeal_assign(*, appeal: Appeal, executor: User, actor: User) -> Appeal:
    """A supervisor assigns (or reassigns) the appeal to an executor of its agency."""
    rules.action_check(actor, appeal, AppealAction.ASSIGN)
    _require_executor(appeal, executor)
    if appeal.assignee_id == executor.pk:
        raise AppealError({"executor": [_("The appeal is already assigned to this executor.")]})
    previous = appeal.assignee_id
    move(
        appeal,
        actor=actor,
        action=AppealAction.ASSIGN,
        event_kind=EventKind.ASSIGNED,
        assignee=executor,
        payload={"assignee": executor.pk, "previous_assignee": previous},
    )
    rollups_reassign(appeal=appeal, previous_id=previous, assignee_id=executor.pk)
    notifications.staff_notice_on_commit(appeal, notifications.STAFF_ASSIGNED, recipient=executor)
    return appeal


@transaction.atomic
def appeal_add_note(*, appeal: Appeal, actor: User, text: str) -> AppealEvent:
    """An internal note, seen by staff only."""
    rules.action_check(actor, appeal, AppealAction.NOTE)
    if not text.strip():
        raise AppealError({"text": [_("Write the note.")]})
    if len(text) > 5000:
        raise AppealError({"text": [_("A note is at most 5000 characters.")]})
    return move(
        appeal,
        actor=actor,
        action=AppealAction.NOTE,
        event_kind=EventKind.NOTE_ADDED,
        payload={"text": text.strip()},
    )


PERSONAL_DATA_FIELDS = ("iin", "bin", "contacts")


@transaction.atomic
def appeal_reveal_personal_data(*, appeal: Appeal, actor: User, field: str = "iin") -> AppealEvent:
    """Record that `actor` looked at the applicant's full IIN/BIN (the value itself is never stored here)."""
    if field not in PERSONAL_DATA_FIELDS:
        raise AppealError({"field": [_("Unknown personal data field.")]})
    if not actor_roles(actor, appeal):
        raise AppealPermissionError(_("You may not see this applicant's personal data."), code="permission")
    return write_event(appeal, actor=actor, kind=EventKind.PERSONAL_DATA_REVEALED, field=field)
