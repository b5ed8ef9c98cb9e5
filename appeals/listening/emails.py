"""The supervisors' weekly signals email: last week's signals of each subtree they supervise.

Written to the outbox like the daily digest (one Notice per supervisor and week, the week's Monday as its
due date: inserting it is the claim, so a re-run or a second worker writes nothing new), built when sent, in
the supervisor's language. Switched off per user (User.receive_signals, /account/notifications/).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.choices import Role
from agencies.models import Membership
from agencies.selectors import user_agencies

from ..calendar.workdays import local_today
from ..dashboard.periods import WEEK, period_for
from ..infra.replica import reading_from_replica
from ..models import Notice
from ..models.choices import NoticeKind
from ..notices.emails import build_email
from ..notices.mailer import NothingToSend
from ..notices.outbox import notices_claim, notices_enqueue_on_commit
from .describe import signals_for
from .signals import KINDS

logger = logging.getLogger(__name__)
SHOWN_PER_KIND = 5


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def signals_email_send(*, now: datetime | None = None) -> int:
    """Write this week's signals email for every active supervisor with an email who wants it; returns how many
    were written now (none for those written before this week)."""
    now = now or timezone.now()
    monday = week_of(timezone.localdate(now))
    users = {
        m.user_id: m.user
        for m in Membership.objects.filter(role=Role.SUPERVISOR, user__is_active=True, user__receive_signals=True)
        .exclude(user__email="")
        .select_related("user")
    }
    candidates = [
        Notice(kind=NoticeKind.SIGNALS, user_id=user.pk, email=user.email, due_date=monday) for user in users.values()
    ]
    with transaction.atomic():
        existing = set(
            Notice.objects.filter(kind=NoticeKind.SIGNALS, due_date=monday, user_id__in=list(users)).values_list(
                "kind", "user_id", "due_date"
            )
        )
        created = notices_claim(candidates, existing=existing)
    notices_enqueue_on_commit(created)
    logger.info("weekly signals for %s: %d written", monday.isoformat(), len(created))
    return len(created)


def signals_message(
    notice: Notice, *, today: date | None = None, headers: dict | None = None
) -> EmailMultiAlternatives:
    """The email of last week's signals for each subtree the recipient supervises (NothingToSend if none)."""
    user = notice.user
    assert user is not None
    today = today or local_today()
    period = period_for(WEEK, today=today, anchor=week_of(today) - timedelta(days=1))
    sections = []
    roots = user_agencies(user, roles=[Role.SUPERVISOR])
    # A subtree inside another one the user supervises is already in it.
    roots = [a for a in roots if not any(a.path != b.path and a.path.startswith(b.path) for b in roots)]
    total = 0
    for root in roots:
        with reading_from_replica():  # last week's signals: a heavy read, never stale enough to matter
            found = signals_for(root=root, period=period, today=today)
        kinds = [(kind, found.of(kind)) for kind in KINDS if found.of(kind)]
        total += sum(len(items) for _kind, items in kinds)
        sections.append(
            {
                "root": root,
                "kinds": [(kind, items[0].kind_label, items[:SHOWN_PER_KIND], len(items)) for kind, items in kinds],
            }
        )
    if not total:
        raise NothingToSend(_("No signal last week."))
    return build_email(
        template="staff_signals",
        to=[user.email],
        language=user.language,
        context={"user": user, "period": period, "sections": sections, "total": total},
        headers=headers,
    )
