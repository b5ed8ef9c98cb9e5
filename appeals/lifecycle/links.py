"""Links between appeals: related appeals (both show the link) and merging a duplicate of the same applicant."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import User

from ..models import (
    Appeal,
    AppealLink,
)
from ..models.choices import (
    OPEN_STATUSES,
    AppealAction,
    EventKind,
    LinkKind,
    Outcome,
    ResponseKind,
    TerminateReason,
)
from ..notices import notifications
from . import rules
from .audit import move, record_notice, save_changes, write_event
from .rules import AppealError


def _same_applicant(first: Appeal, second: Appeal) -> bool:
    """Whether two appeals come from the same applicant: the same IIN, or the same BIN."""
    if first.applicant_iin:
        return first.applicant_iin == second.applicant_iin
    if first.applicant_bin:
        return first.applicant_bin == second.applicant_bin
    return False


def _existing_link(first: Appeal, second: Appeal) -> AppealLink | None:
    return AppealLink.objects.filter(
        Q(from_appeal=first, to_appeal=second) | Q(from_appeal=second, to_appeal=first)
    ).first()


@transaction.atomic
def appeal_link(*, appeal: Appeal, other: Appeal, actor: User, comment: str = "") -> AppealLink:
    """Link two related appeals; both show the link. Each appeal's timeline gets one `linked` event.

    The caller passes `other` fetched through `appeals_visible_to(actor)`.
    """
    rules.action_check(actor, appeal, AppealAction.LINK)
    rules.action_check(actor, other, AppealAction.LINK)
    if other.pk == appeal.pk:
        raise AppealError({"other": [_("An appeal cannot be linked to itself.")]})
    if _existing_link(appeal, other) is not None:
        raise AppealError({"other": [_("These appeals are already linked.")]})
    if len(comment) > 500:
        raise AppealError({"comment": [_("A comment is at most 500 characters.")]})
    link = AppealLink.objects.create(
        from_appeal=appeal, to_appeal=other, kind=LinkKind.RELATED, comment=comment.strip(), created_by=actor
    )
    for this, that in ((appeal, other), (other, appeal)):
        save_changes(this)
        event = write_event(
            this, actor=actor, kind=EventKind.LINKED, link=LinkKind.RELATED, other=that.number, other_id=that.pk
        )
        notifications.appeal_changed(this, event)
    return link


@transaction.atomic
def appeal_merge(*, appeal: Appeal, into: Appeal, actor: User, comment: str = "") -> AppealLink:
    """Mark `appeal` a duplicate of `into` (the same applicant's open appeal) and stop handling it here.

    Both numbers are kept: the duplicate is terminated as merged and linked to `into`, which
    carries the case on; the applicant is told under the duplicate's number.
    """
    rules.action_check(actor, appeal, AppealAction.MERGE)
    rules.action_check(actor, into, AppealAction.LINK)
    if into.pk == appeal.pk:
        raise AppealError({"into": [_("An appeal cannot be merged into itself.")]})
    if not _same_applicant(appeal, into):
        raise AppealError({"into": [_("Only appeals of the same applicant (the same IIN or BIN) can be merged.")]})
    if into.status not in OPEN_STATUSES:
        raise AppealError({"into": [_("Merge into an appeal that is still being considered.")]})
    if _existing_link(appeal, into) is not None:
        raise AppealError({"into": [_("These appeals are already linked.")]})
    if len(comment) > 500:
        raise AppealError({"comment": [_("A comment is at most 500 characters.")]})
    link = AppealLink.objects.create(
        from_appeal=appeal, to_appeal=into, kind=LinkKind.DUPLICATE, comment=comment.strip(), created_by=actor
    )
    move(
        appeal,
        actor=actor,
        action=AppealAction.MERGE,
        event_kind=EventKind.MERGED,
        outcome=Outcome.TERMINATED,
        resolved_at=timezone.now(),
        extension_requested_until=None,
        payload={
            "reason": TerminateReason.MERGED.value,
            "into": into.number,
            "into_id": into.pk,
            "comment": comment.strip() or None,
        },
    )
    save_changes(into)
    event = write_event(into, actor=actor, kind=EventKind.MERGED, merged_from=appeal.number, merged_from_id=appeal.pk)
    notifications.appeal_changed(into, event)
    with translation.override(appeal.language):
        text = _(
            "Your appeal %(number)s repeats your appeal %(into)s on the same matter. The two are merged: "
            "you will receive one answer, under number %(into)s."
        ) % {"number": appeal.number, "into": into.number}
    record_notice(appeal, kind=ResponseKind.INTERIM, text=text, author=actor)
    notifications.applicant_notice_on_commit(appeal, notifications.APPLICANT_MERGED)
    return link
