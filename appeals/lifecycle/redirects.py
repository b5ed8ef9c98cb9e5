"""Redirects: the appeal (or a part of it) goes to the competent agency, where it is registered at once; a
complaint sent up to the higher body goes with its case file."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import Agency, User

from ..calendar import policy
from ..models import (
    Appeal,
    Attachment,
)
from ..models.choices import (
    AppealAction,
    AppealKind,
    AppealStatus,
    EventKind,
    Outcome,
    ResponseKind,
)
from ..notices import notifications
from . import rules
from .audit import move, record_notice, write_event
from .registration import next_number
from .rules import AppealError
from .terms import complaint_forward_by


@transaction.atomic
def appeal_redirect(
    *,
    appeal: Appeal,
    to_agency: Agency,
    actor: User,
    reason: str,
    part_text: str = "",
) -> Appeal:
    """Send the appeal (or, with `part_text`, a part of it) to the competent agency.

    The target registers it at once and its own term starts. A whole redirect closes the
    appeal here; a partial one leaves it open here. A redirect after the limit of DOMAIN.md
    still goes through and is recorded as late. Returns the appeal opened in the target agency.
    """
    rules.action_check(actor, appeal, AppealAction.REDIRECT)
    _validate_redirect(appeal, to_agency=to_agency, reason=reason)
    part = part_text.strip()  # empty: the whole appeal goes
    now = timezone.now()
    # A complaint sent up to a higher body (an ancestor) is the complaint going up with its case file: its
    # own clock (COMPLAINT_FORWARD_WORKING_DAYS) decides whether it is late; there the review term runs.
    forwarding = not part and appeal.kind == AppealKind.COMPLAINT and appeal.agency.path.startswith(to_agency.path)
    if forwarding:
        limit = appeal.forward_due_date or policy.complaint_forward_deadline(appeal.registered_at)
    else:
        limit = policy.redirect_deadline(appeal.registered_at)
    late = timezone.localdate(now) > limit
    new_appeal = _register_in_target(appeal, to_agency=to_agency, now=now, part_text=part, forwarding=forwarding)
    payload = {
        "to_agency": to_agency.pk,
        "to_number": new_appeal.number,
        "reason": reason.strip(),
        "late": late,
        "limit": limit.isoformat(),
    }
    if forwarding:
        payload["forwarded"] = True
    _move_redirected(appeal, actor=actor, now=now, payload=payload, part_text=part)
    record_notice(
        appeal,
        kind=ResponseKind.REDIRECT_NOTICE,
        text=_redirect_notice_text(appeal, new_appeal, bool(part)),
        author=actor,
    )
    notifications.applicant_notice_on_commit(
        appeal, notifications.APPLICANT_REDIRECT, extra={"new_appeal": new_appeal.pk}
    )
    return new_appeal


def _validate_redirect(appeal: Appeal, *, to_agency: Agency, reason: str) -> None:
    if not reason.strip():
        raise AppealError({"reason": [_("Explain why the matter is outside this agency's competence.")]})
    if to_agency.pk == appeal.agency_id:
        raise AppealError({"to_agency": [_("Choose another agency than the one handling the appeal.")]})
    if not to_agency.is_active:
        raise AppealError({"to_agency": [_("This agency no longer accepts appeals.")]})


def _register_in_target(
    appeal: Appeal, *, to_agency: Agency, now: datetime, part_text: str, forwarding: bool
) -> Appeal:
    """The appeal opened in `to_agency` (with the whole text, or only `part_text`), copies of the attachments and its
    `registered` event: the target's own statutory term starts `now`."""
    due = policy.due_date_for(kind=appeal.kind, registered_at=now)
    forward_by = None if forwarding else complaint_forward_by(kind=appeal.kind, agency=to_agency, registered_at=now)
    new_appeal = Appeal.objects.create(
        forward_due_date=forward_by,
        number=next_number(to_agency, timezone.localdate(now).year),
        agency=to_agency,
        registered_at=now,
        received_at=appeal.received_at,
        registered_by=None,
        kind=appeal.kind,
        channel=appeal.channel,
        language=appeal.language,
        applicant_type=appeal.applicant_type,
        applicant_name=appeal.applicant_name,
        applicant_iin=appeal.applicant_iin,
        applicant_bin=appeal.applicant_bin,
        applicant_email=appeal.applicant_email,
        applicant_phone=appeal.applicant_phone,
        applicant_address=appeal.applicant_address,
        applicant_key=appeal.applicant_key,
        is_collective=appeal.is_collective,
        signatories=appeal.signatories,
        is_repeated=appeal.is_repeated,
        reports_crime=appeal.reports_crime,
        region=appeal.region,
        category=appeal.category,
        subject=appeal.subject,
        text=part_text or appeal.text,
        status=AppealStatus.REGISTERED,
        due_date=due,
        original_due_date=due,
        redirected_from=appeal,
        repeat_of=appeal.repeat_of,
        escalated_from=appeal.escalated_from,
        integration_id=appeal.integration_id,  # the submitting system follows the appeal to the new body
        created_at=now,
        updated_at=now,
    )
    Attachment.objects.bulk_create(
        [
            Attachment(
                appeal=new_appeal,
                file=a.file.name,
                original_name=a.original_name,
                content_type=a.content_type,
                size=a.size,
                uploaded_by_id=a.uploaded_by_id,
            )
            for a in appeal.attachments.all()
        ]
    )
    registered_event = write_event(
        new_appeal,
        actor=None,
        kind=EventKind.REGISTERED,
        to_status=AppealStatus.REGISTERED,
        number=new_appeal.number,
        agency=to_agency.pk,
        due_date=due.isoformat(),
        redirected_from=appeal.number,
        partial=bool(part_text) or None,
        forward_by=forward_by.isoformat() if forward_by else None,
        forwarded_complaint=forwarding or None,
    )
    notifications.appeal_changed(new_appeal, registered_event)
    return new_appeal


def _move_redirected(appeal: Appeal, *, actor: User, now: datetime, payload: dict, part_text: str) -> None:
    """Audit the redirect on the appeal sent: a part leaves it open here, the whole closes it as redirected."""
    if part_text:
        move(
            appeal,
            actor=actor,
            action=AppealAction.REDIRECT,
            event_kind=EventKind.PART_REDIRECTED,
            status=appeal.status,
            payload={**payload, "part": part_text[:500]},
        )
    else:
        move(
            appeal,
            actor=actor,
            action=AppealAction.REDIRECT,
            event_kind=EventKind.REDIRECTED,
            outcome=Outcome.REDIRECTED,
            resolved_at=now,
            extension_requested_until=None,
            payload=payload,
        )


def _redirect_notice_text(appeal: Appeal, new_appeal: Appeal, partial: bool) -> str:
    with translation.override(appeal.language):
        if partial:
            message = _(
                "Part of your appeal %(number)s is outside the competence of %(from)s and has been sent to "
                "%(to)s, where it is registered under number %(new)s."
            )
        else:
            message = _(
                "Your appeal %(number)s is outside the competence of %(from)s and has been sent to %(to)s, "
                "where it is registered under number %(new)s."
            )
        return message % {
            "number": appeal.number,
            "from": appeal.agency.name,
            "to": new_appeal.agency.name,
            "new": new_appeal.number,
        }
