"""GET /api/v1/signals/: the dashboard's signals for supervisors, with the dashboard's scope and period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.choices import Region
from appeals.models.choices import Channel

from ..api.conftest import make_integration, token_client
from ..dashboard.conftest import at
from ..factories import AppealFactory

pytestmark = pytest.mark.django_db
URL = reverse("api:signals")


@pytest.fixture(autouse=True)
def _fresh(settings):
    cache.clear()
    settings.DASHBOARD = {**settings.DASHBOARD, "LIVE_CACHE_SECONDS": 0}
    with time_machine.travel(at(2026, 4, 15, 12), tick=False):
        yield
    cache.clear()


def staff(user, language="en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def plant(agency, category, *, hot=12, social=0, lower=None, higher=None):
    """History since 2025 (1 per 15 days), then a burst in April; optionally an escalation and a repeat."""
    AppealFactory(agency=agency, category=None, registered_at=at(2025, 1, 5))
    for k in range(1, 9):
        day = date(2026, 4, 1) - timedelta(days=15 * k)
        AppealFactory(agency=agency, category=category, registered_at=at(day.year, day.month, day.day))
    AppealFactory.create_batch(hot, agency=agency, category=category, registered_at=at(2026, 4, 6))
    if social:
        AppealFactory.create_batch(
            social,
            agency=agency,
            category=category,
            region=Region.ALMATY_CITY,
            channel=Channel.SOCIAL,
            registered_at=at(2026, 4, 7),
        )
    if lower is not None:
        first = AppealFactory(agency=lower, category=category, registered_at=at(2026, 3, 2))
        AppealFactory(agency=higher, category=category, registered_at=at(2026, 4, 8), escalated_from=first)
        AppealFactory(agency=lower, category=category, registered_at=at(2026, 4, 9), repeat_of=first)


def test_a_supervisor_reads_every_signal_with_its_place_numbers_and_links(agency, district, supervisor, category):
    plant(agency, category, lower=district, higher=agency)
    response = staff(supervisor).get(URL, {"period": "month"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["agency"]["id"] == agency.pk and body["period"] == {
        "kind": "month",
        "start": "2026-04-01",
        "end": "2026-04-15",
    }
    by_kind = {s["kind"]: s for s in body["signals"]}
    hotspot = by_kind["hotspot"]
    assert hotspot["place"]["region"] == Region.ASTANA and hotspot["category"]["code"] == category.code
    # The burst's 12, and the escalation and the repeat (same topic and region, factory-made applicants).
    assert (hotspot["count"], hotspot["applicants"], hotspot["baseline"]) == (14, 14, 1.0)
    assert hotspot["score_name"] == "q" and hotspot["score"] < 0.01
    assert hotspot["since"] == "2026-04-01" and hotspot["queue_url"].startswith("/appeals/?")
    listed = staff(supervisor).get(hotspot["appeals_url"])
    assert listed.status_code == 200 and listed.json()["count"] == 14
    assert by_kind["escalation"]["place"]["agency"]["id"] == district.pk and by_kind["escalation"]["count"] == 1
    assert by_kind["repeat"]["place"]["agency"]["id"] == district.pk and by_kind["repeat"]["count"] == 1
    assert staff(supervisor).get(by_kind["repeat"]["appeals_url"]).json()["count"] == 1


def test_the_period_parameters_are_the_dashboard_s(agency, supervisor, category):
    plant(agency, category)
    body = staff(supervisor).get(URL, {"period": "month", "date": "2026-02-10"}).json()
    assert body["period"]["start"] == "2026-02-01" and [s for s in body["signals"] if s["kind"] == "hotspot"] == []
    response = staff(supervisor).get(URL, {"period": "custom", "start": "2026-04-10", "end": "2026-04-01"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_a_channel_driven_spike_is_labelled(agency, supervisor, category):
    plant(agency, category, hot=0, social=15)
    spikes = [s for s in staff(supervisor).get(URL).json()["signals"] if s["kind"] == "channel_driven"]
    assert [(s["channel"], s["place"]["region"], s["labels"]) for s in spikes] == [
        (Channel.SOCIAL, Region.ALMATY_CITY, ["new"])
    ]


def test_a_supervisor_reads_only_subtrees_they_supervise(agency, sibling, supervisor, category):
    response = staff(supervisor).get(URL, {"agency": sibling.pk})
    assert response.status_code == 400 and "agency" in response.json()["error"]["fields"]


def test_staff_who_supervise_nothing_are_refused(executor):
    response = staff(executor).get(URL)
    assert response.status_code == 403


def test_integration_tokens_are_refused(ministry):
    _integration, token = make_integration(ministry, scopes=("read",))
    response = token_client(token).get(URL)
    assert response.status_code == 403 and response.json()["error"]["code"] == "staff_only"


def test_anonymous_callers_are_asked_to_sign_in():
    assert APIClient().get(URL).status_code == 401


def test_the_endpoint_is_in_the_openapi_schema(supervisor):
    schema = staff(supervisor).get(reverse("api:schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/signals/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"agency", "period", "date", "start", "end"}


@pytest.mark.parametrize("n", [1, 20])
def test_the_query_count_is_constant(agency, district, supervisor, category, django_assert_max_num_queries, n):
    plant(agency, category, hot=10 + n, lower=district, higher=agency)
    for _ in range(n):  # n more escalations and repeats
        first = AppealFactory(agency=district, category=category, registered_at=at(2026, 3, 2))
        AppealFactory(agency=agency, registered_at=at(2026, 4, 8), escalated_from=first, repeat_of=first)
    client = staff(supervisor)
    with django_assert_max_num_queries(22):
        response = client.get(URL, {"period": "month"})
    assert response.status_code == 200
