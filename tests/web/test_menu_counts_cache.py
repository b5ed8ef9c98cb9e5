"""The side menu's counts kept for a few seconds per user (appeals/access/menucounts.py): not counted again while
nothing changes, counted afresh after any change of an appeal, and never one user's counts for another."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appeals import lifecycle
from appeals.models.choices import AppealStatus

from .conftest import make

pytestmark = pytest.mark.django_db

LIST = "/appeals/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def menu(response) -> dict:
    return {item.key: item.count for item in response.context["menu_queues"]}


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, {"queue": "all"}).status_code == 200
    return sum("capped_" in query["sql"] for query in queries.captured_queries)


def test_the_counts_are_not_counted_again_while_nothing_changes(client, agency, executor):
    make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    client.force_login(executor)
    assert _count_queries(client) == 1
    assert _count_queries(client) == 0
    make(agency=agency)
    assert _count_queries(client) == 1


def test_an_action_through_a_service_renews_the_counts(client, agency, executor, supervisor):
    appeal = make(agency=agency)
    client.force_login(executor)
    assert menu(client.get(LIST))["mine"] == 0
    lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=supervisor)  # an UPDATE and an event
    assert menu(client.get(LIST))["mine"] == 1


def test_each_user_has_counts_of_their_own(client, agency, executor, executor2):
    make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor2)
    client.force_login(executor)
    assert menu(client.get(LIST))["mine"] == 2
    client.force_login(executor2)
    assert menu(client.get(LIST))["mine"] == 1
    client.force_login(executor)
    assert menu(client.get(LIST))["mine"] == 2
