"""Issuing tokens (admin and `manage.py create_integration`) and the webhook delivery log in the admin."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from appeals.access.integrations import token_hash
from appeals.models import DeliveryStatus, Integration, WebhookDelivery, WebhookEndpoint
from appeals.notices.webhooks import webhook_ping_create

from ..factories import UserFactory
from .conftest import token_client

TOKEN_RE = re.compile(r"otn_[A-Za-z0-9_\-]{43}")


@pytest.fixture(autouse=True)
def english(settings):
    """The admin pages are read in English here (Russian is the default language)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def admin_client_(db, client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


def test_the_command_creates_an_integration_and_prints_its_token_once(ministry):
    out = StringIO()
    call_command("create_integration", "--name", "Portal", "--agency", "min", "--scope", "intake", stdout=out)
    [token] = TOKEN_RE.findall(out.getvalue())
    integration = Integration.objects.get(name="Portal")
    assert integration.scopes == ["intake"] and integration.agency == ministry
    assert integration.token_hash == token_hash(token) and token not in str(integration.__dict__)
    assert token_client(token).get("/api/v1/me/").json()["name"] == "Portal"


def test_the_command_registers_a_webhook_and_rotates_a_token(ministry):
    out = StringIO()
    call_command(
        "create_integration",
        "--name",
        "Portal",
        "--agency",
        "min",
        "--webhook",
        "http://127.0.0.1:8116/hook",
        stdout=out,
    )
    [old] = TOKEN_RE.findall(out.getvalue())
    assert "whsec_" in out.getvalue()
    assert WebhookEndpoint.objects.get().url == "http://127.0.0.1:8116/hook"
    assert Integration.objects.get().scopes == ["intake", "read"]
    out = StringIO()
    call_command("create_integration", "--name", "Portal", "--rotate", stdout=out)
    [new] = TOKEN_RE.findall(out.getvalue())
    assert new != old
    assert token_client(old).get("/api/v1/me/").status_code == 401
    assert token_client(new).get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize(
    "args",
    [
        ["--name", "X", "--agency", "nope"],
        ["--name", "X"],
        ["--name", "Nobody", "--rotate"],
        ["--name", "X", "--agency", "min", "--rate-limit", "fast"],
    ],
)
def test_the_command_explains_what_is_wrong(ministry, args):
    with pytest.raises(CommandError):
        call_command("create_integration", *args, stdout=StringIO())


def test_an_administrator_creates_an_integration_and_sees_the_token_once(admin_client_, ministry):
    response = admin_client_.post(
        reverse("admin:appeals_integration_add"),
        {
            "name": "Call-centre",
            "agency": ministry.pk,
            "scope_choices": ["intake", "read"],
            "rate_limit": "300/min",
            "is_active": "on",
            "webhook_endpoints-TOTAL_FORMS": "0",
            "webhook_endpoints-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert response.status_code == 200
    [token] = TOKEN_RE.findall(response.content.decode())
    integration = Integration.objects.get(name="Call-centre")
    assert (integration.scopes, integration.rate_limit) == (["intake", "read"], "300/min")
    assert token_client(token).get("/api/v1/me/").status_code == 200
    page = admin_client_.get(reverse("admin:appeals_integration_change", args=[integration.pk])).content.decode()
    assert token not in page and integration.token_prefix in page


def test_a_wrong_rate_limit_is_refused_in_the_admin(admin_client_, ministry):
    response = admin_client_.post(
        reverse("admin:appeals_integration_add"),
        {
            "name": "X",
            "agency": ministry.pk,
            "scope_choices": ["read"],
            "rate_limit": "very fast",
            "webhook_endpoints-TOTAL_FORMS": "0",
            "webhook_endpoints-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200 and not Integration.objects.exists()
    assert "600/min" in response.content.decode()


def test_the_admin_rotates_a_token(admin_client_, portal):
    integration, old = portal
    response = admin_client_.post(
        reverse("admin:appeals_integration_changelist"),
        {"action": "rotate_token", "_selected_action": [integration.pk]},
        follow=True,
    )
    [new] = TOKEN_RE.findall(response.content.decode())
    assert new != old and token_client(new).get("/api/v1/me/").status_code == 200


def test_the_admin_adds_a_webhook_endpoint_and_shows_the_secret_once(admin_client_, portal):
    integration, _token = portal
    response = admin_client_.post(
        reverse("admin:appeals_webhookendpoint_add"),
        {"integration": integration.pk, "url": "http://127.0.0.1:8116/hook", "description": "", "is_active": "on"},
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()
    page = admin_client_.get(reverse("admin:appeals_webhookendpoint_change", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in page


def test_the_delivery_log_shows_each_attempt_and_sends_again_on_request(admin_client_, portal, monkeypatch):
    from appeals import tasks

    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", lambda *a: None)
    integration, _token = portal
    endpoint = WebhookEndpoint.objects.create(integration=integration, url="http://127.0.0.1:9/x", secret="whsec_x")
    delivery = webhook_ping_create(endpoint=endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED,
        attempts=12,
        last_status_code=503,
        last_error="HTTP 503: busy",
        next_attempt_at=None,
    )
    page = admin_client_.get(reverse("admin:appeals_webhookdelivery_changelist")).content.decode()
    assert "503" in page and "Failed: no more attempts" in page
    detail = admin_client_.get(reverse("admin:appeals_webhookdelivery_change", args=[delivery.pk])).content.decode()
    assert "HTTP 503: busy" in detail
    admin_client_.post(
        reverse("admin:appeals_webhookdelivery_changelist"),
        {"action": "retry_now", "_selected_action": [delivery.pk]},
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    assert delivery.next_attempt_at is not None
