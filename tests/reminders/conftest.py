"""Fixtures of the reminder tests: a real SMTP server (aiosmtpd) and travel to an Almaty day."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail

ALMATY = ZoneInfo("Asia/Almaty")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailRecorder:
    """An aiosmtpd handler that keeps every message it accepted, and can refuse or hold one on demand."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[email.message.EmailMessage] = []
        self.sessions: list[object] = []  # one per SMTP connection that delivered something
        self.data_count = 0
        self.reply: str | None = None  # e.g. "451 4.3.0 Try again later" to refuse every message
        self.hold_at: int | None = None  # hold the n-th DATA (1-based) until `release` is set
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.data_count += 1
            number = self.data_count
            reply = self.reply
        if reply:
            return reply
        if self.hold_at == number:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
            # The client was killed while waiting for our answer: the message was never accepted.
            return "451 4.3.0 Transaction aborted"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            if not any(s is session for s in self.sessions):
                self.sessions.append(session)
        return "250 OK"

    def received(self) -> list[tuple[str, str, str]]:
        """(recipient, notice kind, appeal number) of every accepted message, sorted."""
        with self.lock:
            return sorted(
                (str(m["To"]), str(m["X-Otinish-Notice"]), str(m["X-Appeal-Number"] or "")) for m in self.messages
            )

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 and a free port; `.recorder` holds what arrived."""
    recorder = MailRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.recorder = recorder
    yield controller
    recorder.release.set()
    controller.stop()


@pytest.fixture
def smtp(settings, smtp_server):
    """Django sends through the real SMTP server; returns its recorder."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server.port
    settings.EMAIL_TIMEOUT = 5
    return smtp_server.recorder


def almaty(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ALMATY)


@pytest.fixture
def travel():
    """travel(date) moves the clock to 10:00 that day in Almaty (and stays there until the next call)."""
    traveller = None

    def go(day: date, hour: int = 10, minute: int = 0):
        nonlocal traveller
        if traveller is not None:
            traveller.stop()
        traveller = time_machine.travel(almaty(day, hour, minute), tick=False)
        traveller.start()
        return almaty(day, hour, minute)

    yield go
    if traveller is not None:
        traveller.stop()


@pytest.fixture
def outbox_settings(settings):
    """Small numbers for the outbox, so that batching is visible in small tests."""
    settings.NOTICE_OUTBOX = {**settings.NOTICE_OUTBOX, "BATCH_SIZE": 3, "SCAN_CHUNK_SIZE": 4}
    return settings.NOTICE_OUTBOX


def sent_mail() -> list[tuple[str, str, str]]:
    """(recipient, notice kind, appeal number) of what Django sent so far (mail.outbox), sorted."""
    return sorted(
        (m.to[0], m.extra_headers.get("X-Otinish-Notice", ""), m.extra_headers.get("X-Appeal-Number", ""))
        for m in mail.outbox
    )


@pytest.fixture(autouse=True)
def english(settings):
    """The tests read English text: pages, the admin and reasons stored without a recipient's language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
