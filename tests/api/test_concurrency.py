"""Idempotent intake under concurrent duplicate POSTs, on a real PostgreSQL: one appeal, never two."""

import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from appeals.models import Appeal, AppealEvent, IdempotencyKey, RegistrationCounter

from .conftest import intake_body, token_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def post_at_once(token, bodies, headers=None, url="/api/v1/appeals/"):
    """POST each body from its own thread (its own DB connection), all released together."""
    barrier = threading.Barrier(len(bodies))
    results: list = [None] * len(bodies)

    def worker(i):
        client = token_client(token)
        try:
            barrier.wait()
            response = client.post(url, bodies[i], format="json", **(headers or {}))
            results[i] = (response.status_code, response.json())
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results[i] = ("exception", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_duplicates_of_an_external_id_create_one_appeal(portal, route):
    results = post_at_once(portal[1], [intake_body() for _ in range(THREADS)])

    statuses = sorted(code for code, _body in results)
    assert statuses == [200] * (THREADS - 1) + [201], results
    assert len({body["id"] for _code, body in results}) == 1
    assert Appeal.objects.count() == 1
    assert AppealEvent.objects.count() == 1
    assert RegistrationCounter.objects.get().last_number == 1  # the losers' numbers were rolled back


def test_concurrent_retries_with_one_idempotency_key_create_one_appeal(portal, route):
    results = post_at_once(portal[1], [intake_body() for _ in range(THREADS)], {"HTTP_IDEMPOTENCY_KEY": "race-1"})

    assert sorted(code for code, _body in results) == [200] * (THREADS - 1) + [201], results
    assert len({body["id"] for _code, body in results}) == 1
    assert Appeal.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_concurrent_different_appeals_all_get_their_own_number(portal, route, agency):
    """The race behind duplicate numbers, made to happen every time: the first appeal of the agency in the
    year is registered and its transaction held open; the second intake starts, and the first commits right
    after the second's first statement on the counter (or after 1 s, if that statement waits for the lock).
    A counter read in two steps (bump, then read back) saw the first's number; one upsert cannot."""
    first_written, may_commit, first_done = threading.Event(), threading.Event(), threading.Event()
    results: dict = {}

    def hold_open_after_the_appeal_insert(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith('INSERT INTO "appeals_appeal"'):
            first_written.set()
            may_commit.wait(timeout=10)
        return result

    def let_the_first_commit_between_statements(execute, sql, params, many, context):
        on_counter = "registrationcounter" in sql
        timer = threading.Timer(1.0, may_commit.set)
        if on_counter:
            timer.start()  # the statement waits for the first's row lock: let the first commit meanwhile
        try:
            result = execute(sql, params, many, context)
        finally:
            timer.cancel()
        if on_counter and not may_commit.is_set():
            may_commit.set()
            first_done.wait(timeout=10)  # the first has committed before our next statement
        return result

    def post(name, body, wrapper):
        try:
            with connection.execute_wrapper(wrapper):
                response = token_client(portal[1]).post("/api/v1/appeals/", body, format="json")
            results[name] = (response.status_code, response.json())
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results[name] = ("exception", repr(exc))
        finally:
            connection.close()
            if name == "first":
                first_done.set()

    first = threading.Thread(target=post, args=("first", intake_body(1), hold_open_after_the_appeal_insert))
    first.start()
    assert first_written.wait(timeout=10)
    second = threading.Thread(target=post, args=("second", intake_body(2), let_the_first_commit_between_statements))
    second.start()
    first.join()
    second.join()
    others = post_at_once(portal[1], [intake_body(n) for n in range(3, THREADS + 1)])

    assert results["first"][0] == 201 and results["second"][0] == 201, results
    year = Appeal.objects.get(external_id="portal-1").registered_at.astimezone(ZoneInfo("Asia/Almaty")).year
    assert results["first"][1]["number"] == f"{agency.code.upper()}-{year}-000001"
    assert results["second"][1]["number"] == f"{agency.code.upper()}-{year}-000002"
    assert [code for code, _body in others] == [201] * (THREADS - 2), others
    numbers = sorted(Appeal.objects.values_list("number", flat=True))
    assert numbers == [f"{agency.code.upper()}-{year}-{n:06d}" for n in range(1, THREADS + 1)]
    assert RegistrationCounter.objects.get().last_number == THREADS


def test_concurrent_retries_of_one_batch_register_it_once(portal, route):
    body = {"appeals": [intake_body(n) for n in range(1, 6)]}
    results = post_at_once(portal[1], [body for _ in range(4)], url="/api/v1/appeals/batch/")

    assert sorted(code for code, _body in results) == [200, 200, 200, 201], results
    assert len({tuple(r["id"] for r in body["appeals"]) for _code, body in results}) == 1
    assert Appeal.objects.count() == 5 and AppealEvent.objects.count() == 5
    assert RegistrationCounter.objects.get().last_number == 5


def test_concurrent_batches_over_the_same_agencies_never_share_a_number(portal, category, agency, sibling, district):
    """Batches that bump several counters each, in different orders, neither deadlock nor share a number."""
    from agencies.choices import Region

    from ..factories import CategoryRouteFactory

    CategoryRouteFactory(category=category, region=Region.ASTANA, agency=agency)
    CategoryRouteFactory(category=category, region=Region.ALMATY_CITY, agency=sibling)
    agencies = [None, "sib", "dist"]
    bodies = [
        {
            "appeals": [
                intake_body(t * 100 + n, **({"agency": agencies[(t + n) % 3]} if agencies[(t + n) % 3] else {}))
                for n in range(9)
            ]
        }
        for t in range(THREADS)
    ]
    results = post_at_once(portal[1], bodies, url="/api/v1/appeals/batch/")

    assert [code for code, _body in results] == [201] * THREADS, results
    numbers = Appeal.objects.values_list("number", flat=True)
    assert len(numbers) == len(set(numbers)) == THREADS * 9
    assert sorted(RegistrationCounter.objects.values_list("last_number", flat=True)) == [24, 24, 24]
