"""The building blocks of every action: compare-and-set on the appeal's `version`, the one audit event
(AppealEvent) of each change, `move` (check, write, audit, tell the notices), the notice kept among the
responses, and the challenge block every answer ends with."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import User

from ..models import (
    Appeal,
    AppealEvent,
    AppealResponse,
)
from ..models.choices import (
    ALLOWED_TRANSITIONS,
    AppealStatus,
    ResponseStatus,
)
from ..notices import notifications
from . import rules
from .rules import AppealConflictError, AppealTransitionError


def save_changes(appeal: Appeal, **changes: Any) -> None:
    """Compare-and-set: write `changes` only if nobody changed the appeal since it was loaded."""
    now = timezone.now()
    changes["updated_at"] = now
    updated = Appeal.objects.filter(pk=appeal.pk, version=appeal.version).update(version=F("version") + 1, **changes)
    if updated != 1:
        raise AppealConflictError(
            _("Someone else has just changed this appeal. Reload it and try again."), code="conflict"
        )
    for field, value in changes.items():
        setattr(appeal, field, value)
    appeal.version += 1


def write_event(
    appeal: Appeal,
    *,
    actor: User | None,
    kind: str,
    from_status: str = "",
    to_status: str = "",
    **payload: Any,
) -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        payload={k: v for k, v in payload.items() if v is not None},
    )


def move(
    appeal: Appeal,
    *,
    actor: User | None,
    action: str,
    event_kind: str,
    payload: dict[str, Any] | None = None,
    **changes: Any,
) -> AppealEvent:
    """Check, compare-and-set and audit one action; the status moves as ACTION_RULES says."""
    rule = rules.action_check(actor, appeal, action)
    from_status = appeal.status
    to_status = changes.pop("status", rule.to_status) or from_status
    if to_status != from_status:
        if to_status not in ALLOWED_TRANSITIONS[from_status]:
            raise AppealTransitionError(
                _("The appeal cannot move from “%(from)s” to “%(to)s”."),
                code="transition",
                params={"from": AppealStatus(from_status).label, "to": AppealStatus(to_status).label},
            )
        changes["status"] = to_status
    if (
        actor is not None
        and appeal.first_action_at is None
        and appeal.assignee_id is not None
        and actor.pk == appeal.assignee_id
    ):
        changes.setdefault("first_action_at", timezone.now())
    save_changes(appeal, **changes)
    event = write_event(
        appeal,
        actor=actor,
        kind=event_kind,
        from_status=from_status if to_status != from_status else "",
        to_status=to_status if to_status != from_status else "",
        **(payload or {}),
    )
    notifications.appeal_changed(appeal, event)
    return event


def challenge_block(appeal: Appeal, language: str) -> str:
    """The paragraph every answer ends with: how to challenge the decision (in the answer's language)."""
    with translation.override(language):
        parent = appeal.agency.parent
        higher = parent.name if parent else _("the higher body")
        return _(
            "You may challenge this decision by a pre-trial complaint to %(higher)s within three months "
            "of learning of it (Administrative Procedural and Process Code of the Republic of Kazakhstan), "
            "and then in court."
        ) % {"higher": higher}


def with_challenge_block(appeal: Appeal, text: str, language: str) -> str:
    block = challenge_block(appeal, language)
    return text if block in text else f"{text.rstrip()}\n\n{block}"


def record_notice(appeal: Appeal, *, kind: str, text: str, author: User | None, outcome: str = "") -> AppealResponse:
    """Keep the notice the applicant is sent among the appeal's responses (it is sent on commit)."""
    now = timezone.now()
    return AppealResponse.objects.create(
        appeal=appeal,
        kind=kind,
        status=ResponseStatus.SENT,
        text=text,
        language=appeal.language,
        outcome=outcome,
        author=author,
        approved_by=author,
        approved_at=now,
        sent_at=now,
    )
