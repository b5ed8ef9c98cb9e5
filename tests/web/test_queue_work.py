"""The queue as employees live in it (issue 16, points 1, 2, 5, 6, 7), through the Django client.

Filters applied with htmx carry to the export links, the save-view form and the sort (out-of-band swaps);
active filters are chips; a queue that cannot hold the chosen status says so; the executor's next steps have
a queue of their own; each role lands where its work is; a supervisor above the agency assigns its appeals.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.choices import Role
from appeals.dashboard.measures import queue_url
from appeals.models import Appeal, AppealResponse
from appeals.models.choices import AppealStatus, ResponseStatus

from ..conftest import member
from .conftest import make, text_of

pytestmark = pytest.mark.django_db

LIST = reverse("appeals:list")
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "queue-results"}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _numbers(response) -> set[str]:
    return {row.number for row in response.context["page"].rows}


# --- 1. Everything that depends on the filters follows them --------------------------------------------------
def test_an_htmx_filter_change_swaps_in_the_export_links_save_view_form_and_sort(client, agency, supervisor):
    make(AppealStatus.IN_PROGRESS, agency=agency)
    client.force_login(supervisor)
    html = text_of(client.get(LIST, {"queue": "all", "status": "in_progress", "ordering": "-number"}, **HTMX))
    assert html.count('hx-swap-oob="true"') == 3
    assert 'id="queue-export" hx-swap-oob="true"' in html
    assert "/appeals/export.csv?queue=all&amp;status=in_progress&amp;ordering=-number" in html
    assert 'id="filter-ordering" value="-number" hx-swap-oob="true"' in html
    save_state = html[html.index('id="save-view-state"') :]
    assert 'value="queue=all&amp;status=in_progress&amp;ordering=-number"' in save_state


def test_the_full_page_draws_the_same_parts_in_place(client, agency, supervisor):
    client.force_login(supervisor)
    html = text_of(client.get(LIST, {"queue": "all", "status": "in_progress"}))
    assert "hx-swap-oob" not in html
    assert html.count('id="queue-export"') == 1
    assert "/appeals/export.csv?queue=all&amp;status=in_progress" in html


# --- 6. Chips, a folded panel, one empty word, the way back to the dashboard -----------------------------------
def test_active_filters_are_chips_that_each_remove_one_value(client, agency, supervisor):
    client.force_login(supervisor)
    response = client.get(
        LIST, {"queue": "all", "status": ["in_progress", "answered"], "overdue": "true", "deadline_after": "2026-05-01"}
    )
    chips = {chip.label: chip.remove_url for chip in response.context["chips"]}
    assert chips == {
        "Status: In progress": f"{LIST}?queue=all&status=answered&overdue=true&deadline_after=2026-05-01",
        "Status: Answered": f"{LIST}?queue=all&status=in_progress&overdue=true&deadline_after=2026-05-01",
        "Overdue: Yes": f"{LIST}?queue=all&status=in_progress&status=answered&deadline_after=2026-05-01",
        "Due date from 01.05.2026": f"{LIST}?queue=all&status=in_progress&status=answered&overdue=true",
    }
    html = text_of(response)
    assert '<details class="more-filters" id="filter-panel">' in html  # folded, even with filters on
    panel = html[html.index('id="filter-panel"') : html.index("</details>", html.index('id="filter-panel"'))]
    assert "<select multiple" not in panel and " multiple" not in panel
    assert "---------" not in panel
    assert 'for="f-deadline-after"' in panel and 'for="f-closed-before"' in panel


def test_no_filter_no_chips(client, agency, supervisor):
    client.force_login(supervisor)
    assert client.get(LIST, {"queue": "all"}).context["chips"] == []


def test_a_dashboard_number_links_to_the_queue_and_back(client, agency, supervisor):
    url = queue_url(overdue="true")
    assert "from=dashboard" in url
    client.force_login(supervisor)
    came_from = "http://testserver/dashboard/?period=month"
    html = text_of(client.get(url, HTTP_REFERER=came_from))
    assert 'class="drill-from"><a href="/dashboard/?period=month">' in html
    assert 'name="from" value="dashboard"' in html  # the next filter change keeps the way back
    html = text_of(client.get(url, HTTP_REFERER="http://evil.example/dashboard/"))
    assert 'class="drill-from"><a href="/dashboard/">' in html
    assert "drill-from" not in text_of(client.get(LIST, {"queue": "all", "overdue": "true"}))


# --- 5. The executor's next steps; a filter that cannot match says so ------------------------------------------
def test_the_next_step_queue_holds_answered_appeals_and_returned_answers(client, agency, executor, executor2):
    answered = make(AppealStatus.ANSWERED, agency=agency, assignee=executor)
    returned = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    AppealResponse.objects.filter(appeal=returned).update(status=ResponseStatus.RETURNED)
    make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)  # a draft of my own: "My appeals"
    make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)  # the supervisor's move
    make(AppealStatus.CLOSED, agency=agency, assignee=executor)
    make(AppealStatus.ANSWERED, agency=agency, assignee=executor2)  # a colleague's
    client.force_login(executor)
    response = client.get(LIST, {"queue": "next_step"})
    assert _numbers(response) == {answered.number, returned.number}
    menu = {item.key: item.count for item in response.context["menu_queues"]}
    assert menu["next_step"] == 2


def test_a_status_the_queue_cannot_hold_is_said_not_silently_empty(client, agency, executor):
    make(AppealStatus.ANSWERED, agency=agency, assignee=executor)
    client.force_login(executor)
    html = text_of(client.get(LIST, {"queue": "mine", "status": "answered"}))
    assert "This queue holds only these statuses: Registered, In progress, Awaiting approval." in html
    assert f"{LIST}?queue=all&amp;status=answered" in html
    assert "This queue holds only" not in text_of(client.get(LIST, {"queue": "mine", "status": "in_progress"}))
    assert "This queue holds only" not in text_of(client.get(LIST, {"queue": "all", "status": "answered"}))
    assert "This queue holds only" in text_of(client.get(LIST, {"queue": "mine", "open": "false"}))


# --- 7. Each role lands where its work is ------------------------------------------------------------------
def test_a_top_supervisor_without_approvals_lands_on_overdue(client, ministry, district, ministry_supervisor):
    make(agency=district, overdue=True)
    client.force_login(ministry_supervisor)
    assert client.get("/").url == f"{LIST}?queue=overdue"


def test_a_supervisor_with_approvals_lands_on_them(client, agency, supervisor, executor):
    make(agency=agency, overdue=True)
    make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)
    client.force_login(supervisor)
    assert client.get("/").url == f"{LIST}?queue=approval"


def test_an_executor_lands_on_their_appeals_then_next_steps_then_their_first_queue(client, agency, executor):
    client.force_login(executor)
    assert client.get("/").url == f"{LIST}?queue=mine"  # nothing anywhere: their own list
    make(AppealStatus.ANSWERED, agency=agency, assignee=executor)
    assert client.get("/").url == f"{LIST}?queue=next_step"
    make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    assert client.get("/").url == f"{LIST}?queue=mine"


# --- 2. A supervisor above the agency assigns its appeals ------------------------------------------------
def test_the_bulk_list_groups_the_executors_of_the_listed_appeals_by_agency(
    client, ministry, agency, district, ministry_supervisor, executor, district_executor
):
    make(agency=agency)
    make(agency=district)
    client.force_login(ministry_supervisor)
    response = client.get(LIST, {"queue": "tree"})
    groups = {group.agency_name: [p.pk for p in group.people] for group in response.context["bulk_executors"]}
    assert groups == {agency.name: [executor.pk], district.name: [district_executor.pk]}
    assert f'<optgroup label="{district.name}">' in text_of(response)


def test_bulk_assign_refuses_rows_of_another_agency_and_assigns_the_others(
    client, ministry, agency, district, ministry_supervisor, district_executor
):
    theirs = make(agency=district)
    other = make(agency=agency)
    client.force_login(ministry_supervisor)
    response = client.post(
        reverse("appeals:bulk"),
        {"action": "assign", "executor": district_executor.pk, "ids": [theirs.pk, other.pk]},
        follow=True,
    )
    assert Appeal.objects.get(pk=theirs.pk).assignee_id == district_executor.pk
    assert Appeal.objects.get(pk=other.pk).assignee_id is None
    assert f"{other.number}: The executor must be an active executor of the appeal&#x27;s agency." in text_of(response)


def test_a_supervisor_of_another_tree_cannot_assign(client, agency, sibling, executor):
    appeal = make(agency=agency)
    stranger = member(sibling, Role.SUPERVISOR, username="stranger")
    client.force_login(stranger)
    client.post(reverse("appeals:bulk"), {"action": "assign", "executor": executor.pk, "ids": [appeal.pk]})
    assert Appeal.objects.get(pk=appeal.pk).assignee_id is None


def test_the_ministry_head_assigns_a_subordinate_appeal_from_its_page(
    client, ministry, district, ministry_supervisor, district_executor
):
    appeal = make(agency=district)
    client.force_login(ministry_supervisor)
    html = text_of(client.get(appeal.get_absolute_url()))
    assert f'<option value="{district_executor.pk}">' in html
    assert 'data-filter-options="id_assign_executor"' in html  # the search box over the list
    response = client.post(
        reverse("appeals:assign", args=[appeal.pk]), {"executor": district_executor.pk, "version": appeal.version}
    )
    assert response.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).assignee_id == district_executor.pk


def test_an_agency_without_executors_is_said_instead_of_an_empty_list(client, ministry, ministry_supervisor):
    appeal = make(agency=ministry)
    client.force_login(ministry_supervisor)
    html = text_of(client.get(appeal.get_absolute_url()))
    assert "has no other active executor" in html
    assert 'id="id_assign_executor"' not in html


@pytest.mark.parametrize("n", [1, 12])
def test_the_tree_queue_with_grouped_executors_keeps_its_query_count(
    client, ministry, agency, district, sibling, ministry_supervisor, django_assert_max_num_queries, n
):
    for i in range(n):
        make(agency=(agency, district, sibling)[i % 3], registered_at=timezone.now() - timedelta(hours=i))
    for place in (agency, district, sibling):
        member(place, Role.EXECUTOR)
    client.force_login(ministry_supervisor)
    client.get(LIST, {"queue": "tree"})  # warm the rosters
    with django_assert_max_num_queries(14):
        response = client.get(LIST, {"queue": "tree", "status": ["registered"], "overdue": "false"})
    assert len(response.context["page"].rows) == n


# --- The filter panel's checkboxes, drawn in Python for long flat lists -------------------------------------
FLAT = [("", "Any"), (1, "Агентство <1>"), ("a&b", "A & B"), (None, "None"), ("3", 'Три "3"')]


@pytest.mark.parametrize("value", [[], ["1"], ["a&b", "3"], [""]])
@pytest.mark.parametrize("attrs", [{"id": "id_f"}, {}, {"id": "id_f", "class": "checks-scroll"}])
def test_the_flat_fast_checkboxes_draw_exactly_what_django_draws(value, attrs):
    from django import forms

    from appeals.desk.widgets import FastCheckboxSelectMultiple

    widget_attrs = {"class": attrs["class"]} if "class" in attrs else None
    call_attrs = {"id": attrs["id"]} if "id" in attrs else None
    expected = forms.CheckboxSelectMultiple(choices=FLAT, attrs=widget_attrs).render("f", value, call_attrs)
    assert FastCheckboxSelectMultiple(choices=FLAT, attrs=widget_attrs).render("f", value, call_attrs) == expected
