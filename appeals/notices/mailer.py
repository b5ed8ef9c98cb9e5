"""What each notice says: its email, built from templates in the recipient's language.

Staff read theirs in their interface language (User.language), the applicant in the appeal's
language. Staff emails carry the appeal's number, subject, due date, working days left and a
link to the appeal (SITE_URL + the appeal's address); the applicant, who has no login, gets no
link. The outbox (appeals.notices.outbox) decides whether and when a notice is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import groupby
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from ..access.selectors import appeals_for_digest
from ..calendar.policy import policy, redirect_deadline
from ..calendar.workdays import WorkingCalendar
from ..models import Appeal, AppealResponse, Notice
from ..models.choices import APPLICANT_NOTICE_KINDS, NoticeKind, ResponseKind, ResponseStatus
from .emails import build_email


class NothingToSend(Exception):  # noqa: N818 - a reason, not an error
    """The notice has nothing left to say (a digest whose appeals were all dealt with)."""


# Kinds whose message a part above the notices builds (the weekly signals: appeals.listening.emails, which
# reads the dashboard). AppealsConfig.ready() registers them, so the notices never import those parts.
_BUILDERS: dict[str, Callable[..., EmailMultiAlternatives]] = {}


def message_builder_register(kind: str, builder: Callable[..., EmailMultiAlternatives]) -> None:
    """Let `builder(notice, *, today, headers)` build the email of notices of `kind` (raising NothingToSend)."""
    _BUILDERS[kind] = builder


_TEMPLATES: dict[str, str] = {
    **{kind: f"applicant_{kind}" for kind in APPLICANT_NOTICE_KINDS},
    NoticeKind.ASSIGNED: "staff_assigned",
    NoticeKind.RETURNED: "staff_returned",
    NoticeKind.ESCALATED: "staff_escalated",
    NoticeKind.DUE_REMINDER: "staff_reminder",
    NoticeKind.OVERDUE_REMINDER: "staff_reminder",
    NoticeKind.REDIRECT_LIMIT: "staff_redirect_limit",
    NoticeKind.COMPLAINT_FORWARD: "staff_complaint_forward",
    NoticeKind.DIGEST: "staff_digest",
}

_RESPONSE_KIND_BY_NOTICE = {
    NoticeKind.REDIRECT: ResponseKind.REDIRECT_NOTICE,
    NoticeKind.EXTENSION: ResponseKind.EXTENSION_NOTICE,
    NoticeKind.LEFT: ResponseKind.REFUSAL,
    NoticeKind.MERGED: ResponseKind.INTERIM,
}


def _headers(notice: Notice) -> dict[str, str]:
    # The same Message-ID on every attempt of a notice: a receiving system can recognise a copy.
    domain = urlsplit(settings.SITE_URL).hostname or "otinish.local"
    headers = {
        "Message-ID": f"<notice-{notice.pk}.{int(notice.created_at.timestamp())}@{domain}>",
        "X-Otinish-Notice": notice.kind,
    }
    if notice.appeal_id:
        headers["X-Appeal-Number"] = notice.appeal.number
    return headers


def notice_message(notice: Notice, *, today: date, cal: WorkingCalendar) -> EmailMultiAlternatives:
    """The email of `notice` as of `today` (raises NothingToSend when it has nothing left to say)."""
    if notice.kind == NoticeKind.DIGEST:
        return _digest_message(notice, today=today, cal=cal)
    if notice.kind in _BUILDERS:
        return _BUILDERS[notice.kind](notice, today=today, headers=_headers(notice))
    appeal = notice.appeal
    assert appeal is not None
    template = _TEMPLATES[notice.kind]
    if notice.to_applicant:
        return build_email(
            template=template,
            to=[notice.email],
            language=appeal.language,
            context={"appeal": appeal, "response": _applicant_response(notice, appeal)},
            headers=_headers(notice),
        )
    user = notice.user
    assert user is not None
    days_left = cal.working_days_left(appeal.due_date, today)
    context: dict[str, Any] = {
        "appeal": appeal,
        "user": user,
        "notice": notice,
        "days_left": days_left,
        "overdue_days": -days_left if days_left < 0 else 0,
        "url": appeal.get_absolute_url(),
    }
    if notice.kind == NoticeKind.REDIRECT_LIMIT:
        limit = redirect_deadline(appeal.registered_at, cal)
        context["redirect_limit"] = limit
        context["redirect_days_left"] = cal.working_days_left(limit, today)
    if notice.kind == NoticeKind.COMPLAINT_FORWARD and appeal.forward_due_date is not None:
        context["forward_limit"] = appeal.forward_due_date
        context["forward_days_left"] = cal.working_days_left(appeal.forward_due_date, today)
    return build_email(
        template=template, to=[user.email], language=user.language, context=context, headers=_headers(notice)
    )


def _applicant_response(notice: Notice, appeal: Appeal) -> AppealResponse | None:
    if notice.kind == NoticeKind.ANSWER:
        return AppealResponse.objects.filter(pk=notice.context.get("response"), appeal=appeal).first()
    response_kind = _RESPONSE_KIND_BY_NOTICE.get(notice.kind)
    if response_kind is None:
        return None
    return (
        AppealResponse.objects.filter(appeal=appeal, kind=response_kind, status=ResponseStatus.SENT)
        .order_by("-created_at", "-id")
        .first()
    )


def _digest_message(notice: Notice, *, today: date, cal: WorkingCalendar) -> EmailMultiAlternatives:
    """The supervisor's digest: their subtree's appeals due soon or overdue, by agency and executor."""
    user = notice.user
    assert user is not None
    appeals = appeals_for_digest(user, today=today)
    totals = appeals.aggregate(total=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
    if not totals["total"]:
        raise NothingToSend(_("Nothing is due soon or overdue any more."))
    limit = int(policy("DIGEST_MAX_ROWS"))
    rows = list(
        appeals.select_related("agency", "assignee").order_by(
            "agency__path", F("assignee_id").asc(nulls_first=True), "due_date", "id"
        )[:limit]
    )
    groups = []
    for agency, by_agency in groupby(rows, key=lambda a: a.agency):
        executors = []
        for assignee, by_assignee in groupby(by_agency, key=lambda a: a.assignee):
            items = []
            for appeal in by_assignee:
                days_left = cal.working_days_left(appeal.due_date, today)
                items.append({"appeal": appeal, "days_left": days_left, "overdue_days": max(0, -days_left)})
            executors.append({"assignee": assignee, "items": items})
        groups.append({"agency": agency, "executors": executors})
    return build_email(
        template=_TEMPLATES[NoticeKind.DIGEST],
        to=[user.email],
        language=user.language,
        context={
            "user": user,
            "today": today,
            "groups": groups,
            "total": totals["total"],
            "overdue": totals["overdue"],
            "shown": len(rows),
            "more": totals["total"] - len(rows),
        },
        headers=_headers(notice),
    )
