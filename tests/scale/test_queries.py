"""Queries that this work changed (visibility as a literal list of agency ids, the tree queue, filters
without DISTINCT): same rows as before, and a number of SQL queries that does not grow with the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appeals.access.selectors import appeals_visible_to
from appeals.models.choices import AppealStatus

from ..factories import AppealFactory, valid_iin

LIST = "/appeals/"
TREE = {"queue": "tree", "status": ["registered", "in_progress"], "kind": ["application", "complaint"],
        "language": "ru"}  # fmt: skip


def _fill(n, agencies):
    for i in range(n):
        AppealFactory(
            agency=agencies[i % len(agencies)],
            status=AppealStatus.IN_PROGRESS if i % 2 else AppealStatus.REGISTERED,
            kind="application" if i % 3 else "complaint",
            language="ru",
            applicant_name="Касымов Айдос",
            applicant_iin=valid_iin(i),
        )


def _queries(client, url, params):
    client.get(url, params)  # warm caches (calendar, translations)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("search", ["", "Касымов"])
def test_tree_queue_query_count_does_not_grow_with_the_page(
    client, ministry_supervisor, agency, district, sibling, search
):
    _fill(12, [agency, district, sibling])
    client.force_login(ministry_supervisor)
    small, response = _queries(client, LIST, {**TREE, "q": search, "per_page": 10})
    assert len(response.context["page"].rows) == 10
    _fill(110, [agency, district, sibling])
    large, response = _queries(client, LIST, {**TREE, "q": search, "per_page": 100})
    assert len(response.context["page"].rows) == 100
    assert large == small


def test_filters_with_several_values_list_each_appeal_once(client, ministry_supervisor, agency, district):
    _fill(9, [agency, district])
    client.force_login(ministry_supervisor)
    _count, response = _queries(client, LIST, {**TREE, "per_page": 100})
    pks = [appeal.pk for appeal in response.context["page"].rows]
    assert len(pks) == len(set(pks)) == 9


def test_api_list_query_count_does_not_grow_with_the_page(client, ministry_supervisor, agency, district):
    _fill(5, [agency, district])
    client.force_login(ministry_supervisor)
    small, _response = _queries(client, "/api/v1/appeals/", {"page_size": 5, "status": ["registered", "in_progress"]})
    _fill(60, [agency, district])
    large, response = _queries(client, "/api/v1/appeals/", {"page_size": 60, "status": ["registered", "in_progress"]})
    assert len(response.json()["results"]) == 60
    assert large == small


def test_visibility_by_agency_ids_keeps_the_subtree_rule(
    ministry_supervisor, supervisor, executor, agency, district, sibling, other_region
):
    mine, below, beside, foreign = (AppealFactory(agency=a) for a in (agency, district, sibling, other_region))
    assert set(appeals_visible_to(ministry_supervisor)) == {mine, below, beside}
    assert set(appeals_visible_to(supervisor)) == {mine, below}
    assert set(appeals_visible_to(executor)) == {mine}
    assert foreign not in appeals_visible_to(ministry_supervisor)
