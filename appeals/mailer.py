"""Sending the emails of notifications.py: load the rows, build the message, send it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from agencies.models import User
from agencies.selectors import agency_supervisors_up_the_tree

from .calendar import get_calendar, local_today
from .choices import ResponseKind, ResponseStatus
from .emails import build_email
from .models import Appeal, AppealResponse
from .notifications import APPLICANT_KINDS, STAFF_ESCALATED, STAFF_KINDS

_NOTICE_KIND_BY_APPLICANT_KIND = {
    "redirect": ResponseKind.REDIRECT_NOTICE,
    "extension": ResponseKind.EXTENSION_NOTICE,
    "left": ResponseKind.REFUSAL,
    "merged": ResponseKind.INTERIM,
}


def _appeal(appeal_id: int) -> Appeal:
    return Appeal.objects.select_related("agency", "agency__parent", "category", "registered_by").get(pk=appeal_id)


def send_applicant_notice(*, appeal_id: int, kind: str, extra: dict[str, Any]) -> bool:
    if kind not in APPLICANT_KINDS:
        raise ValueError(kind)
    appeal = _appeal(appeal_id)
    if not appeal.applicant_email:
        return False
    response = None
    if kind == "answer":
        response = AppealResponse.objects.filter(pk=extra.get("response"), appeal=appeal).first()
    elif kind in _NOTICE_KIND_BY_APPLICANT_KIND:
        response = (
            AppealResponse.objects.filter(
                appeal=appeal, kind=_NOTICE_KIND_BY_APPLICANT_KIND[kind], status=ResponseStatus.SENT
            )
            .order_by("-created_at", "-id")
            .first()
        )
    message = build_email(
        template=f"applicant_{kind}",
        to=[appeal.applicant_email],
        language=appeal.language,
        context={"appeal": appeal, "response": response},
        headers={"X-Appeal-Number": appeal.number},
    )
    message.send()
    return True


def send_staff_notice(*, appeal_id: int, kind: str, recipient_id: int | None) -> int:
    if kind not in STAFF_KINDS:
        raise ValueError(kind)
    appeal = _appeal(appeal_id)
    if kind == STAFF_ESCALATED:
        recipients = list(agency_supervisors_up_the_tree(appeal.agency))
    else:
        recipients = list(User.objects.filter(pk=recipient_id, is_active=True))
    days_left = get_calendar().working_days_left(appeal.due_date, local_today())
    sent = 0
    for user in recipients:
        if not user.email:
            continue
        build_email(
            template=f"staff_{kind}",
            to=[user.email],
            language=user.language,
            context={
                "appeal": appeal,
                "user": user,
                "days_left": days_left,
                "overdue_days": -days_left if days_left < 0 else 0,
                "url": reverse("appeals:detail", kwargs={"pk": appeal.pk}),
            },
            headers={"X-Appeal-Number": appeal.number},
        ).send()
        sent += 1
    return sent
