"""Who may see the dashboard, and over what; a bounded number of queries whatever the number of agencies."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.choices import Role

from ..conftest import member
from ..factories import AgencyFactory, AppealFactory, MembershipFactory
from .conftest import MARCH, at

pytestmark = pytest.mark.django_db
URL = reverse("appeals:dashboard")


@pytest.mark.parametrize("persona", ["executor", "registrar", "district_executor"])
def test_it_refuses_a_non_supervisor_with_a_clear_page(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in (URL, reverse("appeals:dashboard_league_csv"), reverse("appeals:dashboard_league_print")):
        response = client.get(url)
        assert response.status_code == 403
    # "The dashboard is for supervisors", in the user's language (Russian)
    assert "Панель мониторинга доступна только руководителям" in response.content.decode()


def test_it_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_supervisor_never_sees_numbers_from_outside_the_subtree(client, march, supervisor, sibling, district):
    AppealFactory(agency=district, registered_at=at(2026, 3, 3))
    AppealFactory.create_batch(5, agency=sibling, registered_at=at(2026, 3, 3))
    client.force_login(supervisor)
    response = client.get(URL, MARCH)
    assert response.context["total"].values["received"] == 8  # 7 of the department, 1 of its district
    assert {row.agency.code for row in response.context["rows"]} == {"dep", "dist"}
    assert "Департамент Алматы" not in response.content.decode()
    # Asking for another agency's dashboard is a form error, not its numbers.
    response = client.get(URL, {**MARCH, "agency": sibling.pk})
    assert response.context["form"].errors["agency"]
    assert "kpis" not in response.context


def test_the_ministry_supervisor_sees_every_department(client, march, ministry_supervisor):
    client.force_login(ministry_supervisor)
    response = client.get(URL, MARCH)
    assert response.context["total"].values["received"] == 9  # 7 + the sibling's 2
    assert {row.agency.code for row in response.context["rows"]} == {"min", "dep", "sib"}


def test_a_supervisor_of_several_agencies_picks_one(client, frozen, agency, other_region):
    boss = member(agency, Role.SUPERVISOR, username="boss")
    MembershipFactory(user=boss, agency=other_region, role=Role.SUPERVISOR)
    AppealFactory.create_batch(3, agency=other_region, registered_at=at(2026, 4, 10))
    AppealFactory(agency=agency, registered_at=at(2026, 4, 10))
    client.force_login(boss)
    page = client.get(URL, {"period": "month", "agency": other_region.pk})
    assert page.context["root"] == other_region
    assert page.context["total"].values["received"] == 3
    assert 'name="agency"' in page.content.decode()


def test_the_desk_menu_offers_the_dashboard_to_supervisors_only(client, supervisor, executor):
    client.force_login(supervisor)
    assert URL in client.get(reverse("appeals:list")).content.decode()
    client.force_login(executor)
    assert URL not in client.get(reverse("appeals:list")).content.decode()


@pytest.mark.parametrize("branches", [3, 30])
def test_the_query_count_does_not_grow_with_the_agencies(
    client, frozen, ministry, ministry_supervisor, category, django_assert_max_num_queries, branches
):
    for i in range(branches):
        branch = AgencyFactory(parent=ministry, code=f"b{i}")
        child = AgencyFactory(parent=branch, code=f"c{i}")
        AppealFactory(agency=branch, category=category, registered_at=at(2026, 4, 2))
        AppealFactory(
            agency=child,
            category=category,
            registered_at=at(2026, 3, 20),
            status="answered",
            outcome="explained",
            resolved_at=at(2026, 4, 3),
        )
    client.force_login(ministry_supervisor)
    with django_assert_max_num_queries(45):
        response = client.get(URL, {"period": "month"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == branches + 1
    assert response.context["total"].values["received"] == branches
    with django_assert_max_num_queries(20):
        assert client.get(reverse("appeals:dashboard_league_xlsx"), {"period": "month"}).status_code == 200
