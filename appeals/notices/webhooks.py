"""Status webhooks: a transactional outbox of signed HTTP POSTs to the integrations' endpoints.

1. `webhook_deliveries_create` runs inside the service's transaction (from
   notifications.appeal_changed): it writes one WebhookDelivery row per endpoint, so a change and
   the news of it commit or roll back together, and registers an on-commit enqueue of the send.
   A broker that is down only delays the send: the error is logged and swallowed.
2. `webhook_deliver` claims the row with a conditional UPDATE (a second worker, a retry or the
   periodic scan never sends it twice at once), POSTs the JSON body signed with HMAC-SHA256 over
   the raw bytes, and records the outcome: delivered, or pending again with the next attempt
   after an exponential backoff, or failed once WEBHOOK_MAX_ATTEMPTS are spent.
3. `webhook_deliveries_retry` (Celery beat, every minute) sends what is due: retries, first
   attempts whose enqueue was lost, and rows left "sending" by a worker that died.

The receiver verifies `X-Otinish-Signature: sha256=<hex>` = HMAC-SHA256(secret, raw body) and may
use `X-Otinish-Delivery` (the same on every attempt) to ignore a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..access.integrations import host_is_private
from ..infra import handoff
from ..models import Appeal, AppealEvent, DeliveryStatus, IntegrationScope, WebhookDelivery, WebhookEndpoint
from ..models.choices import EventKind

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Otinish-Signature"
EVENT_HEADER = "X-Otinish-Event"
DELIVERY_HEADER = "X-Otinish-Delivery"
USER_AGENT = "OtinishDesk-Webhooks/1"

EVENT_STATUS_CHANGED = "appeal.status_changed"
EVENT_DEADLINE_EXTENDED = "appeal.deadline_extended"
EVENT_PING = "ping"

# A row left "sending" this long is taken to belong to a worker that died, and is sent again.
STALE_CLAIM = timedelta(minutes=5)
_ERROR_BODY_BYTES = 500


def sign(secret: str, body: bytes) -> str:
    """The value of the signature header for `body`: "sha256=" and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_is_valid(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does (in Python): compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header or "")


def event_type_for(event: AppealEvent) -> str | None:
    if event.to_status:
        return EVENT_STATUS_CHANGED
    if event.kind == EventKind.EXTENSION_GRANTED:
        return EVENT_DEADLINE_EXTENDED
    return None


def _appeal_snapshot(appeal: Appeal) -> dict:
    agency = appeal.agency
    return {
        "id": appeal.pk,
        "number": appeal.number,
        "external_id": appeal.external_id,
        "status": appeal.status,
        "outcome": appeal.outcome,
        "agency": {"id": agency.pk, "code": agency.code, "name_kk": agency.name_kk, "name_ru": agency.name_ru},
        "due_date": appeal.due_date.isoformat(),
        "resolved_at": appeal.resolved_at.isoformat() if appeal.resolved_at else None,
    }


def _payload(appeal: Appeal, event: AppealEvent, event_type: str) -> dict:
    data: dict = {
        "event": event_type,
        "occurred_at": event.created_at.isoformat(),
        "previous_status": event.from_status or None,
        "appeal": _appeal_snapshot(appeal),
    }
    if event.kind == EventKind.REDIRECTED:
        target = (
            Appeal.objects.filter(number=event.payload.get("to_number"))
            .select_related("agency")
            .only("pk", "number", "agency__code")
            .first()
        )
        if target is not None:
            data["redirected_to"] = {"id": target.pk, "number": target.number, "agency": target.agency.code}
    if event.kind == EventKind.EXTENSION_GRANTED:
        data["previous_due_date"] = event.payload.get("from_due_date")
    return data


def webhook_deliveries_create(*, appeal: Appeal, event: AppealEvent) -> list[WebhookDelivery]:
    """Write the outbox rows for `event` (inside the caller's transaction) and enqueue them on commit.

    Only appeals submitted by an integration have subscribers: the integration's active endpoints,
    if it may read statuses and the appeal lies in its agency scope. No query otherwise.
    """
    return webhook_deliveries_create_many([(appeal, event)])


def webhook_deliveries_create_many(changes: list[tuple[Appeal, AppealEvent]]) -> list[WebhookDelivery]:
    """`webhook_deliveries_create` for several (appeal, event) pairs: one query for the endpoints, one insert."""
    changes = [
        (appeal, event, event_type)
        for appeal, event in changes
        if appeal.integration_id is not None
        and _may_have_endpoints(appeal)
        and (event_type := event_type_for(event)) is not None
    ]
    if not changes:
        return []
    by_integration: dict[int, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(
        integration_id__in={appeal.integration_id for appeal, _event, _type in changes},
        is_active=True,
        integration__is_active=True,
    ).select_related("integration", "integration__agency"):
        if endpoint.integration.has_scope(IntegrationScope.READ):
            by_integration.setdefault(endpoint.integration_id, []).append(endpoint)
    deliveries = []
    for appeal, event, event_type in changes:
        endpoints = [
            e
            for e in by_integration.get(appeal.integration_id, [])
            if appeal.agency.path.startswith(e.integration.agency.path)
        ]
        if not endpoints:
            continue
        payload = _payload(appeal, event, event_type)
        for endpoint in endpoints:
            delivery = WebhookDelivery(endpoint=endpoint, appeal=appeal, event=event, event_type=event_type)
            delivery.payload = {**payload, "delivery_id": str(delivery.uuid)}
            deliveries.append(delivery)
    if not deliveries:
        return []
    WebhookDelivery.objects.bulk_create(deliveries)
    _enqueue_on_commit([d.pk for d in deliveries])
    return deliveries


def _may_have_endpoints(appeal: Appeal) -> bool:
    """False when the appeal's integration is known to have no active endpoint: it was read with `has_webhooks`
    (appeals.access.integrations.integration_by_token, the intake's caller), so no query is needed to know."""
    if not Appeal.integration.is_cached(appeal):
        return True
    return getattr(appeal.integration, "has_webhooks", True)


def webhook_ping_create(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A test delivery, so an integrator can check the URL and the signature check at once."""
    with transaction.atomic():
        delivery = WebhookDelivery(endpoint=endpoint, event_type=EVENT_PING)
        delivery.payload = {
            "event": EVENT_PING,
            "occurred_at": timezone.now().isoformat(),
            "delivery_id": str(delivery.uuid),
            "endpoint": endpoint.pk,
        }
        delivery.save()
        _enqueue_on_commit([delivery.pk])
    return delivery


def _enqueue(ids: list[int]) -> None:
    webhook_deliver_task = handoff.task("webhook_deliver")
    for delivery_id in ids:
        try:
            webhook_deliver_task.delay(delivery_id)
        except Exception:  # noqa: BLE001 - the broker being down must not break the change; beat retries
            logger.warning(
                "webhook delivery %s not enqueued; the periodic scan will send it", delivery_id, exc_info=True
            )


def _enqueue_on_commit(ids: list[int]) -> None:
    transaction.on_commit(partial(_enqueue, ids))


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent (and signed): compact JSON, UTF-8, keys sorted."""
    return json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def retry_delay(attempts: int) -> timedelta:
    """The wait before the next attempt after `attempts` failed ones: exponential, capped."""
    base = int(settings.WEBHOOK_RETRY_BASE_SECONDS)
    seconds = min(base * 2 ** max(0, attempts - 1), int(settings.WEBHOOK_RETRY_MAX_SECONDS))
    return timedelta(seconds=seconds)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a redirect is answered as a failure: the receiver must give its final URL


_opener = urllib.request.build_opener(_NoRedirects)


def _address_refused(url: str) -> str | None:
    """Unless private URLs are allowed, refuse a host that resolves to this machine or a private net."""
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "only https:// URLs are allowed"
    host = parts.hostname or ""
    if host_is_private(host):
        return "the host is private"
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        return f"the host does not resolve: {exc}"
    for info in infos:
        if host_is_private(info[4][0]):
            return "the host resolves to a private address"
    return None


def _post(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> tuple[int | None, str]:
    """Send one attempt; returns (HTTP status or None, error text or "")."""
    refused = _address_refused(endpoint.url)
    if refused:
        return None, refused
    body = body_of(delivery)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked when the URL is registered
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            EVENT_HEADER: delivery.event_type,
            DELIVERY_HEADER: str(delivery.uuid),
            SIGNATURE_HEADER: sign(endpoint.secret, body),
        },
    )
    try:
        with _opener.open(request, timeout=int(settings.WEBHOOK_TIMEOUT_SECONDS)) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        text = exc.read(_ERROR_BODY_BYTES).decode("utf-8", "replace") if exc.fp else ""
        return exc.code, f"HTTP {exc.code}: {text}".strip()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{exc.__class__.__name__}: {reason}"


def webhook_deliver(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """Claim and send one delivery if it is due; None when it is not (sent, not due, or claimed)."""
    now = now or timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
        )
        .update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, last_attempt_at=now)
    )
    if claimed != 1:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "endpoint__integration").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active or not endpoint.integration.is_active:
        status_code, error = None, "the endpoint or its integration is disabled"
        final = True
    else:
        status_code, error = _post(delivery, endpoint)
        final = False
    finished = max(timezone.now(), now)
    mine = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING, claimed_at=now)
    if status_code is not None and 200 <= status_code < 300:
        mine.update(
            status=DeliveryStatus.DELIVERED,
            delivered_at=finished,
            last_status_code=status_code,
            last_error="",
            next_attempt_at=None,
            claimed_at=None,
        )
    elif final or delivery.attempts >= int(settings.WEBHOOK_MAX_ATTEMPTS):
        mine.update(
            status=DeliveryStatus.FAILED,
            last_status_code=status_code,
            last_error=error[:2000],
            next_attempt_at=None,
            claimed_at=None,
        )
        logger.warning("webhook delivery %s failed for good: %s", delivery_id, error)
    else:
        mine.update(
            status=DeliveryStatus.PENDING,
            last_status_code=status_code,
            last_error=error[:2000],
            next_attempt_at=finished + retry_delay(delivery.attempts),
            claimed_at=None,
        )
        logger.info("webhook delivery %s attempt %s failed: %s", delivery_id, delivery.attempts, error)
    delivery.refresh_from_db()
    return delivery


def webhook_deliveries_due(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """Ids of the deliveries to send now, oldest due first."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_deliveries_retry(*, now: datetime | None = None, limit: int = 100) -> int:
    """Send every due delivery (the periodic scan); returns how many were attempted here."""
    attempted = 0
    for delivery_id in webhook_deliveries_due(now=now, limit=limit):
        if webhook_deliver(delivery_id=delivery_id, now=now) is not None:
            attempted += 1
    return attempted


def webhook_deliveries_retry_now(*, ids: list[int]) -> int:
    """Administrator's action: send these deliveries again at once (a failed one gets a fresh series)."""
    now = timezone.now()
    with transaction.atomic():
        count = WebhookDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now
        )
        count += WebhookDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).update(next_attempt_at=now)
        _enqueue_on_commit(list(ids))
    return count
