"""People correcting matter matching: undo a wrong repeat/escalation link, add a missed one by number (audited).

An undo is recorded (UNLINKED_REPEAT / UNLINKED_ESCALATION) and matching never makes that kind of link
for the appeal again by itself; a person may still add one.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.choices import Role
from agencies.models import User

from ..access.selectors import appeals_visible_to
from ..lifecycle import AppealConflictError, AppealError, AppealPermissionError, actor_roles
from ..models import Appeal, AppealEvent
from .matching import LINK_EVENTS, LINK_FIELDS, UNLINK_EVENTS

CORRECTORS = frozenset({Role.EXECUTOR, Role.REGISTRAR, Role.SUPERVISOR})


def _require_corrector(actor: User, appeal: Appeal) -> None:
    if not actor_roles(actor, appeal) & CORRECTORS:
        raise AppealPermissionError(
            _("Only an executor, registrar or supervisor of this agency may change its links."), code="permission"
        )


def _kind(kind: str) -> str:
    if kind not in LINK_FIELDS:
        raise AppealError({"kind": [_("Choose a repeat or an escalation.")]})
    return kind


@transaction.atomic
def appeal_matter_unlink(*, appeal: Appeal, kind: str, actor: User) -> AppealEvent:
    """Undo the appeal's repeat or escalation link; it is not made again automatically."""
    _require_corrector(actor, appeal)
    name = LINK_FIELDS[_kind(kind)]
    earlier_id = getattr(appeal, f"{name}_id")
    if earlier_id is None:
        raise AppealError(_("There is no such link to undo."), code="no_link")
    earlier_number = Appeal.objects.filter(pk=earlier_id).values_list("number", flat=True).first()
    changes = {name: None, "updated_at": timezone.now()}
    if name == "repeat_of":
        changes["is_repeated"] = False
    if Appeal.objects.filter(pk=appeal.pk, **{f"{name}_id": earlier_id}).update(**changes) != 1:
        raise AppealConflictError(
            _("Someone else has just changed this appeal. Reload it and try again."), code="conflict"
        )
    for field, value in changes.items():
        setattr(appeal, field, value)
    return AppealEvent.objects.create(
        appeal=appeal,
        actor=actor,
        kind=UNLINK_EVENTS[kind],
        payload={"earlier": earlier_number, "earlier_id": earlier_id},
    )


@transaction.atomic
def appeal_matter_link(*, appeal: Appeal, number: str, kind: str, actor: User) -> AppealEvent:
    """Link the appeal to an earlier one on the same matter, given by its registration number.

    The earlier appeal must be one the actor can see or one of the same applicant, registered before.
    """
    _require_corrector(actor, appeal)
    name = LINK_FIELDS[_kind(kind)]
    number = (number or "").strip().upper()
    reachable = Q(pk__in=appeals_visible_to(actor).values("pk"))
    if appeal.applicant_key:
        reachable |= Q(applicant_key=appeal.applicant_key)
    earlier = Appeal.objects.filter(reachable, number=number).first() if number else None
    if earlier is None:
        raise AppealError({"number": [_("No appeal with this number that you can see.")]})
    if earlier.pk == appeal.pk:
        raise AppealError({"number": [_("An appeal cannot be linked to itself.")]})
    if earlier.registered_at > appeal.registered_at:
        raise AppealError({"number": [_("The earlier appeal must be registered before this one.")]})
    if getattr(appeal, f"{name}_id") is not None:
        raise AppealError({"number": [_("This appeal already has such a link; undo it first.")]})
    changes = {name: earlier, "updated_at": timezone.now()}
    if name == "repeat_of":
        changes["is_repeated"] = True
    if Appeal.objects.filter(pk=appeal.pk, **{f"{name}__isnull": True}).update(**changes) != 1:
        raise AppealConflictError(
            _("Someone else has just changed this appeal. Reload it and try again."), code="conflict"
        )
    for field, value in changes.items():
        setattr(appeal, field, value)
    return AppealEvent.objects.create(
        appeal=appeal,
        actor=actor,
        kind=LINK_EVENTS[kind],
        payload={"earlier": earlier.number, "earlier_id": earlier.pk, "automatic": False},
    )


# --- What the workspace shows ---------------------------------------------------------------------------
LOW_RATING = 2  # a rating of 1 or 2 out of 5: the applicant took the answer for a formal reply


def appeal_matter_context(*, appeal: Appeal, user: User) -> dict:
    """The appeal's repeat and escalation links with the earlier appeals' handling (2 queries at most)."""
    from django.db.models import Prefetch

    from ..models import AppealResponse
    from ..models.choices import ResponseKind, ResponseStatus

    ids = [pk for pk in (appeal.repeat_of_id, appeal.escalated_from_id) if pk]
    earlier = {}
    if ids:
        answers = AppealResponse.objects.filter(kind=ResponseKind.ANSWER, status=ResponseStatus.SENT).order_by(
            "-sent_at", "-id"
        )
        earlier = {
            a.pk: a
            for a in Appeal.objects.filter(pk__in=ids)
            .select_related("agency")
            .prefetch_related(Prefetch("responses", queryset=answers, to_attr="sent_answers"))
        }

    def handling(other: Appeal | None) -> dict | None:
        if other is None:
            return None
        answer = other.sent_answers[0] if other.sent_answers else None
        done = other.resolved_at
        late = (timezone.localdate(done) if done else timezone.localdate()) > other.due_date
        return {
            "appeal": other,
            "answer": answer,
            "answered": answer is not None,
            "late": late if (done or other.is_open) else False,
            "rating": other.applicant_rating,
            "formal": other.applicant_rating is not None and other.applicant_rating <= LOW_RATING,
        }

    repeat = handling(earlier.get(appeal.repeat_of_id))
    escalation = handling(earlier.get(appeal.escalated_from_id))
    return {
        "repeat": repeat,
        "escalation": escalation,
        "entries": [("repeat", repeat), ("escalation", escalation)],
        "may_correct": bool(actor_roles(user, appeal) & CORRECTORS),
    }
