"""Two scans at once: each read "nothing sent yet" before the other wrote, so only the database's unique
claim stops the second copy. notices_claim is called as such a scan calls it (with nothing known to exist)."""

from datetime import date

import pytest
from django.utils import timezone

from appeals.models import Notice
from appeals.models.choices import NoticeKind
from appeals.notices.outbox import notices_claim

pytestmark = pytest.mark.django_db


def test_two_scans_writing_the_same_digest_write_it_once(supervisor):
    def digest():
        return Notice(kind=NoticeKind.DIGEST, user_id=supervisor.pk, email=supervisor.email, due_date=date(2026, 2, 20))

    first = notices_claim([digest()], existing=())
    second = notices_claim([digest()], existing=())  # the second scan had read before the first wrote
    assert len(first) == 1 and second == []
    assert Notice.objects.filter(kind=NoticeKind.DIGEST, user=supervisor).count() == 1
    # Another day is another digest.
    other_day = Notice(
        kind=NoticeKind.DIGEST, user_id=supervisor.pk, email=supervisor.email, due_date=date(2026, 2, 23)
    )
    assert len(notices_claim([other_day], existing=())) == 1


def test_two_scans_writing_the_same_reminder_write_it_once(appeal, executor):
    def reminder():
        return Notice(
            appeal=appeal,
            kind=NoticeKind.DUE_REMINDER,
            user_id=executor.pk,
            email=executor.email,
            due_date=appeal.due_date,
            days_left=3,
            next_attempt_at=timezone.now(),
        )

    assert len(notices_claim([reminder()], existing=())) == 1
    assert notices_claim([reminder(), reminder()], existing=()) == []
    assert Notice.objects.filter(appeal=appeal, kind=NoticeKind.DUE_REMINDER).count() == 1
