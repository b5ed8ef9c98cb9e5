"""The outbox: notices written with their cause, sent once but for test_smtp_window.py's window, never lost."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from appeals import lifecycle
from appeals.lifecycle import ApplicantData
from appeals.lifecycle.registration import _hand_over as registration_hand_over
from appeals.models import Notice
from appeals.models.choices import AppealStatus, NoticeKind, NoticeState
from appeals.notices.outbox import notice_retry, notices_dispatch_pending, notices_send, retry_delay
from config.celery import app as celery_app

from ..factories import AppealFactory
from .conftest import free_port

pytestmark = pytest.mark.django_db


def register(registrar, agency, email="aigerim@mail.kz"):
    return lifecycle.appeal_register(
        actor=registrar,
        agency=agency,
        kind="application",
        channel="post",
        language="ru",
        region="astana",
        subject="Ремонт дороги",
        applicant=ApplicantData(name="Сейтқали Айгерім", email=email),
    )


def pending_notice(appeal, user, **extra):
    fields = {
        "appeal": appeal,
        "kind": NoticeKind.ESCALATED,
        "user": user,
        "email": user.email,
        "due_date": appeal.due_date,
        "days_left": 3,
        "next_attempt_at": timezone.now(),
        **extra,
    }
    return Notice.objects.create(**fields)


# --- Written with the change, sent after commit ------------------------------------------------------
def test_a_notice_is_written_in_the_change_and_sent_only_after_commit(
    registrar, agency, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        appeal = register(registrar, agency)
        notice = Notice.objects.get(appeal=appeal)
        assert (notice.kind, notice.state, notice.email) == (NoticeKind.RECEIPT, NoticeState.PENDING, "aigerim@mail.kz")
        assert mail.outbox == []
    # Exactly one callback hands the registration to the workers, in one message: its receipt (this notice's id)
    # and matter matching of the appeal, which runs after commit by design (appeals.listening.matching); the only
    # other work at commit is the side menu's counts marked stale (appeals.access.menucounts).
    sending = [c for c in callbacks if getattr(c, "func", None) is registration_hand_over]
    assert [c.args for c in sending] == [([appeal.pk], [notice.pk])]
    others = [c for c in callbacks if c not in sending]
    assert sorted(getattr(c, "func", c).__module__ for c in others) == ["appeals.access.menucounts"]
    notice.refresh_from_db()
    assert notice.state == NoticeState.SENT and notice.attempts == 1 and notice.sent_at is not None
    assert [m.to for m in mail.outbox] == [["aigerim@mail.kz"]]
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<notice-{notice.pk}.")


def test_a_change_that_rolls_back_leaves_no_notice(registrar, agency, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        register(registrar, agency)
        raise RuntimeError("the request failed after the registration")
    assert not Notice.objects.exists()
    assert mail.outbox == []


def test_a_broker_down_at_commit_does_not_break_the_change_and_the_catch_up_sends_it(
    registrar, agency, django_capture_on_commit_callbacks, caplog
):
    """A real connection attempt to a port where no broker listens."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.get("broker_write_url"))
    # broker_write_url: CELERY_BROKER_URL in the environment (CI's Redis pass) wins over broker_url.
    conf.task_always_eager, conf.broker_write_url = False, f"redis://127.0.0.1:{free_port()}/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        with django_capture_on_commit_callbacks(execute=True):
            appeal = register(registrar, agency)
    finally:
        conf.task_always_eager, conf.broker_write_url = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
    assert appeal.pk and appeal.status == AppealStatus.REGISTERED
    notice = Notice.objects.get(appeal=appeal)
    assert notice.state == NoticeState.PENDING
    assert mail.outbox == []
    assert "catch-up sends them" in caplog.text
    # The catch-up (beat, every minute) hands it over once its hand-over time has passed.
    assert notices_dispatch_pending() == 0
    assert notices_dispatch_pending(now=timezone.now() + timedelta(minutes=3)) == 1
    notice.refresh_from_db()
    assert notice.state == NoticeState.SENT
    assert [m.to for m in mail.outbox] == [["aigerim@mail.kz"]]


def test_staff_notices_go_to_each_supervisor_up_the_tree_on_escalation(
    agency, executor, supervisor, ministry_supervisor, django_capture_on_commit_callbacks
):
    appeal = AppealFactory(agency=agency, overdue=True, status=AppealStatus.IN_PROGRESS, assignee=executor)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.appeal_escalate(appeal=appeal, actor=None)
    assert sorted(m.to[0] for m in mail.outbox) == ["minister@example.kz", "supervisor@example.kz"]
    assert all(appeal.number in m.subject for m in mail.outbox)
    assert set(Notice.objects.values_list("kind", "state")) == {(NoticeKind.ESCALATED, NoticeState.SENT)}


# --- At most once -----------------------------------------------------------------------------------------
def test_sending_twice_sends_once(appeal, executor):
    notice = pending_notice(appeal, executor)
    assert notices_send(notice_ids=[notice.pk]).sent == 1
    again = notices_send(notice_ids=[notice.pk, notice.pk])
    assert (again.sent, again.skipped) == (0, 1)
    assert len(mail.outbox) == 1


def test_a_notice_another_worker_holds_is_left_to_it_until_its_claim_runs_out(appeal, executor):
    notice = pending_notice(appeal, executor, claimed_until=timezone.now() + timedelta(minutes=5))
    assert notices_send(notice_ids=[notice.pk]).skipped == 1
    assert notices_dispatch_pending() == 0
    assert mail.outbox == []
    # That worker died: once its claim has run out, the catch-up sends the notice.
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert notices_dispatch_pending() == 1
    notice.refresh_from_db()
    assert notice.state == NoticeState.SENT and len(mail.outbox) == 1


def test_the_unique_claim_refuses_a_second_reminder_row(appeal, executor):
    from django.db import IntegrityError

    reminder = {"kind": NoticeKind.DUE_REMINDER}
    pending_notice(appeal, executor, **reminder)
    with pytest.raises(IntegrityError), transaction.atomic():
        pending_notice(appeal, executor, **reminder)
    # A new stage, a new due date or another recipient is another notice.
    pending_notice(appeal, executor, days_left=1, **reminder)
    pending_notice(appeal, executor, due_date=appeal.due_date + timedelta(days=7), **reminder)
    # Notices of a change are not claims: two returns for rework are two notices.
    pending_notice(appeal, executor, kind=NoticeKind.RETURNED)
    pending_notice(appeal, executor, kind=NoticeKind.RETURNED)


# --- SMTP failures ------------------------------------------------------------------------------------------
def test_an_smtp_server_saying_try_later_keeps_the_notice_pending_with_backoff_and_its_error(appeal, executor, smtp):
    smtp.reply = "451 4.3.0 Mailbox busy, try later"
    first, second = pending_notice(appeal, executor), pending_notice(appeal, executor, days_left=1)
    result = notices_send(notice_ids=[first.pk, second.pk])
    assert (result.sent, result.retrying) == (0, 2)
    first.refresh_from_db()
    assert first.state == NoticeState.PENDING and first.attempts == 1
    assert "451" in first.last_error and "Mailbox busy" in first.last_error
    wait = first.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < wait <= timedelta(seconds=60)
    assert notices_dispatch_pending() == 0  # not before its time
    smtp.reply = None
    assert notices_dispatch_pending(now=timezone.now() + timedelta(seconds=61)) == 2
    assert [str(m["X-Appeal-Number"]) for m in smtp.messages] == [appeal.number, appeal.number]
    assert set(Notice.objects.values_list("state", "last_error")) == {(NoticeState.SENT, "")}


def test_the_backoff_doubles_up_to_its_cap(settings):
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 7, 8, 20)] == [60, 120, 240, 480, 3600, 3600, 3600]


def test_an_smtp_server_that_is_down_keeps_everything_pending(appeal, executor, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    notice = pending_notice(appeal, executor)
    assert notices_send(notice_ids=[notice.pk]).retrying == 1
    notice.refresh_from_db()
    assert notice.state == NoticeState.PENDING and "ConnectionRefusedError" in notice.last_error


def test_a_permanent_refusal_fails_at_once_and_the_rest_of_the_batch_goes_on(appeal, executor, executor2, smtp):
    refused = pending_notice(appeal, executor)
    fine = pending_notice(appeal, executor2)
    original = smtp.handle_DATA

    async def refuse_first(server, session, envelope):
        if "executor@" in envelope.rcpt_tos[0]:
            return "550 5.1.1 No such mailbox"
        return await original(server, session, envelope)

    smtp.handle_DATA = refuse_first
    result = notices_send(notice_ids=[refused.pk, fine.pk])
    assert (result.sent, result.failed) == (1, 1)
    refused.refresh_from_db()
    assert refused.state == NoticeState.FAILED and "550" in refused.last_error
    assert [str(m["To"]) for m in smtp.messages] == ["executor2@example.kz"]


def test_a_notice_failing_longer_than_the_give_up_period_is_marked_failed(appeal, executor, smtp, settings):
    smtp.reply = "421 4.3.2 Service not available"
    old = pending_notice(appeal, executor)
    Notice.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=73))
    assert notices_send(notice_ids=[old.pk]).failed == 1
    old.refresh_from_db()
    assert old.state == NoticeState.FAILED and "421" in old.last_error


def test_retry_now_sends_a_failed_notice_again(appeal, executor, django_capture_on_commit_callbacks):
    notice = pending_notice(appeal, executor, state=NoticeState.FAILED, last_error="550 no such mailbox", attempts=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert notice_retry(notice=notice)
    notice.refresh_from_db()
    assert notice.state == NoticeState.SENT and notice.attempts == 4
    assert not notice_retry(notice=notice)  # sent: nothing to retry


# --- One SMTP connection per batch ---------------------------------------------------------------------------
def test_a_batch_is_sent_over_one_smtp_connection(appeal, executor, executor2, supervisor, smtp, outbox_settings):
    notices = [pending_notice(appeal, user) for user in (executor, executor2, supervisor)]
    assert notices_send(notice_ids=[n.pk for n in notices]).sent == 3
    assert len(smtp.messages) == 3
    assert len(smtp.sessions) == 1


def test_a_dropped_notice_is_not_sent(appeal, executor, executor2):
    # A reminder to the executor, but the appeal went to someone else.
    notice = pending_notice(appeal, executor, kind=NoticeKind.DUE_REMINDER)
    AppealFactory._meta.model.objects.filter(pk=appeal.pk).update(status=AppealStatus.IN_PROGRESS, assignee=executor2)
    assert notices_send(notice_ids=[notice.pk]).dropped == 1
    notice.refresh_from_db()
    assert notice.state == NoticeState.DROPPED and "another executor" in notice.last_error
    assert mail.outbox == []


def test_applicant_notices_are_sent_even_when_the_appeal_is_closed(appeal, django_capture_on_commit_callbacks):
    from appeals.notices import notifications

    with django_capture_on_commit_callbacks(execute=True):
        notifications.applicant_notice_on_commit(appeal, notifications.APPLICANT_RECEIPT)
        AppealFactory._meta.model.objects.filter(pk=appeal.pk).update(status=AppealStatus.CLOSED)
    assert [m.to for m in mail.outbox] == [[appeal.applicant_email]]


def test_an_applicant_without_an_email_gets_no_notice(registrar, agency, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register(registrar, agency, email="")
    assert not Notice.objects.exists()


def test_the_due_date_of_a_notice_is_the_appeals_at_the_time(appeal, supervisor, django_capture_on_commit_callbacks):
    from appeals.calendar.workdays import get_calendar

    until = get_calendar().add_working_days(appeal.due_date, 3)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.appeal_grant_extension(appeal=appeal, actor=supervisor, until=until, reason="Expert opinion")
    notice = Notice.objects.get(kind=NoticeKind.EXTENSION)
    assert notice.due_date == until and notice.state == NoticeState.SENT
    assert isinstance(notice.due_date, date)
