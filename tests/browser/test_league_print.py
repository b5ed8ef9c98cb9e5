"""The dashboard's league table fits its panel, prints on A4 landscape, and its charts count in whole numbers
in the active language's number format (issue 16, points 9 and 10)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.choices import Region, Role
from appeals.models.choices import AppealStatus, Outcome

from ..conftest import member
from ..factories import AgencyFactory, AppealFactory
from .steps import NO_SIDEWAYS_SCROLL, shot, sign_in, switch_language

pytestmark = pytest.mark.django_db(transaction=True)

# A4 landscape less 10 mm margins each side: 277 mm at 96 CSS px per inch.
A4_LANDSCAPE_PX = round(277 / 25.4 * 96)

WITHIN_PANEL = """() => {
  const wrap = document.querySelector('#league .dash-table-wrap'), panel = document.querySelector('#league');
  const w = wrap.getBoundingClientRect(), p = panel.getBoundingClientRect();
  return w.left >= p.left && w.right <= p.right;
}"""


@pytest.fixture(autouse=True)
def _no_live_cache(settings):
    settings.DASHBOARD = {**settings.DASHBOARD, "LIVE_CACHE_SECONDS": 0, "HISTORY_CACHE_SECONDS": 0}


@pytest.fixture
def department(agency):
    """Five appeals this week in the department and a district; three answered on time."""
    district = AgencyFactory(parent=agency, code="esil", name_ru="Акимат района Есиль", name_kk="Есіл ауданы әкімдігі")
    now = timezone.now()
    for i in range(5):
        answered = i < 3
        AppealFactory(
            agency=agency if i % 2 else district,
            region=Region.ASTANA,
            registered_at=now - timedelta(hours=2 + i),
            status=AppealStatus.ANSWERED if answered else AppealStatus.IN_PROGRESS,
            outcome=Outcome.EXPLAINED if answered else "",
            resolved_at=now - timedelta(hours=1) if answered else None,
        )
    return agency


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_league_table_fits_and_prints_on_a4(live_server, browser, department, language):
    member(department, Role.SUPERVISOR, username="head", first_name="Айгерім", last_name="Темірханова")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    page = context.new_page()
    sign_in(page, live_server, "head")
    switch_language(page, language)
    page.click("nav.sidebar a[href='/dashboard/']")
    page.wait_for_load_state()
    expect(page.locator("#league .dash-table tbody tr")).to_have_count(2)

    # On screen: the page does not scroll sideways; the table scrolls inside its own panel.
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert page.evaluate(WITHIN_PANEL)
    last = page.locator("#league thead th").last
    last.scroll_into_view_if_needed()
    box, wrap = last.bounding_box(), page.locator("#league .dash-table-wrap").bounding_box()
    assert wrap["x"] <= box["x"] and box["x"] + box["width"] <= wrap["x"] + wrap["width"] + 1

    # Charts of counts tick at whole numbers; numbers use the decimal comma of kk and ru.
    for chart in ("svg.chart >> nth=0", "svg.chart >> nth=2"):
        labels = page.locator(chart).locator("text.tick").all_text_contents()
        assert len(labels) >= 2 and all(re.fullmatch(r"\d+", t) for t in labels), labels
    kpis = " ".join(page.locator(".kpi-value").all_text_contents())
    assert "100,0" in kpis and not re.search(r"\d\.\d", kpis), kpis
    shot(page, f"dashboard-{language}-1366")

    # The print page: a Print button, and on A4 landscape every column is on the paper.
    page.click("#league a[href*='/dashboard/league/print/']")
    page.wait_for_load_state()
    expect(page.locator(".dash-table tbody tr")).to_have_count(2)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, f"league-print-{language}-1366")
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    page.click("button[data-print]")
    assert page.evaluate("() => window.printed === true")
    page.set_viewport_size({"width": A4_LANDSCAPE_PX, "height": 740})
    page.emulate_media(media="print")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate("() => document.documentElement.scrollWidth")
    right = page.locator(".dash-table thead th").last.bounding_box()
    assert right["x"] + right["width"] <= A4_LANDSCAPE_PX
    context.close()
