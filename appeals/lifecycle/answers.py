"""Answers: the draft, submitting it for approval, returning it for rework, approving and sending it (with the
challenge block), and the applicant's rating of the answer."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User

from ..calendar import policy
from ..models import (
    Appeal,
    AppealResponse,
)
from ..models.choices import (
    ANSWER_OUTCOMES,
    AppealAction,
    AppealStatus,
    EventKind,
    Language,
    ResponseKind,
    ResponseStatus,
)
from ..notices import notifications
from . import rules
from .audit import move, save_changes, with_challenge_block, write_event
from .rules import AppealError, AppealPermissionError, AppealTransitionError, actor_roles


def appeal_working_answer(appeal: Appeal) -> AppealResponse | None:
    """The answer being drafted or approved, if any."""
    return (
        AppealResponse.objects.filter(appeal=appeal, kind=ResponseKind.ANSWER)
        .exclude(status=ResponseStatus.SENT)
        .first()
    )


@transaction.atomic
def appeal_save_response(
    *, appeal: Appeal, actor: User, text: str, language: str | None = None, outcome: str = ""
) -> AppealResponse:
    """Create or edit the draft answer. It is written in the appeal's language unless said otherwise."""
    rules.action_check(actor, appeal, AppealAction.DRAFT)
    language = language or appeal.language
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = [_("Write the answer.")]
    elif len(text) > int(policy.policy("TEXT_MAX_LENGTH")):
        errors["text"] = [
            _("The answer is longer than %(max)s characters.") % {"max": policy.policy("TEXT_MAX_LENGTH")}
        ]
    if language not in Language.values:
        errors["language"] = [_("An answer is in Kazakh or Russian.")]
    if outcome and outcome not in ANSWER_OUTCOMES:
        errors["outcome"] = [_("Choose the outcome of an answer on the merits.")]
    if errors:
        raise AppealError(errors)
    response = appeal_working_answer(appeal)
    move(
        appeal,
        actor=actor,
        action=AppealAction.DRAFT,
        event_kind=EventKind.RESPONSE_SAVED,
        payload={"language": language, "created": response is None},
    )
    now = timezone.now()
    if response is None:
        response = AppealResponse.objects.create(
            appeal=appeal,
            kind=ResponseKind.ANSWER,
            text=text,
            language=language,
            outcome=outcome,
            author=actor,
        )
    else:
        AppealResponse.objects.filter(pk=response.pk).update(
            text=text,
            language=language,
            outcome=outcome,
            author=actor,
            status=ResponseStatus.DRAFT if response.status == ResponseStatus.DRAFT else response.status,
            updated_at=now,
        )
        response.refresh_from_db()
    return response


@transaction.atomic
def appeal_submit(*, appeal: Appeal, actor: User) -> Appeal:
    """The executor submits the drafted answer to the supervisor for approval."""
    rules.action_check(actor, appeal, AppealAction.SUBMIT)
    response = appeal_working_answer(appeal)
    if response is None or not response.text.strip():
        raise AppealError({"text": [_("Draft the answer before submitting it for approval.")]})
    move(
        appeal,
        actor=actor,
        action=AppealAction.SUBMIT,
        event_kind=EventKind.SUBMITTED,
        payload={"response": response.pk},
    )
    AppealResponse.objects.filter(pk=response.pk).update(
        status=ResponseStatus.SUBMITTED, submitted_at=timezone.now(), updated_at=timezone.now()
    )
    return appeal


@transaction.atomic
def appeal_return(*, appeal: Appeal, actor: User, comment: str) -> Appeal:
    """The supervisor returns the answer for rework, saying what to change."""
    rules.action_check(actor, appeal, AppealAction.RETURN)
    if not comment.strip():
        raise AppealError({"comment": [_("Say what must be reworked.")]})
    response = appeal_working_answer(appeal)
    move(
        appeal,
        actor=actor,
        action=AppealAction.RETURN,
        event_kind=EventKind.RETURNED,
        payload={"comment": comment.strip(), "response": response.pk if response else None},
    )
    if response is not None:
        AppealResponse.objects.filter(pk=response.pk).update(
            status=ResponseStatus.RETURNED, return_count=F("return_count") + 1, updated_at=timezone.now()
        )
    if appeal.assignee_id:
        notifications.staff_notice_on_commit(appeal, notifications.STAFF_RETURNED, recipient=appeal.assignee)
    return appeal


@transaction.atomic
def appeal_approve(*, appeal: Appeal, actor: User, outcome: str = "") -> AppealResponse:
    """The supervisor approves the answer; it is sent to the applicant with the challenge block."""
    rules.action_check(actor, appeal, AppealAction.APPROVE)
    response = appeal_working_answer(appeal)
    if response is None:
        raise AppealError({"text": [_("There is no answer to approve.")]})
    outcome = outcome or response.outcome
    if outcome not in ANSWER_OUTCOMES:
        raise AppealError({"outcome": [_("Choose the outcome of the answer.")]})
    now = timezone.now()
    move(
        appeal,
        actor=actor,
        action=AppealAction.APPROVE,
        event_kind=EventKind.APPROVED,
        outcome=outcome,
        resolved_at=now,
        extension_requested_until=None,
        payload={
            "response": response.pk,
            "outcome": outcome,
            "on_time": timezone.localdate(now) <= appeal.due_date,
        },
    )
    final_text = with_challenge_block(appeal, response.text, response.language)
    AppealResponse.objects.filter(pk=response.pk).update(
        status=ResponseStatus.SENT,
        text=final_text,
        outcome=outcome,
        approved_by=actor,
        approved_at=now,
        sent_at=now,
        updated_at=now,
    )
    response.refresh_from_db()
    notifications.applicant_notice_on_commit(appeal, notifications.APPLICANT_ANSWER, extra={"response": response.pk})
    return response


RATABLE_STATUSES = frozenset({AppealStatus.ANSWERED, AppealStatus.CLOSED})


@transaction.atomic
def appeal_record_rating(*, appeal: Appeal, rating: int, actor: User | None) -> Appeal:
    """Record the applicant's rating (1 to 5) of the answer, as they told staff or an integration sent it.

    A later rating replaces the earlier one; both are in the audit trail.
    """
    if actor is not None and not actor_roles(actor, appeal):
        raise AppealPermissionError(_("You may not record a rating on this appeal."), code="permission")
    if appeal.status not in RATABLE_STATUSES:
        raise AppealTransitionError(_("Only an answered appeal can be rated."), code="transition")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise AppealError({"rating": [_("The rating is a whole number from 1 to 5.")]})
    previous = appeal.applicant_rating
    save_changes(appeal, applicant_rating=rating, applicant_rated_at=timezone.now())
    write_event(appeal, actor=actor, kind=EventKind.RATED, rating=rating, previous=previous)
    return appeal
