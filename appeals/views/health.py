"""/healthz: is this web process able to work? (issue 8)

JSON with the state of the database, the broker and the age of the last deadline scan; 200 when all
are fine, 503 otherwise. No authentication, no personal data, two queries and one broker connection.

With a read replica (DATABASE_REPLICA_URL), a `replica` block says how it stands, measured afresh (one more query
on each server): its status, where the heavy reads go now, and its lag in seconds and bytes of WAL. A replica
that is down or lagging never makes /healthz fail: the heavy reads go to the primary meanwhile, so this process
still serves every page; watch the block (or the log's warning) to repair the replica.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..infra.replica import replica_configured, replica_state
from ..models import Heartbeat
from ..reminders.scan import REMINDER_SCAN_HEARTBEAT

BROKER_TIMEOUT_SECONDS = 2


def _database() -> tuple[bool, dict]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure is "down"
        return False, {"status": "down", "error": type(exc).__name__}
    return True, {"status": "ok", "vendor": connection.vendor}


def _broker() -> tuple[bool, dict]:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)
            transport = conn.transport_cls
    except Exception as exc:  # noqa: BLE001 - any failure is "down"
        return False, {"status": "down", "error": type(exc).__name__}
    return True, {"status": "ok", "transport": str(transport)}


def _reminder_scan(database_ok: bool) -> tuple[bool, dict]:
    limit = int(getattr(settings, "HEALTH_SCAN_MAX_AGE_SECONDS", 0) or 10 * settings.REMINDER_SCAN_INTERVAL_SECONDS)
    if not database_ok:
        return False, {"status": "unknown"}
    row = Heartbeat.objects.filter(name=REMINDER_SCAN_HEARTBEAT).values_list("at", flat=True).first()
    if row is None:
        # A new installation before beat's first run: not an error, but visible.
        return True, {"status": "never", "max_age_seconds": limit}
    age = max(0, int((timezone.now() - row).total_seconds()))
    ok = age <= limit
    return ok, {"status": "ok" if ok else "stale", "age_seconds": age, "max_age_seconds": limit}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database_ok, database = _database()
    broker_ok, broker = _broker()
    scan_ok, scan = _reminder_scan(database_ok)
    healthy = database_ok and broker_ok and scan_ok
    body = {
        "status": "ok" if healthy else "fail",
        "database": database,
        "broker": broker,
        "reminder_scan": scan,
        "time": timezone.now().isoformat(timespec="seconds"),
    }
    if replica_configured():
        # Never a reason for 503: heavy reads fall back to the primary while the replica is down or behind.
        body["replica"] = replica_state(fresh=True).as_dict() if database_ok else {"status": "unknown"}
    return JsonResponse(body, status=200 if healthy else 503)
