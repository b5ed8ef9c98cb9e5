"""Status webhooks: the outbox row is written with the change, sent by Celery, signed, retried with
backoff — checked against a real HTTP receiver on 127.0.0.1."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.utils import timezone

from appeals import lifecycle
from appeals.access.integrations import webhook_endpoint_create
from appeals.models import Appeal, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from appeals.models.choices import AppealStatus
from appeals.notices import webhooks

from ..factories import AppealFactory
from .conftest import assert_error, intake_body, make_integration, token_client


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers the statuses it is given."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
                code = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(code)
                if code in (301, 302):
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/otinish"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def hooked(portal, receiver):
    """The portal with an endpoint at the receiver; returns (integration, token, endpoint, secret)."""
    integration, token = portal
    endpoint, secret = webhook_endpoint_create(integration=integration, url=receiver.url)
    return integration, token, endpoint, secret


def submit(token, n=1):
    response = token_client(token).post("/api/v1/appeals/", intake_body(n), format="json")
    assert response.status_code == 201, response.content
    return Appeal.objects.select_related("agency").get(pk=response.json()["id"])


def verify(secret: str, request: dict) -> bool:
    """What the docs tell integrators to do."""
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["X-Otinish-Signature"])


def test_a_status_change_is_posted_signed_to_the_endpoint(
    hooked, route, receiver, supervisor, executor, django_capture_on_commit_callbacks
):
    _integration, token, endpoint, secret = hooked
    with django_capture_on_commit_callbacks(execute=True):
        appeal = submit(token)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)

    assert len(receiver.requests) == 2
    registered, assigned = receiver.requests
    for request in receiver.requests:
        assert verify(secret, request)
        assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
        assert request["headers"]["X-Otinish-Event"] == "appeal.status_changed"
        assert request["path"] == "/hooks/otinish"
    payload = json.loads(assigned["body"])
    assert payload["event"] == "appeal.status_changed"
    assert payload["previous_status"] == "registered"
    assert payload["appeal"]["status"] == "in_progress"
    assert payload["appeal"]["id"] == appeal.pk and payload["appeal"]["external_id"] == "portal-1"
    assert payload["appeal"]["number"] == appeal.number
    assert payload["appeal"]["agency"]["code"] == "dep"
    assert payload["delivery_id"] == assigned["headers"]["X-Otinish-Delivery"]
    assert json.loads(registered["body"])["appeal"]["status"] == "registered"
    delivery = WebhookDelivery.objects.get(uuid=payload["delivery_id"])
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 1, 204)
    assert delivery.delivered_at is not None and delivery.endpoint == endpoint


def test_a_tampered_body_fails_the_signature_check(hooked, route, receiver, django_capture_on_commit_callbacks):
    _integration, token, _endpoint, secret = hooked
    with django_capture_on_commit_callbacks(execute=True):
        submit(token)
    request = receiver.requests[0]
    assert verify(secret, request)
    assert not verify(secret, {**request, "body": request["body"].replace(b"registered", b"answered")})
    assert not verify("whsec_someone-else", request)


def test_the_delivery_row_is_written_in_the_change_s_transaction(hooked, route, supervisor, executor):
    _integration, token, _endpoint, _secret = hooked
    appeal = submit(token)
    before = WebhookDelivery.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
        assert WebhookDelivery.objects.count() == before + 1
        raise RuntimeError("the change is rolled back")
    assert WebhookDelivery.objects.count() == before


def test_a_failed_attempt_is_retried_with_exponential_backoff(
    hooked, route, receiver, settings, django_capture_on_commit_callbacks
):
    _integration, token, _endpoint, _secret = hooked
    receiver.statuses = [500, 503]
    started = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        submit(token)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.PENDING, 1, 500)
    assert "HTTP 500" in delivery.last_error
    assert timedelta(seconds=59) <= delivery.next_attempt_at - started <= timedelta(seconds=70)

    # Not yet due: the scan leaves it alone.
    assert webhooks.webhook_deliveries_retry() == 0
    webhooks.webhook_deliveries_retry(now=delivery.next_attempt_at + timedelta(seconds=1))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.PENDING, 2, 503)
    assert delivery.next_attempt_at - delivery.last_attempt_at >= timedelta(seconds=119)

    webhooks.webhook_deliveries_retry(now=delivery.next_attempt_at + timedelta(seconds=1))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.DELIVERED, 3, "")
    assert len(receiver.requests) == 3
    assert len({r["headers"]["X-Otinish-Delivery"] for r in receiver.requests}) == 1
    assert len({r["body"] for r in receiver.requests}) == 1


def test_the_backoff_doubles_up_to_the_cap(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    settings.WEBHOOK_RETRY_MAX_SECONDS = 3600
    assert [webhooks.retry_delay(n).total_seconds() for n in (1, 2, 3, 6, 7, 20)] == [60, 120, 240, 1920, 3600, 3600]


def test_after_the_last_attempt_the_delivery_fails_for_good(
    hooked, route, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    _integration, token, _endpoint, _secret = hooked
    receiver.statuses = [500, 500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        submit(token)
    delivery = WebhookDelivery.objects.get()
    webhooks.webhook_deliveries_retry(now=delivery.next_attempt_at + timedelta(seconds=1))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 2, None)
    assert webhooks.webhook_deliveries_retry(now=timezone.now() + timedelta(days=1)) == 0


def test_an_unreachable_endpoint_is_an_error_and_a_retry(portal, route, settings, django_capture_on_commit_callbacks):
    integration, token = portal
    webhook_endpoint_create(integration=integration, url="http://127.0.0.1:9/nobody-listens")
    with django_capture_on_commit_callbacks(execute=True):
        submit(token)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code is None
    assert "Connection refused" in delivery.last_error


def test_a_redirect_is_not_followed(hooked, route, receiver, django_capture_on_commit_callbacks):
    _integration, token, _endpoint, _secret = hooked
    receiver.statuses = [302]
    with django_capture_on_commit_callbacks(execute=True):
        submit(token)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.PENDING, 302)
    assert len(receiver.requests) == 1


def test_a_broker_that_is_down_does_not_break_the_change(
    hooked, route, receiver, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from appeals import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", broker_down)
    _integration, token, _endpoint, _secret = hooked
    with django_capture_on_commit_callbacks(execute=True):
        appeal = submit(token)
    assert Appeal.objects.filter(pk=appeal.pk).exists()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
    assert "not enqueued" in caplog.text
    # The periodic task sends it.
    tasks.webhook_deliveries_retry_task()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and len(receiver.requests) == 1


def test_a_delivery_is_sent_once_however_often_it_is_run(hooked, route, receiver, monkeypatch):
    from appeals import tasks

    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", lambda *a: None)
    _integration, token, _endpoint, _secret = hooked
    submit(token)
    delivery = WebhookDelivery.objects.get()
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is not None
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is None
    tasks.webhook_deliver_task(delivery.pk)
    tasks.webhook_deliveries_retry_task()
    assert len(receiver.requests) == 1


def test_a_delivery_left_sending_by_a_dead_worker_is_sent_again(hooked, route, receiver, monkeypatch):
    from appeals import tasks

    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", lambda *a: None)
    _integration, token, _endpoint, _secret = hooked
    submit(token)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now() - timedelta(minutes=1), attempts=1
    )
    assert webhooks.webhook_deliveries_retry() == 0  # a live worker may still be sending it
    webhooks.webhook_deliveries_retry(now=timezone.now() + timedelta(minutes=10))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)


def test_no_delivery_for_appeals_no_integration_submitted(hooked, supervisor, executor, appeal):
    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)
    assert not WebhookDelivery.objects.exists()


def test_no_delivery_without_the_read_scope_or_to_a_stopped_endpoint(ministry, route, receiver, supervisor, executor):
    integration, token = make_integration(ministry, scopes=("intake",), name="Intake only")
    WebhookEndpoint.objects.create(integration=integration, url=receiver.url, secret="whsec_x")
    submit(token)
    assert not WebhookDelivery.objects.exists()
    reader, reader_token = make_integration(ministry, name="Reader")
    endpoint, _secret = webhook_endpoint_create(integration=reader, url=receiver.url)
    endpoint.is_active = False
    endpoint.save()
    submit(reader_token, n=2)
    assert not WebhookDelivery.objects.exists()


def test_a_note_is_not_a_status_change(hooked, route, supervisor):
    _integration, token, _endpoint, _secret = hooked
    appeal = submit(token)
    count = WebhookDelivery.objects.count()
    lifecycle.appeal_add_note(appeal=appeal, actor=supervisor, text="Внутреннее")
    assert WebhookDelivery.objects.count() == count


def test_a_redirect_names_the_new_appeal_and_the_integration_follows_it(
    hooked, route, sibling, supervisor, receiver, django_capture_on_commit_callbacks
):
    _integration, token, _endpoint, _secret = hooked
    appeal = submit(token)
    with django_capture_on_commit_callbacks(execute=True):
        new = lifecycle.appeal_redirect(appeal=appeal, to_agency=sibling, actor=supervisor, reason="Компетенция")
    assert new.integration_id == appeal.integration_id and new.external_id == ""
    payloads = {json.loads(r["body"])["appeal"]["id"]: json.loads(r["body"]) for r in receiver.requests}
    assert payloads[appeal.pk]["appeal"]["status"] == "redirected"
    assert payloads[appeal.pk]["redirected_to"] == {"id": new.pk, "number": new.number, "agency": "sib"}
    assert payloads[new.pk]["appeal"]["status"] == "registered"
    assert token_client(token).get(f"/api/v1/appeals/{new.pk}/").status_code == 200


def test_an_extension_is_delivered_with_the_new_due_date(
    hooked, route, supervisor, receiver, django_capture_on_commit_callbacks
):
    from appeals.calendar.workdays import get_calendar

    _integration, token, _endpoint, _secret = hooked
    appeal = submit(token)
    until = get_calendar().add_working_days(appeal.due_date, 5)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.appeal_grant_extension(appeal=appeal, actor=supervisor, until=until, reason="Экспертиза")
    payload = json.loads(receiver.requests[-1]["body"])
    assert payload["event"] == "appeal.deadline_extended"
    assert payload["appeal"]["due_date"] == until.isoformat()
    assert payload["previous_due_date"] == appeal.original_due_date.isoformat()
    assert payload["appeal"]["status"] == AppealStatus.REGISTERED


# --- The webhooks API ------------------------------------------------------------------------------------
def test_an_integration_registers_an_endpoint_and_gets_the_secret_once(portal, portal_client, receiver):
    created = portal_client.post("/api/v1/webhooks/", {"url": receiver.url, "description": "prod"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {"id", "url", "description", "is_active", "created_at", "secret"}
    assert body["secret"].startswith("whsec_") and body["url"] == receiver.url
    listed = portal_client.get("/api/v1/webhooks/").json()["results"]
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    assert "secret" not in portal_client.get(f"/api/v1/webhooks/{body['id']}/").json()


def test_a_ping_reaches_the_endpoint_signed(portal, portal_client, receiver, django_capture_on_commit_callbacks):
    body = portal_client.post("/api/v1/webhooks/", {"url": receiver.url}, format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        ping = portal_client.post(f"/api/v1/webhooks/{body['id']}/ping/")
    assert ping.status_code == 202
    assert ping.json()["event_type"] == "ping" and ping.json()["status"] == "pending"
    assert verify(body["secret"], receiver.requests[0])
    assert receiver.requests[0]["headers"]["X-Otinish-Event"] == "ping"
    log = portal_client.get(f"/api/v1/webhooks/{body['id']}/deliveries/").json()
    assert log["count"] == 1
    entry = log["results"][0]
    assert set(entry) == {
        "id",
        "event_type",
        "appeal",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "payload",
    }
    assert (entry["status"], entry["attempts"], entry["last_status_code"]) == ("delivered", 1, 204)


def test_deleting_an_endpoint_stops_it_but_keeps_its_log(portal_client, receiver):
    body = portal_client.post("/api/v1/webhooks/", {"url": receiver.url}, format="json").json()
    assert portal_client.delete(f"/api/v1/webhooks/{body['id']}/").status_code == 204
    assert portal_client.get("/api/v1/webhooks/").json()["count"] == 0
    assert WebhookEndpoint.objects.get(pk=body["id"]).is_active is False


def test_another_integration_s_endpoints_are_a_404(portal_client, ministry, receiver):
    other, _token = make_integration(ministry, name="Other")
    endpoint, _secret = webhook_endpoint_create(integration=other, url=receiver.url)
    assert_error(portal_client.get(f"/api/v1/webhooks/{endpoint.pk}/"), 404, "not_found")
    assert_error(portal_client.post(f"/api/v1/webhooks/{endpoint.pk}/ping/"), 404, "not_found")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.kz/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "ftp://example.kz/",
        "https://u:p@example.kz/",
    ],
)
def test_in_production_a_webhook_must_be_https_on_a_public_host(portal_client, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    assert_error(portal_client.post("/api/v1/webhooks/", {"url": url}, format="json"), 400, "invalid", ["url"])


def test_in_production_a_host_resolving_to_a_private_address_is_not_called(hooked, settings):
    _integration, _token, endpoint, _secret = hooked
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="https://localhost.localdomain/hook")
    delivery = webhooks.webhook_ping_create(endpoint=WebhookEndpoint.objects.get(pk=endpoint.pk))
    webhooks.webhook_deliver(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert "private" in delivery.last_error and delivery.last_status_code is None


def test_a_read_token_is_needed_for_webhooks(ministry):
    _integration, token = make_integration(ministry, scopes=("intake",))
    assert_error(token_client(token).get("/api/v1/webhooks/"), 403, "scope_missing")


def test_the_retry_scan_is_scheduled_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["webhook-deliveries-retry"]
    assert entry["task"] == "appeals.tasks.webhook_deliveries_retry_task" and entry["schedule"] == 60


@pytest.mark.parametrize("n", [1, 30])
def test_the_delivery_log_query_count_is_constant(
    portal_client, receiver, monkeypatch, django_assert_max_num_queries, n
):
    from appeals import tasks

    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", lambda *a: None)
    body = portal_client.post("/api/v1/webhooks/", {"url": receiver.url}, format="json").json()
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    for _i in range(n):
        webhooks.webhook_ping_create(endpoint=endpoint)
    with django_assert_max_num_queries(4):
        response = portal_client.get(f"/api/v1/webhooks/{body['id']}/deliveries/?page_size=100")
    assert response.json()["count"] == n


def test_deliveries_of_an_agency_s_own_appeal_list_is_unaffected(hooked, agency, supervisor, executor):
    appeal = AppealFactory(agency=agency)
    lifecycle.appeal_take(appeal=appeal, actor=executor)
    assert not WebhookDelivery.objects.exists()
