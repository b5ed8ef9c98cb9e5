"""The admin's date hierarchy (appeals/infra/admin_dates.py): the same years, months and days as Django's own, found
without reading the whole table, and list pages whose query count does not grow with the rows."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.sites import site
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.contrib.admin.views.main import ChangeList
from django.test import RequestFactory
from django.urls import reverse

from appeals.models import Appeal, AppealEvent
from appeals.models.choices import EventKind

from ..factories import AppealFactory, UserFactory

pytestmark = pytest.mark.django_db
ALMATY = ZoneInfo("Asia/Almaty")


@pytest.fixture
def root():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, root):
    client.force_login(root)
    return client


def _event(appeal, when, kind=EventKind.NOTE_ADDED):
    return AppealEvent.objects.create(appeal=appeal, kind=kind, created_at=when)


@pytest.fixture
def spread(agency):
    """Events over two years, one of them in Almaty's new year but still the old year in UTC."""
    appeal = AppealFactory(
        agency=agency, subject="Ремонт кровли", registered_at=datetime(2025, 11, 3, 10, tzinfo=ALMATY)
    )
    for when in (
        datetime(2025, 11, 3, 10, tzinfo=ALMATY),
        datetime(2025, 12, 31, 23, 30, tzinfo=ALMATY),
        datetime(2026, 1, 1, 0, 30, tzinfo=ALMATY),  # 2025-12-31 in UTC
        datetime(2026, 3, 15, 9, tzinfo=ALMATY),
        datetime(2026, 3, 20, 9, tzinfo=ALMATY),
    ):
        _event(appeal, when)
    _event(appeal, datetime(2026, 5, 1, 12, tzinfo=ALMATY), kind=EventKind.RETURNED)
    return appeal


def _hierarchy(model, params, root, *, fast: bool) -> dict:
    request = RequestFactory().get("/", params)
    request.user = root
    model_admin = site._registry[model]
    changelist = model_admin.get_changelist_instance(request)
    if not fast:  # Django's own ChangeList over the same request
        changelist.__class__ = ChangeList
        changelist.queryset = ChangeList.get_queryset(changelist, request)
    return date_hierarchy(changelist)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"created_at__year": "2026"},
        {"created_at__year": "2025"},
        {"created_at__year": "2026", "created_at__month": "3"},
        {"kind__exact": EventKind.RETURNED},
        {"q": "nothing"},
    ],
)
def test_the_event_hierarchy_lists_what_djangos_lists(spread, root, params):
    fast = _hierarchy(AppealEvent, params, root, fast=True)
    assert fast == _hierarchy(AppealEvent, params, root, fast=False)
    if not params:
        assert [choice["title"] for choice in fast["choices"]] == ["2025", "2026"]


@pytest.mark.parametrize("params", [{}, {"q": "кровли"}, {"q": "nothing"}, {"registered_at__year": "2025"}])
def test_the_appeal_hierarchy_lists_what_djangos_lists_with_a_search(spread, agency, root, params):
    AppealFactory(agency=agency, subject="Освещение", registered_at=datetime(2026, 2, 1, 10, tzinfo=ALMATY))
    assert _hierarchy(Appeal, params, root, fast=True) == _hierarchy(Appeal, params, root, fast=False)


def test_a_search_starts_the_hierarchy_at_the_month_of_its_matches(spread, agency, admin_client):
    AppealFactory(agency=agency, subject="Освещение", registered_at=datetime(2026, 2, 1, 10, tzinfo=ALMATY))
    response = admin_client.get(reverse("admin:appeals_appeal_changelist"), {"q": "кровли"})
    assert response.status_code == 200
    assert "registered_at__day=3" in response.text  # only November 2025: its days are listed


@pytest.mark.parametrize("n", [1, 30])
def test_the_event_list_costs_the_same_for_1_and_30_events(agency, admin_client, n, django_assert_max_num_queries):
    appeal = AppealFactory(agency=agency)
    for i in range(n):
        _event(appeal, datetime(2026, 1 + i % 12, 1 + i % 28, 10, tzinfo=ALMATY))
    _event(appeal, datetime(2025, 12, 1, 10, tzinfo=ALMATY))
    # session, user, capped count, page, the range, then the first event of each year and one more
    with django_assert_max_num_queries(9):
        response = admin_client.get(reverse("admin:appeals_appealevent_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 30])
def test_the_appeal_search_costs_the_same_for_1_and_30_matches(agency, admin_client, n, django_assert_max_num_queries):
    AppealFactory.create_batch(n, agency=agency, subject="Прорыв трубы")
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("admin:appeals_appeal_changelist"), {"q": "трубы"})
    assert response.status_code == 200
