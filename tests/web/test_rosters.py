"""Rosters (appeals/desk/rosters.py): reads of staff, agencies and saved views reused between requests, never the
appeals or their counts, and renewed at once when what they list changes."""

import pytest
from django.core.cache import cache

from agencies.choices import Role
from appeals.models import CalendarOverride, SavedView
from appeals.models.choices import AppealStatus

from ..factories import MembershipFactory
from .conftest import make

LIST = "/appeals/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def menu(response) -> dict:
    return {item.key: item.count for item in response.context["menu_queues"]}


def test_side_menu_counts_are_read_afresh_on_every_page(client, agency, executor):
    """The counts' SQL is kept; the counts are not: an appeal assigned in between is counted at once."""
    client.force_login(executor)
    assert menu(client.get(LIST, {"queue": "mine"}))["mine"] == 0
    make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)  # no roster changes: the SQL is reused
    assert menu(client.get(LIST, {"queue": "mine"}))["mine"] == 1
    make(agency=agency)
    assert menu(client.get(LIST, {"queue": "mine"}))["unassigned"] == 1


def test_a_new_role_shows_its_queues_at_once(client, agency, executor):
    client.force_login(executor)
    assert "approval" not in menu(client.get(LIST))
    MembershipFactory(user=executor, agency=agency, role=Role.SUPERVISOR)
    assert {"approval", "tree"} <= set(menu(client.get(LIST)))


def test_a_view_shared_by_a_colleague_is_in_the_menu_at_once(client, agency, executor, supervisor):
    client.force_login(executor)
    assert client.get(LIST).context["menu_views"] == []
    SavedView.objects.create(owner=supervisor, agency=agency, name="Жалобы", query="kind=complaint")
    views = client.get(LIST).context["menu_views"]
    assert [item["view"].name for item in views] == ["Жалобы"]


def test_a_calendar_override_renews_the_queues_dates(client, agency, executor):
    client.force_login(executor)
    client.get(LIST)
    before = cache.get("rosters:version")
    CalendarOverride.objects.create(date="2026-12-31", is_working_day=False, note="test")
    assert cache.get("rosters:version") not in {before, None}
