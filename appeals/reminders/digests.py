"""The supervisors' daily digest: one email a working day to each supervisor with appeals due or overdue in their
subtree (skipped on days off, and for a supervisor who switched it off); written as notices, sent by the outbox."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from agencies.choices import Role
from agencies.models import Membership

from ..access.selectors import agency_paths_with_appeals_due, digest_due_limit
from ..calendar.workdays import get_calendar
from ..models import Notice
from ..models.choices import NoticeKind
from ..notices.outbox import notices_claim, notices_enqueue_on_commit, outbox_setting

logger = logging.getLogger(__name__)


def digests_send(*, now: datetime | None = None) -> int:
    """Write today's digest for every supervisor with something due or overdue in their subtree, and send them.

    A supervisor who switched the digest off (User.receive_digest) gets none; overdue notices
    (escalations) are not affected. One digest per supervisor and day, however often this runs.
    Returns how many digests were written now.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    cal = get_calendar()
    if not cal.is_working_day(today):
        return 0
    # Every agency on the way from the root to an agency with appeals due: its supervisors have news.
    covered: set[str] = set()
    for path in agency_paths_with_appeals_due(until=digest_due_limit(today)):
        parts = path.strip("/").split("/")
        covered.update("/" + "/".join(parts[:depth]) + "/" for depth in range(1, len(parts) + 1))
    supervisors: dict[int, object] = {}
    memberships = (
        Membership.objects.filter(role=Role.SUPERVISOR, user__is_active=True, user__receive_digest=True)
        .exclude(user__email="")
        .select_related("user", "agency")
        .order_by("user_id")
    )
    for membership in memberships:
        if membership.agency.path in covered:
            supervisors.setdefault(membership.user_id, membership.user)
    candidates = [
        Notice(kind=NoticeKind.DIGEST, user_id=user.pk, email=user.email, due_date=today)
        for user in supervisors.values()
    ]
    created = 0
    chunk_size = outbox_setting("SCAN_CHUNK_SIZE")
    for start in range(0, len(candidates), chunk_size):
        chunk = candidates[start : start + chunk_size]
        with transaction.atomic():
            existing = set(
                Notice.objects.filter(
                    kind=NoticeKind.DIGEST, due_date=today, user_id__in=[n.user_id for n in chunk]
                ).values_list("kind", "user_id", "due_date")
            )
            ids = notices_claim(chunk, existing=existing)
            notices_enqueue_on_commit(ids)
        created += len(ids)
    logger.info("digests for %s: %d written", today.isoformat(), created)
    return created
