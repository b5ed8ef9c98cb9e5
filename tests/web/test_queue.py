"""The queue page: every preset, the filters, sorting, paging without a full COUNT, side-menu counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.choices import Role
from appeals.calendar.workdays import get_calendar, local_today
from appeals.desk import queues
from appeals.models.choices import AppealStatus

from ..conftest import member
from ..factories import AgencyFactory, AppealFactory, MembershipFactory, valid_iin
from .conftest import make, text_of

pytestmark = pytest.mark.django_db

LIST = reverse("appeals:list")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def numbers_on(response) -> set[str]:
    return {appeal.number for appeal in response.context["page"].rows}


def test_anonymous_user_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert client.get(LIST).status_code == 302


@pytest.mark.parametrize(
    ("persona", "queue"),
    [("executor", "mine"), ("supervisor", "approval"), ("registrar", "registered")],
)
def test_home_sends_each_role_to_its_own_queue(client, request, persona, queue):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == f"{LIST}?queue={queue}"


def test_my_appeals_are_the_executors_open_ones_by_due_date(client, agency, executor, executor2):
    later = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    sooner = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, overdue=True)
    make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor2)
    make(AppealStatus.ANSWERED, agency=agency, assignee=executor)
    client.force_login(executor)
    response = client.get(LIST, {"queue": "mine"})
    assert response.status_code == 200
    assert [a.number for a in response.context["page"].rows] == [sooner.number, later.number]
    page = text_of(response)
    assert "My appeals" in page
    assert "overdue by" in page and "working days left" in page


def test_unassigned_queue_lists_registered_appeals_of_the_agency(client, agency, district, executor):
    waiting = make(agency=agency)
    make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    make(agency=district)
    client.force_login(executor)
    assert numbers_on(client.get(LIST, {"queue": "unassigned"})) == {waiting.number}


def test_due_soon_and_overdue_queues(client, agency, executor):
    cal = get_calendar()
    today = local_today()
    soon = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    soon.due_date = cal.add_working_days(cal.working_day_on_or_after(today), 2)
    soon.save()
    far = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    far.due_date = cal.add_working_days(today, 10)
    far.save()
    late = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, overdue=True)
    client.force_login(executor)
    assert numbers_on(client.get(LIST, {"queue": "due_soon"})) == {soon.number}
    assert numbers_on(client.get(LIST, {"queue": "overdue"})) == {late.number}


def test_supervisor_due_soon_and_overdue_cover_the_agency_subtree(client, agency, district, supervisor, executor):
    mine = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, overdue=True)
    below = make(agency=district, overdue=True)
    client.force_login(supervisor)
    assert numbers_on(client.get(LIST, {"queue": "overdue"})) == {mine.number, below.number}


def test_awaiting_my_approval_skips_subordinates_with_their_own_head(client, agency, district, supervisor, executor):
    here = make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)
    below_without_head = make(AppealStatus.AWAITING_APPROVAL, agency=district)
    other_district = AgencyFactory(parent=agency, code="dist2")
    member(other_district, Role.SUPERVISOR, username="district_head")
    below_with_head = make(AppealStatus.AWAITING_APPROVAL, agency=other_district)
    make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    client.force_login(supervisor)
    numbers = numbers_on(client.get(LIST, {"queue": "approval"}))
    assert numbers == {here.number, below_without_head.number}
    assert below_with_head.number not in numbers


def test_whole_tree_shows_open_appeals_of_the_subtree_unless_asked_otherwise(
    client, agency, district, sibling, supervisor, executor
):
    here = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    below = make(agency=district)
    done = make(AppealStatus.ANSWERED, agency=agency, assignee=executor)
    make(agency=sibling)
    client.force_login(supervisor)
    assert numbers_on(client.get(LIST, {"queue": "tree"})) == {here.number, below.number}
    assert done.number in numbers_on(client.get(LIST, {"queue": "tree", "open": ""}))


def test_the_tree_of_a_head_who_also_works_elsewhere_is_only_the_subtree(
    client, agency, district, sibling, supervisor, executor
):
    MembershipFactory(user=supervisor, agency=sibling, role=Role.EXECUTOR)
    below = make(agency=district)
    elsewhere = make(agency=sibling)
    client.force_login(supervisor)
    tree = numbers_on(client.get(LIST, {"queue": "tree"}))
    assert below.number in tree
    assert elsewhere.number not in tree
    assert elsewhere.number in numbers_on(client.get(LIST, {"queue": "all"}))


def test_registered_by_me(client, agency, registrar):
    mine = make(agency=agency, registered_by=registrar)
    make(agency=agency)
    client.force_login(registrar)
    assert numbers_on(client.get(LIST, {"queue": "registered"})) == {mine.number}


def test_supervisor_queues_are_not_offered_to_an_executor(client, agency, executor):
    make(AppealStatus.AWAITING_APPROVAL, agency=agency, assignee=executor)
    client.force_login(executor)
    response = client.get(LIST, {"queue": "approval"})
    assert response.context["queue_key"] == "all"
    labels = [item.key for item in response.context["menu_queues"]]
    assert "approval" not in labels and "tree" not in labels


def test_nobody_sees_another_agencys_appeals_in_any_queue(client, agency, sibling, outsider):
    make(agency=agency)
    theirs = make(agency=sibling)
    client.force_login(outsider)
    for queue in ("mine", "unassigned", "due_soon", "overdue", "all"):
        numbers = numbers_on(client.get(LIST, {"queue": queue}))
        assert numbers <= {theirs.number}


def test_filters_are_the_filtersets_parameters(client, agency, supervisor, executor, category):
    a = make(agency=agency, kind="complaint", category=category, subject="Прорыв трубы")
    b = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, channel="post")
    client.force_login(supervisor)
    assert numbers_on(client.get(LIST, {"kind": "complaint"})) == {a.number}
    assert numbers_on(client.get(LIST, {"status": "in_progress"})) == {b.number}
    assert numbers_on(client.get(LIST, {"executor": executor.pk})) == {b.number}
    assert numbers_on(client.get(LIST, {"unassigned": "true"})) == {a.number}
    assert numbers_on(client.get(LIST, {"q": "трубы"})) == {a.number}
    assert numbers_on(client.get(LIST, {"q": a.number})) == {a.number}


def test_a_dashboard_link_with_agency_and_overdue_works(client, agency, district, ministry_supervisor):
    late = make(agency=district, overdue=True)
    make(agency=district)
    make(agency=agency, overdue=True)
    client.force_login(ministry_supervisor)
    response = client.get(LIST, {"agency": district.pk, "overdue": "true"})
    assert response.status_code == 200
    assert numbers_on(response) == {late.number}


def test_columns_sort_both_ways(client, agency, supervisor):
    first = make(agency=agency, number="DEP-2026-000001")
    second = make(agency=agency, number="DEP-2026-000002")
    client.force_login(supervisor)
    up = client.get(LIST, {"ordering": "number"})
    down = client.get(LIST, {"ordering": "-number"})
    assert [a.pk for a in up.context["page"].rows] == [first.pk, second.pk]
    assert [a.pk for a in down.context["page"].rows] == [second.pk, first.pk]
    assert 'aria-sort="ascending"' in text_of(up)


def test_paging_fetches_one_row_more_instead_of_counting(client, agency, supervisor):
    for _ in range(11):
        make(agency=agency)
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(LIST, {"per_page": 10})
    # Every COUNT the page runs is over a LIMITed subquery (the capped side-menu counts).
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts
    assert all("LIMIT" in sql.upper() for sql in counts)
    assert len(first.context["page"].rows) == 10
    assert first.context["page"].has_next
    second = client.get(LIST, {"per_page": 10, "page": 2})
    assert len(second.context["page"].rows) == 1
    assert not second.context["page"].has_next


def test_side_menu_counts_are_capped(client, agency, executor, monkeypatch):
    monkeypatch.setattr(queues, "COUNT_CAP", 3)
    monkeypatch.setattr("appeals.templatetags.desk.COUNT_CAP", 3)
    for _ in range(5):
        make(agency=agency)
    client.force_login(executor)
    response = client.get(LIST, {"queue": "unassigned"})
    counts = {item.key: item.count for item in response.context["menu_queues"]}
    assert counts["unassigned"] == 4  # cap + 1 means "more than the cap"
    assert "3+" in text_of(response)


@pytest.mark.parametrize("n", [10, 100])
def test_queue_page_query_count_is_constant(client, agency, supervisor, executor, django_assert_max_num_queries, n):
    for i in range(n):
        make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, applicant_iin=valid_iin(i))
    client.force_login(supervisor)
    client.get(LIST)  # warm the calendar cache
    with django_assert_max_num_queries(13):  # + the visible agencies, resolved once per request
        response = client.get(LIST, {"queue": "tree", "per_page": 100})
    assert response.status_code == 200
    assert len(response.context["page"].rows) == n


def test_a_searched_iin_is_moved_out_of_the_url(client, agency, supervisor):
    iin = valid_iin(77)
    wanted = make(agency=agency, applicant_iin=iin)
    make(agency=agency)
    client.force_login(supervisor)
    response = client.get(LIST, {"q": iin})
    assert response.status_code == 302
    assert iin not in response.url and "qref=" in response.url
    page = client.get(response.url)
    assert numbers_on(page) == {wanted.number}
    assert iin not in text_of(page)


def test_find_by_identifier_is_a_post(client, agency, supervisor):
    iin = valid_iin(78)
    wanted = make(agency=agency, applicant_iin=iin)
    client.force_login(supervisor)
    response = client.post(reverse("appeals:find"), {"identifier": iin})
    assert response.status_code == 302 and iin not in response.url
    assert numbers_on(client.get(response.url)) == {wanted.number}
    bad = client.post(reverse("appeals:find"), {"identifier": "123"}, follow=True)
    assert "exactly 12 digits" in text_of(bad)


def test_lists_mask_the_iin(client, agency, supervisor, executor):
    iin = valid_iin(79)
    make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, applicant_iin=iin)
    for user in (supervisor, executor):
        client.force_login(user)
        page = text_of(client.get(LIST, {"queue": "all"}))
        assert iin not in page
        assert iin[-4:] in page


def test_htmx_gets_only_the_results(client, agency, supervisor):
    make(agency=agency)
    client.force_login(supervisor)
    response = client.get(LIST, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-results")
    page = text_of(response)
    assert page.lstrip().startswith('<div id="queue-results">')
    assert "sidebar" not in page


def test_deadline_says_how_many_working_days(client, agency, executor):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    appeal.due_date = local_today() - timedelta(days=1)
    while not get_calendar().is_working_day(appeal.due_date):
        appeal.due_date -= timedelta(days=1)
    appeal.save()
    client.force_login(executor)
    page = text_of(client.get(LIST, {"queue": "mine"}))
    assert "deadline-overdue" in page
    assert "overdue by 1 working day" in page


def test_switching_agency(client, agency, sibling):
    user = member(agency, Role.EXECUTOR, username="two_hats")
    from tests.factories import MembershipFactory

    MembershipFactory(user=user, agency=sibling, role=Role.SUPERVISOR)
    mine_there = AppealFactory(agency=sibling)
    client.force_login(user)
    page = text_of(client.get(LIST, {"queue": "unassigned"}))
    assert "agency-switch" in page
    response = client.post(reverse("appeals:switch_agency"), {"agency": sibling.pk})
    assert response.status_code == 302
    assert numbers_on(client.get(LIST, {"queue": "unassigned"})) == {mine_there.number}
    refused = client.post(reverse("appeals:switch_agency"), {"agency": 999999}, follow=True)
    assert "You do not work in that agency." in text_of(refused)


def test_registered_today_counts_on_the_menu(client, agency, registrar):
    make(agency=agency, registered_by=registrar, registered_at=timezone.now())
    client.force_login(registrar)
    response = client.get(LIST, {"queue": "registered"})
    counts = {item.key: item.count for item in response.context["menu_queues"]}
    assert counts["registered"] == 1


def test_overdue_appeals_sort_by_registration_both_ways_and_page(client, agency, supervisor):
    """`overdue=true` sorts by registration time without its index (appeals/desk/filters.py says why): the order,
    its tie-break on the id and the paging stay what they are for any other filter."""
    now = timezone.now()
    late = [make(agency=agency, registered_at=now - timedelta(days=60 + n % 3)) for n in range(12)]
    make(agency=agency)  # registered today: not overdue
    newest_first = sorted(late, key=lambda a: (a.registered_at, a.pk), reverse=True)
    client.force_login(supervisor)
    down = client.get(LIST, {"queue": "all", "overdue": "true", "per_page": 10})
    second = client.get(LIST, {"queue": "all", "overdue": "true", "per_page": 10, "page": 2})
    up = client.get(LIST, {"queue": "all", "overdue": "true", "ordering": "registered_at", "per_page": 10})
    assert [a.pk for a in down.context["page"].rows] + [a.pk for a in second.context["page"].rows] == [
        a.pk for a in newest_first
    ]
    assert [a.pk for a in up.context["page"].rows] == [a.pk for a in newest_first[::-1]][:10]
    api = client.get("/api/v1/appeals/", {"overdue": "true"}).json()
    assert [row["id"] for row in api["results"]] == [a.pk for a in newest_first]
