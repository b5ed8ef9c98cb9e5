"""The router's decisions, read-your-writes and the fall-backs, on any database (SQLite included).

Here the `replica` alias is a second connection to the test database itself (a mirror, as Django's own tests of
replicas do) and the replica's health is set by hand; test_streaming_replica.py does the same against a real one.
"""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import OperationalError, connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from agencies.models import Agency, User
from appeals.infra import replica
from appeals.infra.replica import (
    PIN_COOKIE,
    PRIMARY,
    REPLICA,
    ReplicaPinMiddleware,
    ReplicaRouter,
    ReplicaState,
    heavy_read,
    heavy_read_source,
    iterate,
    reading_from_replica,
)
from appeals.models import Appeal

# Most tests touch no database: inside a test's transaction every heavy read stays on the primary (it must see the
# transaction's own writes), so those that need rows commit them (transaction=True).
transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mirror(settings, monkeypatch):
    """A replica configured (a mirror of the test database) and healthy; the router on."""
    settings.DATABASE_ROUTERS = ["appeals.infra.replica.ReplicaRouter"]
    connections.settings[REPLICA] = {**connections[PRIMARY].settings_dict, "TEST": {"MIRROR": PRIMARY}}
    health = {"state": ReplicaState("ok", 0.0, 0)}
    replica.forget_replica_state()
    monkeypatch.setattr(replica, "replica_state", lambda *, fresh=False: health["state"])
    yield health
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]
    replica.forget_replica_state()


def test_without_a_replica_everything_reads_from_the_primary():
    assert not replica.replica_configured()
    with reading_from_replica() as source:
        assert source == PRIMARY and heavy_read_source() == PRIMARY
    assert replica.replica_state().status == "off"


def test_the_router_sends_only_the_heavy_reads_of_the_desks_tables_to_the_replica(mirror):
    router = ReplicaRouter()
    assert router.db_for_read(Appeal) == PRIMARY  # outside a heavy read
    with reading_from_replica() as source:
        assert source == REPLICA
        assert router.db_for_read(Appeal) == REPLICA and router.db_for_read(Agency) == REPLICA
        assert router.db_for_read(Session) == PRIMARY  # sign-in state is never read from a copy
        assert router.db_for_write(Appeal) == PRIMARY
    assert router.allow_migrate(PRIMARY, "appeals") and not router.allow_migrate(REPLICA, "appeals")


@transactional
def test_a_transaction_of_the_primary_reads_its_own_writes(mirror):
    with transaction.atomic(), reading_from_replica() as source:  # a service's transaction, a heavy read inside
        assert source == PRIMARY
    with reading_from_replica() as source, transaction.atomic():  # a transaction opened inside the heavy read
        assert source == REPLICA and ReplicaRouter().db_for_read(Appeal) == PRIMARY


@pytest.mark.parametrize("status", ["lagging", "down", "not_standby", "unknown"])
def test_a_replica_not_fit_to_read_sends_the_heavy_reads_to_the_primary(mirror, status):
    mirror["state"] = ReplicaState(status)
    with reading_from_replica() as source:
        assert source == PRIMARY


# --- Read-your-writes -----------------------------------------------------------------------------------------
def _through_middleware(request, view):
    return ReplicaPinMiddleware(view)(request)


def _request(method="get", cookies=None, user=None):
    request = getattr(RequestFactory(), method)("/")
    request.COOKIES.update(cookies or {})
    if user is not None:
        request.user = user
    return request


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_request_pins_the_browser_to_the_primary_for_the_sticky_time(mirror, settings, method):
    response = _through_middleware(_request(method), lambda r: HttpResponse())
    cookie = response.cookies[PIN_COOKIE]
    assert cookie["max-age"] == settings.DATABASE_REPLICA_STICKY_SECONDS and cookie["httponly"]
    pinned = _request(cookies={PIN_COOKIE: cookie.value})
    assert heavy_read_source(pinned) == PRIMARY
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.DATABASE_REPLICA_STICKY_SECONDS - 1)):
        assert heavy_read_source(pinned) == PRIMARY
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.DATABASE_REPLICA_STICKY_SECONDS + 1)):
        assert heavy_read_source(pinned) == REPLICA


@transactional
def test_a_get_that_writes_pins_and_one_that_only_reads_does_not(mirror, agency):
    def writes(request):
        Agency.objects.filter(pk=agency.pk).update(email="new@gov.kz")
        return HttpResponse()

    def reads(request):
        list(Agency.objects.all())
        Session.objects.filter(pk="x").delete()  # sessions and sign-in state are not the desk's data
        return HttpResponse()

    assert PIN_COOKIE in _through_middleware(_request(), writes).cookies
    assert PIN_COOKIE not in _through_middleware(_request(), reads).cookies


def test_the_user_is_pinned_in_other_browsers_too(mirror, settings):
    supervisor = User(pk=4242, username="supervisor")
    _through_middleware(_request("post", user=supervisor), lambda r: HttpResponse())
    assert heavy_read_source(_request(user=supervisor)) == PRIMARY  # no cookie: the cache says
    assert heavy_read_source(_request()) == REPLICA  # someone else
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.DATABASE_REPLICA_STICKY_SECONDS + 1)):
        assert heavy_read_source(_request(user=supervisor)) == REPLICA


def test_a_forged_pin_is_ignored_and_no_pin_is_set_without_a_replica(mirror, settings):
    assert heavy_read_source(_request(cookies={PIN_COOKIE: "1"})) == REPLICA
    settings.DATABASE_REPLICA_STICKY_SECONDS = 0
    assert PIN_COOKIE not in _through_middleware(_request("post"), lambda r: HttpResponse()).cookies


def test_without_a_replica_the_middleware_sets_nothing():
    assert PIN_COOKIE not in _through_middleware(_request("post"), lambda r: HttpResponse()).cookies


# --- The replica fails during a read ------------------------------------------------------------------------------
def test_a_view_that_fails_on_the_replica_runs_again_on_the_primary(mirror):
    sources = []

    @heavy_read
    def view(request):
        sources.append(replica._source.get())
        if len(sources) == 1:
            connections[REPLICA].errors_occurred = True  # as Django marks a connection whose query failed
            raise OperationalError("server closed the connection unexpectedly")
        return HttpResponse("ok")

    assert view(_request()).content == b"ok"
    assert sources == [REPLICA, PRIMARY]
    assert replica._last["state"].status == "down"  # left alone until the next check


def test_a_failure_on_the_primary_is_not_hidden(mirror):
    @heavy_read
    def view(request):
        raise OperationalError("the primary is gone")

    with pytest.raises(OperationalError):
        view(_request())


@pytest.fixture
def replica_fails(monkeypatch):
    """Reading from the replica fails after `after` rows (the rows themselves come from the test database)."""
    original = replica._chunked
    plan = {"after": 0}

    def chunked(queryset, chunk_size):
        for number, row in enumerate(original(queryset.using(PRIMARY), chunk_size)):
            if queryset.db == REPLICA and number == plan["after"]:
                connections[REPLICA].errors_occurred = True
                raise OperationalError("the replica is gone")
            yield row
        if queryset.db == REPLICA and plan["after"] >= 0:
            connections[REPLICA].errors_occurred = True
            raise OperationalError("the replica is gone")

    monkeypatch.setattr(replica, "_chunked", chunked)
    return plan


@transactional
def test_a_big_read_failing_on_the_replica_before_its_first_row_is_read_on_the_primary(mirror, agency, replica_fails):
    with reading_from_replica():
        rows = iterate(Agency.objects.order_by("pk"), chunk_size=10)  # the source is chosen here, read later
    assert [a.pk for a in rows] == list(Agency.objects.order_by("pk").values_list("pk", flat=True))


@transactional
def test_a_big_read_that_fails_on_the_replica_half_way_is_an_error(mirror, agency, replica_fails):
    """Rows already handed on (a CSV already streaming) cannot be taken back: no second start on the primary."""
    replica_fails["after"] = 1
    with reading_from_replica():
        rows = iterate(Agency.objects.order_by("pk"), chunk_size=10)
    assert next(rows).pk == agency.parent_id
    with pytest.raises(OperationalError):
        next(rows)
