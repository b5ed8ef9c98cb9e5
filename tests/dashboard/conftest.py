"""A hand-built month of appeals with known answers (see `march`), frozen on 15 April 2026 in Asia/Almaty.

Calendar facts used (holidays.KZ): Sunday 8 March 2026 moves its day off to Monday 9 March; Nauryz
21-23 March (Saturday to Monday) with the carry-over gives days off from 21 to 25 March.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import QueryDict
from django.test import RequestFactory

from appeals.access.selectors import appeals_visible_to
from appeals.desk.filters import AppealFilterSet
from appeals.models import AppealEvent
from appeals.models.choices import AppealStatus, EventKind, Outcome

from ..factories import AppealFactory, CategoryFactory

ALMATY = ZoneInfo("Asia/Almaty")
TODAY = date(2026, 4, 15)
MARCH = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}


def at(year, month, day, hour=10, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ALMATY)


@pytest.fixture(autouse=True)
def _no_live_cache(settings):
    """Each test reads its own data: the live reading is never cached across requests here."""
    settings.DASHBOARD = {**settings.DASHBOARD, "LIVE_CACHE_SECONDS": 0, "HISTORY_CACHE_SECONDS": 0}


@pytest.fixture
def frozen():
    with time_machine.travel(at(2026, 4, 15, 12), tick=False):
        yield


def closed(agency, registered, resolved, *, outcome=Outcome.EXPLAINED, status=AppealStatus.ANSWERED, **kwargs):
    return AppealFactory(
        agency=agency, registered_at=registered, status=status, outcome=outcome, resolved_at=resolved, **kwargs
    )


def event(appeal, kind, when, **payload):
    return AppealEvent.objects.create(appeal=appeal, kind=kind, created_at=when, payload=payload)


@pytest.fixture
def march(frozen, agency, sibling, executor, executor2, category):
    """The department's March 2026 (its own target: 2 working days), and noise around it."""
    agency.target_working_days = 2
    agency.save()
    a = {}
    a["A1"] = closed(
        agency,
        at(2026, 3, 2),
        at(2026, 3, 10, 15),
        assignee=executor,
        category=category,
        first_action_at=at(2026, 3, 2, 12),
        applicant_rating=4,
        applicant_rated_at=at(2026, 3, 11),
    )
    # Registered in February, answered late in March.
    a["A2"] = closed(agency, at(2026, 2, 2), at(2026, 3, 5, 16), assignee=executor)
    # Friday before Nauryz: 2 working days to Friday 27 March (within the own target), 3 to Monday 30.
    a["A3"] = closed(
        agency,
        at(2026, 3, 20),
        at(2026, 3, 27, 17),
        outcome=Outcome.SATISFIED,
        assignee=executor,
        first_action_at=at(2026, 3, 20, 14),
        applicant_rating=2,
        applicant_rated_at=at(2026, 3, 28),
    )
    a["A4"] = closed(agency, at(2026, 3, 20, 11), at(2026, 3, 30, 9), assignee=executor2)
    a["A5"] = closed(
        agency,
        at(2026, 3, 4),
        at(2026, 3, 5),
        outcome=Outcome.LEFT_WITHOUT_CONSIDERATION,
        status=AppealStatus.LEFT_WITHOUT_CONSIDERATION,
    )
    # Redirected late: counted once, as a redirect out, never as closed.
    a["A6"] = closed(
        agency, at(2026, 3, 2), at(2026, 3, 12), outcome=Outcome.REDIRECTED, status=AppealStatus.REDIRECTED
    )
    event(a["A6"], EventKind.REDIRECTED, at(2026, 3, 12), late=True)
    a["A7"] = AppealFactory(
        agency=agency,
        registered_at=at(2026, 3, 16),
        status=AppealStatus.IN_PROGRESS,
        assignee=executor2,
        is_repeated=True,
        due_date=date(2026, 4, 6),
    )
    event(a["A7"], EventKind.EXTENSION_GRANTED, at(2026, 3, 18))
    event(a["A1"], EventKind.RETURNED, at(2026, 3, 9))
    # Period edges: 00:30 on 1 March in Almaty is still 28 February in UTC, and the reverse.
    a["E1"] = AppealFactory(agency=agency, registered_at=at(2026, 3, 1, 0, 30), due_date=date(2026, 4, 20))
    a["E2"] = AppealFactory(agency=agency, registered_at=at(2026, 2, 28, 23, 30), due_date=date(2026, 5, 4))
    a["A8"] = AppealFactory(agency=agency, registered_at=at(2026, 4, 13), due_date=date(2026, 4, 16))
    # Noise outside the department's subtree.
    a["X1"] = closed(sibling, at(2026, 3, 5), at(2026, 3, 6))
    a["X2"] = AppealFactory(agency=sibling, registered_at=at(2026, 3, 5), due_date=date(2026, 4, 1))
    return a


def queue_count(user, url: str) -> int:
    """How many appeals the queue behind a dashboard link lists for `user`."""
    assert url.startswith("/appeals/?"), url
    data = QueryDict(urlsplit(url).query)
    request = RequestFactory().get("/appeals/")
    request.user = user
    filterset = AppealFilterSet(data=data, queryset=appeals_visible_to(user), request=request)
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.count()


@pytest.fixture
def other_category(db):
    return CategoryFactory(code="water", name_ru="Водоснабжение", name_kk="Сумен жабдықтау")


__all__ = ["at", "TODAY", "MARCH", "queue_count", "closed", "event", "timedelta"]
