"""The supervisors' weekly signals email: once a week per supervisor, switchable, in their language."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache

from agencies.choices import Region
from agencies.services import user_set_receive_signals
from appeals.listening.emails import signals_email_send
from appeals.models import Notice
from appeals.models.choices import NoticeKind, NoticeState
from appeals.notices.outbox import notices_send
from appeals.tasks import signals_email_send_task

from ..dashboard.conftest import at
from ..factories import AppealFactory

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 4, 13)  # last week: 6-12 April


@pytest.fixture(autouse=True)
def _monday(settings):
    cache.clear()
    settings.DASHBOARD = {**settings.DASHBOARD, "LIVE_CACHE_SECONDS": 0}
    with time_machine.travel(at(2026, 4, 13, 9), tick=False):
        yield


@pytest.fixture
def hot_week(agency, category):
    """Roads in Astana: 1 a week since 2025, then 12 in the week of 6 April."""
    AppealFactory(agency=agency, category=None, registered_at=at(2025, 1, 5))
    for k in range(1, 9):
        day = date(2026, 4, 6) - timedelta(days=7 * k)
        AppealFactory(agency=agency, category=category, registered_at=at(day.year, day.month, day.day))
    AppealFactory.create_batch(12, agency=agency, category=category, region=Region.ASTANA, registered_at=at(2026, 4, 8))


def test_each_supervisor_gets_one_email_a_week_with_last_week_s_signals(
    hot_week, supervisor, ministry_supervisor, executor, category, django_capture_on_commit_callbacks
):
    supervisor.language = "ru"
    supervisor.save()
    with django_capture_on_commit_callbacks(execute=True):
        signals_email_send_task.delay()
    assert {m.to[0] for m in mail.outbox} == {supervisor.email, ministry_supervisor.email}
    message = next(m for m in mail.outbox if m.to == [supervisor.email])
    assert "06.04–12.04.2026" in message.subject
    assert category.name_ru in message.body and "/appeals/?" in message.body
    # A second run in the same week writes nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        assert signals_email_send() == 0
    assert Notice.objects.filter(kind=NoticeKind.SIGNALS, due_date=MONDAY).count() == 2


def test_a_supervisor_who_switched_it_off_gets_none(hot_week, supervisor, django_capture_on_commit_callbacks):
    user_set_receive_signals(user=supervisor, receive_signals=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert signals_email_send() == 0
    assert mail.outbox == []


def test_switched_off_after_it_was_written_it_is_dropped(hot_week, supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        assert signals_email_send() == 1
    user_set_receive_signals(user=supervisor, receive_signals=False)
    result = notices_send(notice_ids=list(Notice.objects.values_list("pk", flat=True)))
    assert (result.sent, result.dropped) == (0, 1)
    assert Notice.objects.get().state == NoticeState.DROPPED


def test_a_quiet_week_sends_nothing(supervisor, agency, django_capture_on_commit_callbacks):
    AppealFactory(agency=agency, registered_at=at(2026, 4, 8))
    with django_capture_on_commit_callbacks(execute=True):
        assert signals_email_send() == 1
    assert mail.outbox == []
    assert Notice.objects.get().state == NoticeState.DROPPED
