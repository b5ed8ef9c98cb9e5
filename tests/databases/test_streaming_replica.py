"""The read replica against a real one: a scratch PostgreSQL primary and its streaming replica (pair.py).

What is checked is what a user or an operator would notice: heavy pages read from the replica and the rest from the
primary (the queries each server's connection ran), a write seen at once by its author while the replica still lags
(and by nobody else until it replays), no error when the replica stops, the lag in /healthz, and a reminder scan
that reads its candidates on a stale replica without reminding anyone of an appeal closed meanwhile. The replica is
made to lag by pausing its replay (pg_wal_replay_pause): it keeps receiving WAL and applies none of it.
"""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.signals import request_started
from django.db import connections, reset_queries
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.choices import AgencyKind, Region, Role
from appeals.infra.replica import PIN_COOKIE, PRIMARY, REPLICA, replica_state
from appeals.models import Appeal, Notice
from appeals.models.choices import AppealStatus, NoticeKind
from appeals.reminders.scan import reminders_scan

from ..factories import AgencyFactory, AppealFactory, CategoryFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.replica, pytest.mark.xdist_group("streaming_pair")]

ALMATY = ZoneInfo("Asia/Almaty")


def office(appeals: int = 3) -> dict:
    """A department of a ministry with two supervisors, an executor and a few appeals: committed on the primary."""
    ministry = AgencyFactory(kind=AgencyKind.MINISTRY, region="")
    agency = AgencyFactory(kind=AgencyKind.DEPARTMENT, parent=ministry, region=Region.ASTANA)
    people = {
        role: MembershipFactory(agency=agency, role=r, user=UserFactory()).user
        for role, r in (("supervisor", Role.SUPERVISOR), ("other", Role.SUPERVISOR), ("executor", Role.EXECUTOR))
    }
    category = CategoryFactory()
    made = [AppealFactory(agency=agency, category=category) for _ in range(appeals)]
    return {"agency": agency, "appeals": made, **people}


def signed_in(user) -> APIClient:
    client = APIClient()  # keeps cookies as a browser does
    client.force_login(user)
    return client


class Queries:
    """The queries a connection ran in a block. Unlike Django's CaptureQueriesContext, it does not connect first:
    the replica may be stopped."""

    def __init__(self, alias: str) -> None:
        self.wrapper = connections[alias]
        self.captured_queries: list[dict] = []

    def __enter__(self) -> "Queries":
        self.debug, self.wrapper.force_debug_cursor = self.wrapper.force_debug_cursor, True
        request_started.disconnect(reset_queries)  # as CaptureQueriesContext does: a request would empty the log
        self.start = len(self.wrapper.queries_log)
        return self

    def __exit__(self, *exc) -> None:
        self.wrapper.force_debug_cursor = self.debug
        request_started.connect(reset_queries)
        self.captured_queries = list(self.wrapper.queries_log)[self.start :]


def read(client, url: str):
    """The response, its whole body, and the queries each server ran to answer it."""
    with Queries(REPLICA) as on_replica, Queries(PRIMARY) as on_primary:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body, on_replica, on_primary


def reads_appeals(queries: Queries) -> bool:
    return any('"appeals_appeal"' in q["sql"] for q in queries.captured_queries)


def listed(client) -> set[str]:
    response, _body, _r, _p = read(client, "/api/v1/appeals/?page_size=100")
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


# --- Replication and lag ---------------------------------------------------------------------------------------
def caught_up(pair, measure=lambda: replica_state(fresh=True).as_dict()) -> dict:
    """The replica's state once it has replayed everything (measured again if a WAL record the primary writes on
    its own, a checkpoint say, was in flight at the instant of a measurement)."""
    for _attempt in range(3):
        pair.wait_for_replay()
        state = measure()
        if state.get("lag_bytes") == 0:
            break
    return state


def test_the_replica_replays_the_primarys_writes_and_its_lag_is_measured(desk_on_pair, settings):
    assert caught_up(desk_on_pair) == {
        "status": "ok", "reads": "replica", "lag_seconds": 0.0, "lag_bytes": 0, "max_lag_seconds": 30,
    }  # fmt: skip
    desk_on_pair.pause_replay()
    agency = AgencyFactory()  # written on the primary, through the router
    on_replica = "SELECT count(*) FROM agencies_agency WHERE id = %s"
    assert desk_on_pair.replica_sql(on_replica, [agency.pk]) == (0,)
    # Since the pause, nothing replayed: the lag is at least the time waited, and the WAL not replayed is counted.
    time.sleep(1.2)
    state = replica_state(fresh=True)
    assert state.status == "ok" and state.lag_seconds >= 1.2 and state.lag_bytes > 0
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1
    lagging = replica_state(fresh=True)
    assert lagging.status == "lagging" and not lagging.usable and lagging.as_dict()["reads"] == "primary"
    desk_on_pair.resume_replay()
    desk_on_pair.wait_for_replay()
    assert desk_on_pair.replica_sql(on_replica, [agency.pk]) == (1,)
    assert caught_up(desk_on_pair) == {
        "status": "ok", "reads": "replica", "lag_seconds": 0.0, "lag_bytes": 0, "max_lag_seconds": 1,
    }  # fmt: skip


# --- Routing -----------------------------------------------------------------------------------------------------
HEAVY = {
    "dashboard": lambda o: reverse("appeals:dashboard"),
    "league table, printable": lambda o: reverse("appeals:dashboard_league_print"),
    "league table, CSV": lambda o: reverse("appeals:dashboard_league_csv"),
    "queue export, CSV": lambda o: reverse("appeals:export_csv") + "?queue=tree",
    "queue export, XLSX": lambda o: reverse("appeals:export_xlsx") + "?queue=tree",
    "API: appeals": lambda o: "/api/v1/appeals/",
    "API: responses": lambda o: "/api/v1/responses/",
    "API: signals": lambda o: "/api/v1/signals/",
    "Open311: requests": lambda o: "/open311/v2/requests.json",
}
LIGHT = {
    "queue page": lambda o: reverse("appeals:list"),
    "workspace": lambda o: reverse("appeals:detail", args=[o["appeals"][0].pk]),
    "API: one appeal": lambda o: f"/api/v1/appeals/{o['appeals'][0].pk}/",
}


@pytest.mark.parametrize("page", list(HEAVY))
def test_a_heavy_page_reads_from_the_replica(desk_on_pair, page):
    o = office()
    desk_on_pair.wait_for_replay()
    response, body, on_replica, _on_primary = read(signed_in(o["supervisor"]), HEAVY[page](o))
    assert response.status_code == 200, body[:500]
    assert reads_appeals(on_replica), [q["sql"][:120] for q in on_replica.captured_queries]
    if page.startswith("queue export, CSV"):
        assert all(a.number.encode() in body for a in o["appeals"])


@pytest.mark.parametrize("page", list(LIGHT))
def test_other_pages_read_from_the_primary(desk_on_pair, page):
    o = office()
    desk_on_pair.wait_for_replay()
    response, body, on_replica, on_primary = read(signed_in(o["supervisor"]), LIGHT[page](o))
    assert response.status_code == 200, body[:500]
    assert on_replica.captured_queries == [] and reads_appeals(on_primary)


def test_a_write_goes_to_the_primary_and_touches_the_replica_not_at_all(desk_on_pair):
    o = office()
    client = signed_in(o["supervisor"])
    appeal = o["appeals"][0]
    with Queries(REPLICA) as on_replica:
        response = client.post(f"/api/v1/appeals/{appeal.pk}/assign/", {"executor": o["executor"].pk}, format="json")
    assert response.status_code == 200 and on_replica.captured_queries == []
    assert Appeal.objects.using(PRIMARY).get(pk=appeal.pk).status == AppealStatus.IN_PROGRESS


# --- Read-your-writes --------------------------------------------------------------------------------------------
def in_progress(client) -> tuple[list[str], str]:
    """The numbers of the appeals in progress that the API lists to this client, and which server it read."""
    response, _body, on_replica, on_primary = read(client, "/api/v1/appeals/?status=in_progress")
    assert response.status_code == 200, response.content
    source = REPLICA if reads_appeals(on_replica) else PRIMARY
    assert reads_appeals(on_primary if source == PRIMARY else on_replica)
    return [row["number"] for row in response.json()["results"]], source


def test_after_a_write_the_same_user_reads_from_the_primary_for_the_sticky_time(desk_on_pair, settings):
    o = office()
    appeal = o["appeals"][0]
    author, colleague = signed_in(o["supervisor"]), signed_in(o["other"])
    assert in_progress(author) == ([], REPLICA)
    desk_on_pair.pause_replay()
    answer = author.post(f"/api/v1/appeals/{appeal.pk}/assign/", {"executor": o["executor"].pk}, format="json")
    assert answer.status_code == 200 and PIN_COOKIE in answer.cookies
    # The author sees the change at once (from the primary); a colleague reads the replica, which has not replayed it.
    assert in_progress(author) == ([appeal.number], PRIMARY)
    assert in_progress(colleague) == ([], REPLICA)
    # The user is pinned in the cache too: another browser of theirs (no cookie) reads from the primary.
    assert in_progress(signed_in(o["supervisor"])) == ([appeal.number], PRIMARY)
    # The cookie alone pins this browser, the cache forgotten (a process-local cache on another web machine).
    cache.clear()
    assert in_progress(author) == ([appeal.number], PRIMARY)
    # Once the sticky time is over, the author reads from the replica again (which is still behind).
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.DATABASE_REPLICA_STICKY_SECONDS + 1)):
        assert in_progress(author) == ([], REPLICA)
    desk_on_pair.resume_replay()
    desk_on_pair.wait_for_replay()
    assert in_progress(colleague) == ([appeal.number], REPLICA)


def test_an_integration_reads_the_appeal_it_just_submitted(desk_on_pair):
    from ..api.conftest import intake_body, make_integration, token_client

    o = office(appeals=0)
    CategoryFactory(code="roads")
    _portal, token = make_integration(o["agency"], name="Portal")
    _reader, reader_token = make_integration(o["agency"], scopes=("read",), name="Reader")
    desk_on_pair.pause_replay()
    # Each call from a fresh client: no cookie, the token is what is pinned.
    created = token_client(token).post("/api/v1/appeals/", intake_body(agency=o["agency"].code), format="json")
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    assert listed(token_client(token)) == {number}
    assert listed(token_client(reader_token)) == set()  # another token reads the replica, still behind
    desk_on_pair.resume_replay()
    desk_on_pair.wait_for_replay()
    assert listed(token_client(reader_token)) == {number}


# --- The replica fails --------------------------------------------------------------------------------------------
def test_a_stopped_replica_sends_the_heavy_reads_to_the_primary_without_an_error(desk_on_pair, client):
    o = office()
    supervisor = signed_in(o["supervisor"])
    assert listed(supervisor) == {a.number for a in o["appeals"]}
    desk_on_pair.stop_server("replica")
    for url in [reverse("appeals:dashboard"), "/api/v1/appeals/", reverse("appeals:export_csv") + "?queue=tree"]:
        response, _body, on_replica, on_primary = read(supervisor, url)
        assert response.status_code == 200 and reads_appeals(on_primary) and not reads_appeals(on_replica)
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["replica"]["status"] == "down" and health.json()["replica"]["reads"] == "primary"
    desk_on_pair.recover()
    assert client.get("/healthz").json()["replica"]["status"] == "ok"
    _response, _body, on_replica, _on_primary = read(supervisor, "/api/v1/appeals/")
    assert reads_appeals(on_replica)


@pytest.mark.parametrize("url", ["/api/v1/appeals/", "queue-export"])
def test_a_replica_that_stops_between_two_checks_costs_no_error(desk_on_pair, settings, url):
    """Measured healthy a moment ago, then gone: the page fails on the replica and is read again on the primary."""
    o = office()
    url = reverse("appeals:export_csv") + "?queue=tree" if url == "queue-export" else url
    supervisor = signed_in(o["supervisor"])
    assert listed(supervisor)  # the replica is measured (healthy) and its connection is open
    settings.DATABASE_REPLICA_CHECK_SECONDS = 3600
    desk_on_pair.stop_server("replica")
    assert replica_state().usable  # as this process last saw it
    response, body, _on_replica, on_primary = read(supervisor, url)
    assert response.status_code == 200 and reads_appeals(on_primary)
    assert all(a.number.encode() in body for a in o["appeals"])
    assert replica_state().status == "down"


def test_healthz_shows_the_lag_and_stays_200_while_the_reads_fall_back(desk_on_pair, client, settings):
    o = office()
    supervisor = signed_in(o["supervisor"])
    body = caught_up(desk_on_pair, lambda: client.get("/healthz").json()["replica"])
    assert body == {"status": "ok", "reads": "replica", "lag_seconds": 0.0, "lag_bytes": 0, "max_lag_seconds": 30}
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1
    desk_on_pair.pause_replay()
    late = AppealFactory(agency=o["agency"])
    time.sleep(1.5)
    health = client.get("/healthz")
    replica = health.json()["replica"]
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert replica["status"] == "lagging" and replica["reads"] == "primary"
    assert replica["lag_seconds"] >= 1.5 and replica["lag_bytes"] > 0 and replica["max_lag_seconds"] == 1
    # Too far behind: the heavy reads go to the primary, and see the appeal the replica has not replayed.
    response, _body, on_replica, _on_primary = read(supervisor, "/api/v1/appeals/")
    assert late.number in {row["number"] for row in response.json()["results"]}
    assert not reads_appeals(on_replica)
    desk_on_pair.resume_replay()
    desk_on_pair.wait_for_replay()
    assert client.get("/healthz").json()["replica"]["status"] == "ok"


# --- Celery: the reminder scan ------------------------------------------------------------------------------------
def test_the_reminder_scan_reads_candidates_on_the_replica_and_decides_on_the_primary(desk_on_pair, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(datetime(2026, 12, 9, 10, tzinfo=ALMATY), tick=False):  # a Wednesday, a working day
        o = office(appeals=0)
        executor = o["executor"]
        due_today = timezone.localdate()
        closed, still_open = (
            AppealFactory(agency=o["agency"], status=AppealStatus.IN_PROGRESS, assignee=executor, due_date=due_today)
            for _ in range(2)
        )
        desk_on_pair.wait_for_replay()
        desk_on_pair.pause_replay()
        Appeal.objects.filter(pk=closed.pk).update(status=AppealStatus.CLOSED)  # on the primary only, for now
        with Queries(REPLICA) as on_replica:
            result = reminders_scan()
    assert reads_appeals(on_replica)  # the candidates came from the replica, which still sees both open
    reminded = set(Notice.objects.filter(kind=NoticeKind.DUE_REMINDER, user=executor).values_list("appeal", flat=True))
    assert reminded == {still_open.pk} and result.reminders == 1
    assert [m.to for m in mail.outbox] == [[executor.email]]
