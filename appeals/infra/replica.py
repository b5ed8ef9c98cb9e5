"""A read replica: the heavy reads go to a streaming replica of PostgreSQL, everything else to the primary.

Which reads are heavy is said where they are made, once each: `@heavy_read` on a view (the dashboard, its league
table and its exports, the queue exports, the API's lists, the signals) or `with reading_from_replica():` around a
block (the reminder scan's reading of candidates, the weekly signals email). Inside, the router sends the reads of
the desk's own tables (the `appeals` and `agencies` apps) to the replica; writes, sessions, sign-in state, and
every read outside such a view or block go to the primary. The source is chosen once, when the view or block
starts, so one page never mixes the two.

The replica is used only where reading it is safe:
- read-your-writes: after a request that wrote (any POST, PUT, PATCH or DELETE, or a write through the ORM in
  any request), the same browser (a signed cookie) and the same user or integration token (the cache) read from
  the primary for DATABASE_REPLICA_STICKY_SECONDS;
- inside a transaction of the primary, reads stay there: they must see that transaction's own writes;
- a replica that is down, is not a standby, or is more than DATABASE_REPLICA_MAX_LAG_SECONDS behind is left
  alone. Each process measures it at most every DATABASE_REPLICA_CHECK_SECONDS (`replica_state`); a heavy read
  that fails on the replica runs again on the primary, so nobody gets an error because the replica went away.
Without DATABASE_REPLICA_URL there is no router, the middleware passes requests through, and every read goes to
the one database as before.

`iterate` reads a big result chunk by chunk in constant memory with or without a replica, behind PgBouncer in
transaction mode too (DATABASE_POOLER=pgbouncer, config/databases.py): the exports and the dashboard's counts use it.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import Error, connections, transaction

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
# The desk's own tables. Sessions, sign-in state (axes, otp), content types and permissions stay on the primary.
REPLICATED_APPS = frozenset({"appeals", "agencies"})
PIN_COOKIE = "primary_reads"
_PIN_SALT = "appeals.infra.replica.pin"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# The source of the heavy reads in this context (None outside a heavy read: the primary).
_source: ContextVar[str | None] = ContextVar("heavy_read_source", default=None)
# The current request's record of whether it wrote (a mutable holder: seen whatever context the view ran in).
_writes: ContextVar[dict[str, bool] | None] = ContextVar("request_writes", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """settings.DATABASE_ROUTERS when DATABASE_REPLICA_URL is set."""

    def db_for_read(self, model, **hints) -> str:
        if _source.get() != REPLICA or model._meta.app_label not in REPLICATED_APPS:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:  # a transaction reads its own writes
            return PRIMARY
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        writes = _writes.get()
        if writes is not None and model._meta.app_label in REPLICATED_APPS:
            writes["wrote"] = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the same data on both sides

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == PRIMARY  # a standby follows the primary's schema by itself


# --- Choosing the source --------------------------------------------------------------------------------------
@contextmanager
def reading_from_replica(request: Any = None) -> Iterator[str]:
    """Send the reads of this block to the replica where it is safe; yields the source chosen (PRIMARY/REPLICA).

    With a request, a session or token that wrote a moment ago reads from the primary (read-your-writes).
    """
    with _reading(heavy_read_source(request)) as source:
        yield source


@contextmanager
def _reading(source: str) -> Iterator[str]:
    token = _source.set(source)
    try:
        yield source
    finally:
        _source.reset(token)


def heavy_read_source(request: Any = None) -> str:
    """Where a heavy read starting now goes: the replica if configured, not pinned, in no transaction, and healthy."""
    if not replica_configured() or connections[PRIMARY].in_atomic_block:
        return PRIMARY
    if request is not None and pinned_to_primary(request):
        return PRIMARY
    return REPLICA if replica_state().usable else PRIMARY


def heavy_read(view: Callable) -> Callable:
    """A view (function, or a method of a DRF view) whose reads are heavy: on the replica, where it is safe.

    If the replica fails during the view (gone since it was last measured), the view runs once more on the
    primary: a heavy read is a read, so running it again changes nothing.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        request = next((arg for arg in args[:2] if hasattr(arg, "COOKIES")), None)
        with reading_from_replica(request) as source:
            try:
                return view(*args, **kwargs)
            except Error:
                if source != REPLICA or not replica_failed():
                    raise
        with _reading(PRIMARY):
            return view(*args, **kwargs)

    return wrapper


def iterate(queryset, *, chunk_size: int) -> Iterator:
    """The rows of a big read, chunk_size at a time, in constant memory, behind PgBouncer too.

    On PostgreSQL the rows come through a server-side cursor inside a transaction of their own on the queryset's
    database: behind PgBouncer in transaction mode a cursor must not outlive its transaction (the WITH HOLD cursor
    of a plain .iterator() would), and DISABLE_SERVER_SIDE_CURSORS, set there, would fetch the whole result at once.
    The database is the one the queryset would use now: call this inside the heavy read, iterate later if need be
    (a streamed export). A read sent to the replica that fails before its first row runs on the primary instead.
    """
    queryset = queryset.using(queryset.db)
    return _iterate_or_fall_back(queryset, chunk_size)


def _iterate_or_fall_back(queryset, chunk_size: int) -> Iterator:
    started = False
    try:
        for row in _chunked(queryset, chunk_size):
            started = True
            yield row
    except Error:
        if started or queryset.db != REPLICA or not replica_failed():
            raise
    else:
        return
    yield from _chunked(queryset.using(PRIMARY), chunk_size)


def _chunked(queryset, chunk_size: int) -> Iterator:
    if connections[queryset.db].vendor != "postgresql":
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    # No savepoint inside a transaction already open: the cursor lives in that one (and no query is added).
    with transaction.atomic(using=queryset.db, savepoint=False):
        # QuerySet.iterator() less its DISABLE_SERVER_SIDE_CURSORS check: inside this transaction the cursor is
        # declared without HOLD and closed with it (tests/replica/test_pgbouncer.py reads pg_cursors to see it).
        yield from queryset._iterator(use_chunked_fetch=True, chunk_size=chunk_size)


# --- Read-your-writes ---------------------------------------------------------------------------------------
class ReplicaPinMiddleware:
    """After a request that wrote, pin the browser (a signed cookie) and the user or token (the cache) to the
    primary for DATABASE_REPLICA_STICKY_SECONDS. Passes requests through when there is no replica."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        writes = {"wrote": False}
        token = _writes.set(writes)
        try:
            response = self.get_response(request)
        finally:
            _writes.reset(token)
        if writes["wrote"] or request.method not in _SAFE_METHODS:
            pin_to_primary(request, response)
        return response


def _principal_key(request: Any) -> str | None:
    """The cache key of the integration (token) or signed-in user behind the request, if any."""
    for principal in (getattr(request, "auth", None), getattr(request, "user", None)):
        meta, pk = getattr(principal, "_meta", None), getattr(principal, "pk", None)
        if meta is not None and pk is not None:
            return f"replica-pin:{meta.label_lower}:{pk}"
    return None


def pin_to_primary(request: Any, response) -> None:
    seconds = settings.DATABASE_REPLICA_STICKY_SECONDS
    if seconds <= 0:
        return
    response.set_signed_cookie(
        PIN_COOKIE,
        "1",
        salt=_PIN_SALT,
        max_age=seconds,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    key = _principal_key(request)
    if key is not None:
        try:
            cache.set(key, 1, timeout=seconds)
        except Exception:  # noqa: BLE001 - a cache that is down costs read-your-writes beyond this browser only
            logger.warning("could not pin %s to the primary: the cache failed", key, exc_info=True)


def pinned_to_primary(request: Any) -> bool:
    """Whether this browser, user or token wrote within DATABASE_REPLICA_STICKY_SECONDS."""
    seconds = settings.DATABASE_REPLICA_STICKY_SECONDS
    if seconds <= 0:
        return False
    # The signer's own timestamp says when the cookie was set: expired or forged, it is ignored.
    if request.get_signed_cookie(PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=seconds):
        return True
    key = _principal_key(request)
    if key is None:
        return False
    try:
        return bool(cache.get(key))
    except Exception:  # noqa: BLE001 - with the cache down, the cookie alone says
        return False


# --- The replica's health and lag ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReplicaState:
    """How the replica stands: `ok` (reads go there), `lagging`, `down`, `not_standby`, `unknown` (the primary did not
    answer), or `off` (none configured).

    lag_seconds is 0 when the replica has replayed all the primary had written when asked; otherwise the time since
    the last transaction it replayed: an upper bound of its delay, loose after a quiet spell (caught a moment before
    it replays the first write after an idle hour, it reads an hour behind, and is left alone until the next check).
    lag_bytes is the WAL it still has to replay.
    """

    status: str
    lag_seconds: float | None = None
    lag_bytes: int | None = None
    error: str = ""

    @property
    def usable(self) -> bool:
        return self.status == "ok"

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, "reads": "replica" if self.usable else "primary"}
        if self.lag_seconds is not None:
            body["lag_seconds"] = round(self.lag_seconds, 3)
        if self.lag_bytes is not None:
            body["lag_bytes"] = self.lag_bytes
        body["max_lag_seconds"] = settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        if self.error:
            body["error"] = self.error
        return body


OFF = ReplicaState("off")
_lock = threading.Lock()
_last: dict[str, Any] = {"state": None, "at": 0.0}

_PRIMARY_SQL = "SELECT pg_current_wal_flush_lsn()::text, pg_postmaster_start_time()"
# In recovery: how far replay is behind the primary's position read just before, and since when nothing replayed.
_REPLICA_SQL = (
    "SELECT pg_is_in_recovery(), pg_postmaster_start_time(), "
    "pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())::bigint, "
    "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8"
)


def replica_state(*, fresh: bool = False) -> ReplicaState:
    """The replica's state as this process last measured it, measured again when older than
    DATABASE_REPLICA_CHECK_SECONDS (or fresh=True, as /healthz asks)."""
    if not replica_configured():
        return OFF
    with _lock:
        state, age = _last["state"], time.monotonic() - _last["at"]
    if state is not None and not fresh and age < settings.DATABASE_REPLICA_CHECK_SECONDS:
        return state
    return _remember(_measure())


def replica_failed() -> bool:
    """Whether the replica's connection has just failed; if so it is closed and taken as down until the next check."""
    if not replica_configured():
        return False
    wrapper = connections[REPLICA]
    if not wrapper.errors_occurred:
        return False
    with suppress(Error):
        wrapper.close()
    _remember(ReplicaState("down", error="failed during a read"))
    return True


def forget_replica_state() -> None:
    """Measure again at the next heavy read (tests; a process that just forked)."""
    with _lock:
        _last.update(state=None, at=0.0)


def _remember(state: ReplicaState) -> ReplicaState:
    with _lock:
        before = _last["state"]
        _last.update(state=state, at=time.monotonic())
    if before is None or before.usable != state.usable:
        if state.usable:
            logger.info("the replica is usable again: heavy reads go to it (lag %s s)", state.lag_seconds)
        else:
            logger.warning("the replica is %s: heavy reads go to the primary (%s)", state.status, state.as_dict())
    return state


def _measure() -> ReplicaState:
    if connections[REPLICA].vendor != "postgresql":
        return ReplicaState("ok", 0.0, 0)  # a test mirror: the same database
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute(_PRIMARY_SQL)
            primary_lsn, primary_started = cursor.fetchone()
    except Error as exc:
        return ReplicaState("unknown", error=f"primary: {type(exc).__name__}")
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_REPLICA_SQL, [primary_lsn])
            in_recovery, started, behind, since = cursor.fetchone()
    except Error as exc:
        connections[REPLICA].close()
        return ReplicaState("down", error=type(exc).__name__)
    if not in_recovery:
        # The primary itself under a second name is fine; another server that is no standby (a promoted one) is not.
        return ReplicaState("ok", 0.0, 0) if started == primary_started else ReplicaState("not_standby")
    if behind is None:
        return ReplicaState("lagging")
    behind = max(0, int(behind))
    # Behind, and no transaction replayed since the replica started: how far behind is unknown, so too far.
    lag = 0.0 if behind == 0 else (None if since is None else max(0.0, float(since)))
    if lag is None or lag > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
        return ReplicaState("lagging", lag, behind)
    return ReplicaState("ok", lag, behind)
