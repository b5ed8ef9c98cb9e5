"""Its effect, measured: redirects per body before and after the first model, and first suggestions accepted."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appeals.models import AppealEvent, RouterModel
from appeals.models.choices import EventKind
from appeals.routing.selectors import routing_effect

from ..factories import AppealFactory

pytestmark = pytest.mark.django_db

LIVE = datetime(2026, 3, 1, 10, tzinfo=ZoneInfo("Asia/Almaty"))
NOW = LIVE + timedelta(days=10)


def _model():
    return RouterModel.objects.create(
        version=1, trained_at=LIVE, history_size=1, held_out_size=0, top1=0, top3=0, data=b""
    )


def _event(agency, kind, when, **payload):
    appeal = AppealFactory(agency=agency)
    return AppealEvent.objects.create(appeal=appeal, kind=kind, created_at=when, payload=payload)


def test_nothing_is_shown_before_the_first_model(agency):
    assert routing_effect(root=agency, now=NOW) is None


def test_redirects_before_and_after_the_model_per_body(ministry, agency, district, sibling):
    _model()
    # the department: 4 registered and 2 redirected in the 10 days before, 5 registered and 1 redirected after
    for days in (1, 2, 3, 4):
        _event(agency, EventKind.REGISTERED, LIVE - timedelta(days=days))
    for days in (1, 2):
        _event(agency, EventKind.REDIRECTED, LIVE - timedelta(days=days))
    for days in (1, 2, 3, 4, 5):
        _event(agency, EventKind.REGISTERED, LIVE + timedelta(days=days))
    _event(agency, EventKind.REDIRECTED, LIVE + timedelta(days=3))
    _event(agency, EventKind.REDIRECTED, LIVE - timedelta(days=30))  # before the 10-day window: not counted
    _event(district, EventKind.REGISTERED, LIVE + timedelta(days=1))  # no redirects: no row
    _event(sibling, EventKind.REDIRECTED, LIVE + timedelta(days=1))  # outside the subtree of `agency`

    effect = routing_effect(root=agency, now=NOW)
    assert effect["days"] == 10
    assert [(r.agency, r.redirects_before, r.redirects_after) for r in effect["rows"]] == [(agency, 2, 1)]
    row = effect["rows"][0]
    assert (row.rate_before, row.rate_after) == (50.0, 20.0)
    # the ministry sees the sibling's redirect too
    by_agency = {r.agency: r for r in routing_effect(root=ministry, now=NOW)["rows"]}
    assert set(by_agency) == {agency, sibling}


def test_how_often_registrars_took_the_first_suggestion(agency):
    _model()
    for accepted in (True, True, True, False):
        _event(
            agency,
            EventKind.REGISTERED,
            LIVE + timedelta(days=1),
            suggestion={"model": 1, "first": 7, "accepted_first": accepted},
        )
    _event(agency, EventKind.REGISTERED, LIVE + timedelta(days=1))  # no suggestion shown: not counted
    effect = routing_effect(root=agency, now=NOW)
    assert (effect["shown"], effect["accepted"], effect["accepted_share"]) == (4, 3, 75)


def test_the_dashboard_shows_it_in_as_many_queries_for_one_body_as_for_several(
    client, ministry, agency, district, sibling, ministry_supervisor, settings
):
    settings.LANGUAGE_CODE = "en"
    settings.DASHBOARD = {**settings.DASHBOARD, "LIVE_CACHE_SECONDS": 0, "HISTORY_CACHE_SECONDS": 0}
    _model()
    client.force_login(ministry_supervisor)
    url = reverse("appeals:dashboard") + f"?agency={ministry.pk}"
    _event(agency, EventKind.REDIRECTED, timezone.now() - timedelta(days=1))
    client.get(url)  # warm the per-process caches (calendar, rosters)
    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    assert "Routing from the text" in page
    for body in (district, sibling):
        _event(body, EventKind.REDIRECTED, timezone.now() - timedelta(days=1))
    client.get(url)  # the side menu's counts, renewed by the events just written, are cached again
    with CaptureQueriesContext(connection) as three:
        page = client.get(url).content.decode()
    panel = page[page.index('id="routing-head"') :]
    panel = panel[: panel.index("</section>")]
    assert all(body.name in panel for body in (agency, district, sibling))
    assert len(three.captured_queries) == len(one.captured_queries)
