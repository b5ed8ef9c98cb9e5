"""Faults survived: Redis down (pages work, nothing queued is lost), SMTP down (notices wait and go out later),
PostgreSQL restarted (the next request reconnects)."""

import time
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal, Notice
from appeals.models.choices import AppealStatus, NoticeState
from appeals.notices.outbox import notices_dispatch_pending
from config.celery import app as celery_app

from ..reminders.conftest import free_port
from ..web.conftest import make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def redis_down():
    """Every publish goes to a real Redis URL on a port where nothing listens (the workers' broker is down)."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.get("broker_write_url"), conf.get("broker_read_url"))
    url = f"redis://127.0.0.1:{free_port()}/0"
    conf.task_always_eager = False
    conf.broker_write_url = conf.broker_read_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield url
    conf.task_always_eager, conf.broker_write_url, conf.broker_read_url = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_redis_down_pages_work_and_the_notice_waits_for_the_catch_up(
    client, agency, supervisor, executor, redis_down, django_capture_on_commit_callbacks, mailoutbox
):
    appeal = make(agency=agency)
    client.force_login(supervisor)
    assert client.get("/appeals/?queue=all").status_code == 200
    assert client.get(appeal.get_absolute_url()).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("appeals:assign", kwargs={"pk": appeal.pk}), {"version": appeal.version, "executor": executor.pk}
        )
    assert response.status_code == 302  # the assignment is saved although the enqueue failed
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.IN_PROGRESS and appeal.assignee == executor
    notice = Notice.objects.get(appeal=appeal, user=executor)
    assert notice.state == NoticeState.PENDING and mailoutbox == []
    # /healthz says what is wrong, without failing itself.
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["broker"]["status"] == "down"
    assert health.json()["database"]["status"] == "ok"


def test_after_redis_is_back_the_catch_up_sends_what_waited(agency, supervisor, executor, redis_down, mailoutbox):
    from appeals import lifecycle

    appeal = make(agency=agency)
    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
    notice = Notice.objects.get(appeal=appeal, user=executor)
    assert notice.state == NoticeState.PENDING
    # Redis is back (the fixture's URL is dropped: tasks run in-process as the workers would run them).
    celery_app.conf.task_always_eager = True
    assert notices_dispatch_pending(now=timezone.now() + timedelta(minutes=5)) == 1
    notice.refresh_from_db()
    assert notice.state == NoticeState.SENT
    assert [m.to for m in mailoutbox] == [[executor.email]]


def test_smtp_down_notices_stay_pending_and_go_out_later(
    client, agency, supervisor, executor, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5  # nobody there
    appeal = make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)
    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("appeals:approve", kwargs={"pk": appeal.pk}), {"version": appeal.version, "outcome": "satisfied"}
        )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ANSWERED
    answer = Notice.objects.get(appeal=appeal, email=appeal.applicant_email)
    assert answer.state == NoticeState.PENDING and answer.attempts == 1 and answer.last_error
    # The mail server comes back; the catch-up after the back-off sends it.
    settings.EMAIL_PORT = smtp_server.port
    assert notices_dispatch_pending(now=timezone.now() + timedelta(hours=1)) >= 1
    answer.refresh_from_db()
    assert answer.state == NoticeState.SENT
    assert [str(m["To"]) for m in smtp_server.recorder.messages] == [appeal.applicant_email]
    # Sent once: a later catch-up finds nothing pending and the server receives nothing more.
    assert notices_dispatch_pending(now=timezone.now() + timedelta(hours=2)) == 0
    assert len(smtp_server.recorder.messages) == 1


def _wsgi_get(path: str, cookie: str) -> tuple[int, bytes]:
    """One request through Django's real WSGI handler, as gunicorn makes it (the test client skips the
    connection checks Django runs when a request starts, which is what this is about)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.client import RequestFactory

    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET", HTTP_COOKIE=cookie)
    status = {}

    def start_response(line, headers, exc_info=None):
        status["code"] = int(line.split()[0])

    body = b"".join(WSGIHandler()(environ, start_response))
    return status["code"], body


def _server_pid() -> int:
    """The PostgreSQL backend behind Django's connection (behind PgBouncer, libpq's backend_pid is PgBouncer's)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_restarted_the_next_request_reconnects(client, agency, supervisor, settings):
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0  # connections are kept between requests
    appeal = make(agency=agency)
    client.force_login(supervisor)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    code, body = _wsgi_get(appeal.get_absolute_url(), cookie)
    assert code == 200 and appeal.number.encode() in body
    pid = _server_pid()  # the server connection the request left open for the next one
    params = connection.get_connection_params()
    dsn = {k: v for k, v in params.items() if k in {"dbname", "user", "host", "port", "password"}}
    with connection.cursor() as cursor:  # straight to PostgreSQL, not through PgBouncer (CI's PostgreSQL pass)
        cursor.execute("SELECT host(inet_server_addr()), inet_server_port()")
        dsn["host"], dsn["port"] = cursor.fetchone()
    with psycopg.connect(**dsn, autocommit=True) as admin:
        # As a restart does: every other connection to the database is cut.
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        # pg_terminate_backend only signals: the backend is gone a moment later.
        for _attempt in range(100):
            alive = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]
            if not alive:
                break
            time.sleep(0.05)
    assert alive == 0
    code, body = _wsgi_get(appeal.get_absolute_url(), cookie)
    assert code == 200 and appeal.number.encode() in body
    # A new server connection: Django's own (CONN_HEALTH_CHECKS), or PgBouncer's under the same client connection.
    assert _server_pid() != pid
    code, body = _wsgi_get("/healthz", "")
    assert code == 200 and b'"database": {"status": "ok"' in body


def test_redis_down_the_status_webhook_waits_and_the_beat_task_sends_it(
    client, ministry, agency, category, supervisor, executor, redis_down, settings, django_capture_on_commit_callbacks
):
    from agencies.choices import Region
    from appeals import tasks
    from appeals.access.integrations import webhook_endpoint_create
    from appeals.models import DeliveryStatus, WebhookDelivery

    from ..api.conftest import intake_body, make_integration, token_client
    from ..api.test_webhooks import Receiver
    from ..factories import CategoryRouteFactory

    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    CategoryRouteFactory(category=category, region=Region.ASTANA, agency=agency)
    receiver = Receiver()
    try:
        integration, token = make_integration(ministry, scopes=["intake", "read"])
        webhook_endpoint_create(integration=integration, url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            created = token_client(token).post("/api/v1/appeals/", intake_body(1), format="json")
        assert created.status_code == 201  # the intake answered although the broker is down
        client.force_login(supervisor)
        appeal_pk = created.json()["id"]
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("appeals:assign", kwargs={"pk": appeal_pk}),
                {"version": Appeal.objects.get(pk=appeal_pk).version, "executor": executor.pk},
            )
        assert response.status_code == 302
        deliveries = WebhookDelivery.objects.all()
        assert deliveries.exists() and all(d.status == DeliveryStatus.PENDING for d in deliveries)
        assert receiver.requests == []
        # The broker is back: beat's retry task sends everything that waited, once.
        celery_app.conf.task_always_eager = True
        tasks.webhook_deliveries_retry_task()
        assert {d.status for d in WebhookDelivery.objects.all()} == {DeliveryStatus.DELIVERED}
        assert len(receiver.requests) == deliveries.count()
    finally:
        receiver.close()
