"""The one window in which a notice can arrive twice: the SMTP server stored the message, but its "250 OK"
never reached the sender (the connection dropped, or the worker was killed while waiting for it).

The outbox cannot know the message arrived, so it sends it again: no notice is lost, and the copy carries the
same Message-ID, by which a receiving system can drop it. These tests hold that promise (README, "Reminders and
notices") against a real SMTP server.
"""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from appeals.models import Notice
from appeals.models.choices import NoticeKind, NoticeState
from appeals.notices import outbox
from appeals.notices.outbox import notices_dispatch_pending, notices_send

from .conftest import MailRecorder, free_port

pytestmark = pytest.mark.django_db


class StoresThenHangsUp(MailRecorder):
    """Stores the first message it is given, then closes the connection instead of answering 250."""

    def __init__(self) -> None:
        super().__init__()
        self.hung_up = False

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.hung_up:
            return await super().handle_DATA(server, session, envelope)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        self.hung_up = True
        server.transport.close()  # the reply below never reaches the client
        return "250 OK"


@pytest.fixture
def hanging_smtp(settings):
    recorder = StoresThenHangsUp()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_TIMEOUT = 5
    yield recorder
    controller.stop()


def pending_notice(appeal, user) -> Notice:
    return Notice.objects.create(
        appeal=appeal,
        kind=NoticeKind.ESCALATED,
        user=user,
        email=user.email,
        due_date=appeal.due_date,
        days_left=0,
        next_attempt_at=timezone.now(),
    )


def test_a_message_stored_before_the_reply_was_lost_is_sent_again_with_the_same_message_id(
    appeal, executor, hanging_smtp
):
    notice = pending_notice(appeal, executor)

    first = notices_send(notice_ids=[notice.pk])

    # The server holds the message, but the sender never heard its 250: the notice stays pending.
    assert (first.sent, first.retrying) == (0, 1)
    notice.refresh_from_db()
    assert notice.state == NoticeState.PENDING and notice.attempts == 1
    assert "SMTPServerDisconnected" in notice.last_error
    assert len(hanging_smtp.messages) == 1

    # The retry after the backoff delivers it again: exactly two deliveries, one Message-ID.
    assert notices_dispatch_pending(now=timezone.now() + timedelta(hours=1)) == 1
    message_ids = [str(m["Message-ID"]) for m in hanging_smtp.messages]
    assert len(message_ids) == 2
    assert message_ids[0] == message_ids[1] and message_ids[0].startswith(f"<notice-{notice.pk}.")
    notice.refresh_from_db()
    assert notice.state == NoticeState.SENT and notice.attempts == 2 and notice.last_error == ""

    # And nothing more: the notice is sent, a further catch-up or send does nothing.
    assert notices_dispatch_pending(now=timezone.now() + timedelta(hours=2)) == 0
    assert notices_send(notice_ids=[notice.pk]).skipped == 1
    assert len(hanging_smtp.messages) == 2


def test_a_worker_killed_after_the_server_stored_the_message_repeats_it_once_after_its_claim_runs_out(
    appeal, executor, smtp, monkeypatch
):
    notice = pending_notice(appeal, executor)

    class Killed(BaseException):
        """The worker's process dies (SIGKILL): nothing after this line of the worker runs."""

    real_finish = outbox._finish

    def killed_before_marking_sent(notice, *, state, **fields):
        if state == NoticeState.SENT:
            raise Killed
        return real_finish(notice, state=state, **fields)

    monkeypatch.setattr(outbox, "_finish", killed_before_marking_sent)
    with pytest.raises(Killed):
        notices_send(notice_ids=[notice.pk])
    monkeypatch.setattr(outbox, "_finish", real_finish)

    assert len(smtp.messages) == 1
    notice.refresh_from_db()
    assert notice.state == NoticeState.PENDING and notice.claimed_until is not None
    # While the dead worker's claim lasts, nobody sends it.
    assert notices_send(notice_ids=[notice.pk]).skipped == 1
    assert len(smtp.messages) == 1

    # After the claim runs out the catch-up hands it over again and it is sent once more.
    with time_machine.travel(notice.claimed_until + timedelta(seconds=1), tick=False):
        assert notices_dispatch_pending() == 1  # the task runs inline in the tests
    message_ids = [str(m["Message-ID"]) for m in smtp.messages]
    assert len(message_ids) == 2 and message_ids[0] == message_ids[1]
    notice.refresh_from_db()
    assert notice.state == NoticeState.SENT
