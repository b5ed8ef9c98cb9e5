"""Every page of the benchmark (benchmarks/cases.py) keeps its number of SQL queries, whatever its rows (issue 20).

The bounds are the pages' counts today, on a warm process (the calendar and the rosters read once) with the side
menu counted afresh (its counts are kept a few seconds otherwise): a change that adds a query to a page fails here
and has to say why in its commit (STYLE.md)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.access.menucounts import appeals_changed
from appeals.models.choices import AppealStatus

from ..factories import valid_iin
from .conftest import make

pytestmark = pytest.mark.django_db

LIST = "/appeals/"
FILTERS = {"status": ["registered", "in_progress"], "kind": ["application", "complaint"], "language": "ru"}

# (persona, url, parameters, the page's queries)
PAGES = {
    "queue-first": ("executor", LIST, {"queue": "mine", "ordering": "due_date"}, 6),
    "queue-page2": ("executor", LIST, {"queue": "mine", "ordering": "due_date", "page": 2, "per_page": 10}, 6),
    "queue-100": ("executor", LIST, {"queue": "mine", "ordering": "due_date", "per_page": 100}, 6),
    "queue-agency": ("executor", LIST, {"queue": "all"}, 6),
    "tree-filters": ("ministry_supervisor", LIST, {"queue": "tree", **FILTERS}, 7),
    "tree-search": ("ministry_supervisor", LIST, {"queue": "tree", **FILTERS, "q": "Касымов"}, 7),
    "tree-htmx": ("ministry_supervisor", LIST, {"queue": "tree", **FILTERS, "page": 2, "per_page": 10}, 6),
    "api-list": ("ministry_supervisor", "/api/v1/appeals/", {}, 8),
    "api-open": ("ministry_supervisor", "/api/v1/appeals/", {"open": "true", "ordering": "due_date"}, 8),
}


def _fill(n, *, agencies, executor):
    for i in range(n):
        make(
            AppealStatus.IN_PROGRESS if i % 2 else AppealStatus.REGISTERED,
            agency=agencies[i % len(agencies)],
            assignee=executor if agencies[i % len(agencies)] == agencies[0] else None,
            kind="application" if i % 3 else "complaint",
            language="ru",
            applicant_name="Касымов Айдос",
            applicant_iin=valid_iin(i),
            registered_at=timezone.now() - timedelta(hours=i),
        )


@pytest.mark.parametrize("n", [1, 40])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_page_keeps_its_query_count(
    client, request, agency, district, executor, district_executor, page, n, django_assert_max_num_queries
):
    persona, url, params, queries = PAGES[page]
    _fill(n, agencies=[agency, district], executor=executor)
    client.force_login(request.getfixturevalue(persona))
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "queue-results"} if page == "tree-htmx" else {}
    assert client.get(url, params, **headers).status_code == 200  # warm the calendar and the rosters
    appeals_changed()  # the menu's counts are counted again
    with django_assert_max_num_queries(queries):
        response = client.get(url, params, **headers)
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 40])
def test_the_workspace_keeps_its_query_count(client, agency, executor, n, django_assert_max_num_queries):
    appeal = make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor)
    _fill(n, agencies=[agency], executor=executor)
    client.force_login(executor)
    client.get(appeal.get_absolute_url())
    appeals_changed()
    with django_assert_max_num_queries(13):
        response = client.get(appeal.get_absolute_url())
    assert response.status_code == 200
