"""The supervisor's dashboard in a real browser: the charts render, a bar leads to the queue behind it."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agencies.choices import Region, Role
from appeals.models.choices import AppealStatus, Channel, Outcome

from ..conftest import member
from ..factories import AgencyFactory, AppealFactory, CategoryFactory

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, username):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-12345")
    page.click("main button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture(autouse=True)
def _no_live_cache(settings):
    settings.DASHBOARD = {**settings.DASHBOARD, "LIVE_CACHE_SECONDS": 0, "HISTORY_CACHE_SECONDS": 0}


@pytest.fixture
def busy_department(agency):
    """Two months of appeals in a department and two districts, some answered late, a social-media wave."""
    rng = random.Random(5)
    districts = [
        agency,
        AgencyFactory(parent=agency, code="esil", name_ru="Акимат района Есиль", name_kk="Есіл ауданы әкімдігі"),
        AgencyFactory(parent=agency, code="saryarka", name_ru="Акимат района Сарыарка", name_kk="Сарыарқа әкімдігі"),
    ]
    categories = [
        CategoryFactory(code=code, name_ru=name, name_kk=name)
        for code, name in (("roads", "Дороги"), ("water", "Водоснабжение"), ("heat", "Отопление"), ("bus", "Транспорт"))
    ]
    now = timezone.now()
    for i in range(140):
        registered = now - timedelta(days=rng.randint(0, 62), hours=rng.randint(0, 8))
        answered = rng.random() < 0.6 and registered < now - timedelta(days=3)
        resolved = registered + timedelta(days=rng.randint(2, 30))
        answered = answered and resolved < now
        AppealFactory(
            agency=rng.choice(districts),
            category=rng.choice(categories),
            region=Region.ASTANA,
            channel=Channel.SOCIAL if i % 7 == 0 else Channel.PORTAL,
            registered_at=registered,
            status=AppealStatus.ANSWERED if answered else AppealStatus.IN_PROGRESS,
            outcome=Outcome.EXPLAINED if answered else "",
            resolved_at=resolved if answered else None,
            is_repeated=i % 11 == 0,
        )
    return districts


def test_the_supervisor_reads_the_charts_and_follows_a_bar_to_the_queue(
    live_server, page, agency, busy_department, screenshot
):
    member(agency, Role.SUPERVISOR, username="head", first_name="Айгерім", last_name="Темірханова")
    sign_in(page, live_server, "head")
    page.goto(live_server.url + reverse("appeals:list"))
    page.click("nav.sidebar a[href='/dashboard/']")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text("Департамент Астаны")
    expect(page.locator("svg.chart")).to_have_count(4)
    expect(page.locator(".kpi")).to_have_count(20)  # 19 figures and "taken over its head" (listening)
    expect(page.locator("#league .dash-table tbody tr")).to_have_count(3)
    screenshot("dashboard")

    # The tallest "received" bar of the weekly chart: its title says how many; the queue shows as many.
    bars = page.locator("svg.chart").first.locator("a")
    counts = []
    for i in range(bars.count()):
        title = bars.nth(i).locator("title").first.text_content()
        counts.append((int(title.rsplit(":", 1)[1]), i))
    expected, index = max(counts)
    assert expected > 0
    bars.nth(index).click()
    page.wait_for_load_state()
    assert "/appeals/?" in page.url
    expect(page.locator("table.queue tbody tr")).to_have_count(expected)
    screenshot("dashboard-drilldown")

    # The league table sorts by a column and exports.
    page.go_back()
    page.click("#league thead a:has-text('Закрыто'), #league thead th:nth-child(3) a")
    page.wait_for_load_state()
    assert "sort=" in page.url
    with page.expect_download() as download:
        page.click("#league a:has-text('XLSX')")
    assert download.value.suggested_filename.endswith(".xlsx")
