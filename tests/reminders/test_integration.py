"""End to end: a real Celery worker and a real beat (subprocesses), a real broker, a real SMTP server.

The test writes appeals into the test database (committed: a `transactional_db` test, and a
database the subprocesses can open: the SQLite test database is a file, see config/settings.py,
or PostgreSQL), starts `celery worker` and `celery beat` against it with short intervals, and
asserts the exact set of messages the SMTP server (aiosmtpd) accepted: no missing one, no copy.

Runs on Redis (marked `redis`: the database of TEST_REDIS_URL, flushed) and on kombu's
filesystem broker (a folder of the test's own). One variant kills the worker with SIGKILL in the
middle of a batch, while the SMTP server holds a message unanswered, and starts a new worker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from appeals import lifecycle
from appeals.calendar import overrides
from appeals.calendar.workdays import get_calendar, invalidate_calendar
from appeals.lifecycle import ApplicantData
from appeals.models import CalendarOverride, Notice
from appeals.models.choices import AppealStatus, NoticeState
from config.celery import app as celery_app

from ..conftest import redis_url
from ..factories import AppealFactory

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 40  # seconds for a worker on a busy 2-core machine
SETTLE = 5  # seconds of quiet that show no further (duplicate) message comes

pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(settings_dict["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            pytest.skip("the SQLite test database is in memory: a worker process cannot open it")
        return f"sqlite:///{name}"
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


class Celery:
    """Starts and stops `celery worker` and `celery beat` subprocesses sharing one environment."""

    def __init__(self, *, broker: str, tmp: Path, smtp_port: int) -> None:
        self.tmp = tmp
        self.var = tmp / "var"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url(),
            "DB_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": broker,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "VAR_DIR": str(self.var),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_TIMEOUT": "3",
            "SITE_URL": "http://desk.test",
            "REMINDER_SCAN_INTERVAL_SECONDS": "2",
            "NOTICE_CATCH_UP_INTERVAL_SECONDS": "1",
            "NOTICE_CLAIM_SECONDS": "9",
            "NOTICE_REDISPATCH_SECONDS": "4",
            "NOTICE_BATCH_SIZE": "3",
            "LOG_LEVEL": "INFO",
        }
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        self.logs[name] = log
        with log.open("ab") as out:
            process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
                [sys.executable, "-m", "celery", "-A", "config", *args],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a kill reaches the pool's children
            )
        self.processes[name] = process
        return process

    def start_worker(self, concurrency: int = 2) -> None:
        self._start(
            "worker",
            [
                "worker",
                "--loglevel=INFO",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "-n",
                f"reminders-test-{uuid.uuid4().hex[:8]}@%h",
            ],
        )

    def start_beat(self) -> None:
        self._start(
            "beat",
            ["beat", "--loglevel=INFO", "--schedule", str(self.tmp / "beat-schedule"), "--max-interval", "1"],
        )

    def kill_worker(self) -> None:
        """SIGKILL to the worker and its pool: no warm shutdown, no acknowledgement, nothing cleaned up."""
        process = self.processes.pop("worker")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        """A cold shutdown (SIGQUIT: the test is over, nothing to finish), then SIGKILL to what is left."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGQUIT)
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the pool's children, if any outlived the parent
            process.wait(timeout=5)
        self.processes.clear()

    def log_tail(self) -> str:
        return "\n".join(
            f"--- {name} ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-60:])
            for name, path in self.logs.items()
            if path.exists()
        )


def wait_for(condition, *, timeout: float, message: str, celery: Celery) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"{message}\n{celery.log_tail()}")


def working_days_back(day: date, n: int) -> date:
    cal = get_calendar()
    while n:
        day -= timedelta(days=1)
        if cal.is_working_day(day):
            n -= 1
    return day


@pytest.fixture
def test_process_publishes_to(request):
    """Make this process's Celery app publish to `broker` (not run inline), as the web process does."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.get("broker_write_url"), conf.broker_transport_options)

    def use(broker: str, transport_options: dict | None = None) -> None:
        conf.task_always_eager = False
        # broker_write_url: CELERY_BROKER_URL in the environment (CI's Redis pass) wins over broker_url.
        conf.broker_write_url = broker
        conf.broker_transport_options = transport_options or {}
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    yield use
    conf.task_always_eager, conf.broker_write_url, conf.broker_transport_options = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def scenario(agency, executor, executor2, supervisor, ministry_supervisor, registrar):
    """Appeals around today (Almaty), and the exact messages the scan must produce for them."""
    now = timezone.localtime()
    if now.hour == 23 and now.minute >= 58:
        time.sleep((60 - now.minute) * 60 - now.second + 5)  # do not straddle midnight
    today = timezone.localdate()
    if not get_calendar().is_working_day(today):
        # Reminders go out on working days only: make today one, as a decree would.
        overrides.calendar_override_save(override=CalendarOverride(date=today, is_working_day=True, note="test"))
    invalidate_calendar()
    cal = get_calendar()
    registered = timezone.make_aware(datetime.combine(working_days_back(today, 20), datetime.min.time()))

    def assigned(due: date, assignee, **extra):
        fields = {"status": AppealStatus.IN_PROGRESS, "registered_at": registered, **extra}
        return AppealFactory(agency=agency, assignee=assignee, due_date=due, original_due_date=due, **fields)

    tomorrow = assigned(cal.add_working_days(today, 1), executor)
    in_three = assigned(cal.add_working_days(today, 3), executor)
    due_today = assigned(today, executor2)
    overdue = assigned(working_days_back(today, 2), executor)
    assigned(cal.add_working_days(today, 5), executor)  # nothing yet
    assigned(working_days_back(today, 2), executor, status=AppealStatus.ANSWERED)  # closed: nothing
    # Unassigned, registered two working days ago: its redirect limit is the next working day.
    routing = AppealFactory(
        agency=agency,
        registered_at=timezone.make_aware(datetime.combine(working_days_back(today, 2), datetime.min.time()))
        + timedelta(hours=10),
    )
    expected = [
        ("executor@example.kz", "due_reminder", tomorrow.number),
        ("executor@example.kz", "due_reminder", in_three.number),
        ("executor2@example.kz", "due_reminder", due_today.number),
        ("executor@example.kz", "overdue_reminder", overdue.number),
        ("supervisor@example.kz", "escalated", overdue.number),
        ("minister@example.kz", "escalated", overdue.number),
        ("registrar@example.kz", "redirect_limit", routing.number),
    ]
    return {"expected": expected, "executor": executor, "agency": agency, "cal": cal, "today": today}


def register_with_receipt(registrar, agency) -> tuple[str, str, str]:
    """A registration in this process: its receipt goes through the broker to the worker."""
    appeal = lifecycle.appeal_register(
        actor=registrar,
        agency=agency,
        kind="application",
        channel="post",
        language="kk",
        region="astana",
        subject="Жол жөндеу",
        applicant=ApplicantData(name="Сейтқали Айгерім", email="aigerim@mail.kz"),
    )
    return ("aigerim@mail.kz", "receipt", appeal.number)


def assert_exactly(recorder, expected, celery: Celery) -> None:
    wait_for(
        lambda: len(recorder.received()) >= len(expected),
        timeout=STARTUP_TIMEOUT,
        message=f"only {recorder.received()} of {sorted(expected)} arrived",
        celery=celery,
    )
    time.sleep(SETTLE)  # several scans and catch-ups later: still nothing more
    assert recorder.received() == sorted(expected), celery.log_tail()
    assert len(set(recorder.message_ids())) == len(expected)
    states = set(Notice.objects.values_list("state", flat=True))
    assert states == {NoticeState.SENT}, celery.log_tail()


@pytest.fixture(params=[pytest.param("redis", marks=pytest.mark.redis), "filesystem"])
def broker(request, tmp_path, test_process_publishes_to):
    """The broker the worker, beat and this process share: Redis (TEST_REDIS_URL, flushed) or a folder."""
    if request.param == "redis":
        import redis

        url = redis_url()
        redis.Redis.from_url(url).flushdb()
        test_process_publishes_to(url)
        yield url
        redis.Redis.from_url(url).flushdb()
        return
    folder = tmp_path / "var" / "broker"  # where config/settings.py puts it for VAR_DIR=tmp/var
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    test_process_publishes_to(
        "filesystem://",
        {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
    )
    yield "filesystem://"


def test_a_real_worker_and_beat_send_exactly_the_due_notices(tmp_path, smtp_server, scenario, registrar, broker):
    celery = Celery(broker=broker, tmp=tmp_path, smtp_port=smtp_server.port)
    try:
        celery.start_worker()
        celery.start_beat()
        expected = [*scenario["expected"], register_with_receipt(registrar, scenario["agency"])]
        assert_exactly(smtp_server.recorder, expected, celery)
        # HTML and text, Cyrillic intact, the link to the appeal.
        reminder = next(m for m in smtp_server.recorder.messages if str(m["X-Otinish-Notice"]) == "due_reminder")
        assert reminder.get_content_type() == "multipart/alternative"
        text = reminder.get_body(("plain",)).get_content()
        assert "http://desk.test/appeals/" in text and "Срок исполнения" in text
    finally:
        celery.stop()


def test_a_worker_killed_in_the_middle_of_a_batch_loses_and_repeats_nothing(
    tmp_path, smtp_server, scenario, registrar, broker
):
    recorder = smtp_server.recorder
    cal, today = scenario["cal"], scenario["today"]
    tomorrow = cal.add_working_days(today, 1)
    many = [
        AppealFactory(
            agency=scenario["agency"],
            status=AppealStatus.IN_PROGRESS,
            assignee=scenario["executor"],
            due_date=tomorrow,
            original_due_date=tomorrow,
        )
        for _ in range(9)
    ]
    expected = [*scenario["expected"], *(("executor@example.kz", "due_reminder", a.number) for a in many)]
    recorder.hold_at = 5  # the fifth message is left unanswered: its worker is killed while waiting
    celery = Celery(broker=broker, tmp=tmp_path, smtp_port=smtp_server.port)
    try:
        # One pool process: when the fifth message is held, no other message is half-way through.
        # (A kill in the instant between the SMTP server's "250 OK" and the UPDATE to "sent" would
        # send that one message again, with the same Message-ID: the one window left by SMTP itself.)
        celery.start_worker(concurrency=1)
        celery.start_beat()
        wait_for(recorder.holding.is_set, timeout=STARTUP_TIMEOUT, message="no message was held", celery=celery)
        celery.kill_worker()
        recorder.release.set()
        assert len(recorder.received()) < len(expected)
        assert Notice.objects.filter(state=NoticeState.PENDING).exists()
        celery.start_worker()
        assert_exactly(recorder, expected, celery)
        assert recorder.data_count == len(expected) + 1  # the held one was sent twice, accepted once
    finally:
        celery.stop()
