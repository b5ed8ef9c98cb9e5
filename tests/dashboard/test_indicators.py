"""Every indicator on hand-built data with known answers (tests/dashboard/conftest.py `march`)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .conftest import MARCH, queue_count

pytestmark = pytest.mark.django_db

URL = reverse("appeals:dashboard")


@pytest.fixture
def page(client, supervisor, march):
    client.force_login(supervisor)
    response = client.get(URL, MARCH)
    assert response.status_code == 200
    return response


def test_it_compares_march_with_the_31_days_before(page):
    period = page.context["period"]
    assert (str(period.start), str(period.end)) == ("2026-03-01", "2026-03-31")
    assert (str(period.previous_start), str(period.previous_end)) == ("2026-01-29", "2026-02-28")


def test_it_counts_every_indicator_of_the_subtree(page):
    values = page.context["total"].values
    expected = {
        # A1 A3 A4 A5 A6 A7 and E1 (00:30 on 1 March in Almaty); E2 (23:30 on 28 February) is February's.
        "received": 7,
        # A1 A2 A3 A4 A5; the redirected A6 is a redirect out, not a closure.
        "closed": 5,
        "closed_on_time": 4,  # A2 was due in February
        "on_time_pct": 80.0,
        # Own target of 2 working days: A3 (Friday 20 to Friday 27 March across Nauryz) and A5 (1 day);
        # A1 took 5 working days (Monday 9 March is the day off for Sunday 8 March), A4 took 3.
        "target_pct": 40.0,
        "overdue": 1,  # A7
        "due_soon": 2,  # E1 (due Monday 20 April) and A8 (Thursday 16 April); within 3 working days
        "first_response_hours": 3.0,  # 2 h (A1) and 4 h (A3)
        # Working days to answer: A5 1, A3 2, A4 3, A1 5, A2 23 -> median 3, 90th percentile 23.
        "median_days": 3,
        "p90_days": 23,
        "redirected_out": 1,
        "redirected_out_late": 1,
        "redirected_in": 0,
        "extensions": 1,
        "returns": 1,
        "left_without_consideration": 1,
        "received_repeated": 1,
        "repeat_pct": 14.3,
        "escalated": 0,
        "escalated_in": 0,
        "rating": 3.0,  # 4 and 2
    }
    assert {key: values[key] for key in expected} == expected


def test_it_compares_with_the_previous_period(page):
    previous = page.context["total"].previous
    assert previous["received"] == 2  # A2 and E2
    assert previous["closed"] == 0
    cards = {card["indicator"].key: card for card in page.context["kpis"]}
    assert cards["received"]["delta"] == 5
    assert cards["received"]["previous"] == "2"
    assert cards["overdue"]["current_state"] and cards["overdue"]["delta"] is None


@pytest.mark.parametrize(
    "key",
    [
        "received",
        "closed",
        "closed_on_time",
        "overdue",
        "due_soon",
        "redirected_out",
        "redirected_out_late",
        "extensions",
        "returns",
        "left_without_consideration",
        "received_repeated",
    ],
)
def test_each_number_links_to_a_queue_of_as_many_appeals(page, supervisor, key):
    total = page.context["total"]
    assert queue_count(supervisor, total.links[key]) == total.values[key]


def test_every_league_and_staff_number_links_to_its_queue(page, supervisor):
    checked = 0
    for row, cells in [*page.context["row_cells"], *page.context["staff_cells"]]:
        for cell in cells:
            value = row.values[cell["key"]]
            if cell["url"] and cell["fmt"] == "int":
                assert queue_count(supervisor, cell["url"]) == value, (row.label, cell["key"])
                checked += 1
    assert checked > 20


def test_the_league_splits_the_root_from_its_subordinates(client, supervisor, march, district):
    from ..factories import AppealFactory
    from .conftest import at

    AppealFactory(agency=district, registered_at=at(2026, 3, 10))
    client.force_login(supervisor)
    response = client.get(URL, MARCH)
    rows = {row.agency.code: row.values for row in response.context["rows"]}
    assert rows["dep"]["received"] == 7
    assert rows["dist"]["received"] == 1
    assert response.context["total"].values["received"] == 8


def test_staff_rows_count_each_executors_appeals(page, executor, executor2):
    staff = {row.user.username if row.user else None: row.values for row, _cells in page.context["staff_cells"]}
    assert staff["executor"]["closed"] == 3  # A1 A2 A3
    assert staff["executor"]["on_time_pct"] == pytest.approx(66.7)
    assert staff["executor2"]["closed"] == 1  # A4
    assert staff["executor2"]["overdue"] == 1  # A7
    assert staff[None]["received"] == 3  # A5 A6 E1 are not assigned


def test_the_page_shows_the_numbers_and_the_charts(page):
    html = page.content.decode()
    assert html.count('<svg class="chart"') == 4
    assert 'data-indicator="on_time_pct"' in html
    assert "80,0 %" in html  # the supervisor reads Russian: a decimal comma


def test_redirects_are_counted_once_through_the_services(client, frozen, agency, district, supervisor, registrar):
    """A real redirect inside the subtree: one redirect out here, one appeal received there, no closure."""
    from appeals.lifecycle import appeal_redirect

    from ..factories import AppealFactory

    appeal = AppealFactory(agency=agency)
    appeal_redirect(appeal=appeal, to_agency=district, actor=registrar, reason="Компетенция района")
    client.force_login(supervisor)
    response = client.get(URL, {"period": "week"})
    rows = {row.agency.code: row.values for row in response.context["rows"]}
    assert rows["dep"]["redirected_out"] == 1
    assert rows["dep"]["redirected_out_late"] == 0
    assert rows["dep"]["closed"] == 0
    assert rows["dist"]["redirected_in"] == 1
    assert rows["dist"]["received"] == 1
    total = response.context["total"]
    assert total.values["redirected_out"] == 1
    assert queue_count(supervisor, total.links["redirected_out"]) == 1
    assert queue_count(supervisor, total.links["redirected_in"]) == 1


def test_the_cards_show_whole_deltas_for_counts(page):
    cards = {card["indicator"].key: card for card in page.context["kpis"]}
    assert cards["received"]["delta_text"] == "+5"
    assert cards["on_time_pct"]["delta_text"] == ""  # nothing closed in February: no earlier figure
