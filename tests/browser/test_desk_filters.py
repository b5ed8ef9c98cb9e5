"""The queue's filters as an employee uses them, in Kazakh and in Russian (issue 16, points 1 and 6).

Filtering with htmx swaps only the results: the export links, the save-view form, the sort and the address
bar must follow every change all the same (and, without JavaScript, after the page reloads). The filter
panel stays folded, the active filters show as chips above the list, and a dashboard drill-down links back.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.choices import Role
from appeals.models import SavedView
from appeals.models.choices import AppealStatus

from ..conftest import member
from ..factories import AppealFactory
from .test_desk import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ["kk", "ru"]
# What the side menu calls the queue of every appeal the user can see (compiled translations).
ALL_QUEUE = {"kk": "Маған қолжетімді барлық өтініштер", "ru": "Все доступные мне обращения"}


@pytest.fixture
def desk(agency):
    """A supervisor's agency: three appeals in progress and two just registered."""
    executor = member(agency, Role.EXECUTOR, username="executor1", last_name="Оспанов", first_name="Бауыржан")
    working = [
        AppealFactory(agency=agency, status=AppealStatus.IN_PROGRESS, assignee=executor, subject=f"В работе {i}")
        for i in range(3)
    ]
    fresh = [AppealFactory(agency=agency, subject=f"Новое {i}") for i in range(2)]
    return {"working": working, "fresh": fresh}


def _context(browser, language, **kwargs):
    return browser.new_context(viewport={"width": 1366, "height": 800}, locale=f"{language}-KZ", **kwargs)


def _open_all_queue(page, language):
    page.click("nav.sidebar a[href$='queue=all']")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text(ALL_QUEUE[language])
    expect(page.locator("tbody tr[data-row]")).to_have_count(5)


def _filter_by_in_progress(page):
    """Open the panel, tick "In progress", apply."""
    page.click("#filter-panel summary")
    page.check("#filter-panel input[name=status][value=in_progress]")
    page.click("#filter-panel .panel-actions button")


@pytest.mark.parametrize("language", LANGUAGES)
def test_export_save_view_and_address_follow_filters_applied_with_javascript(
    live_server, browser, agency, desk, language
):
    member(agency, Role.SUPERVISOR, username="boss", language=language)
    context = _context(browser, language, accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server, "boss")
    expect(page.locator("html")).to_have_attribute("lang", language)
    _open_all_queue(page, language)
    expect(page.locator("#filter-panel")).not_to_have_attribute("open", "")

    _filter_by_in_progress(page)
    expect(page.locator("tbody tr[data-row]")).to_have_count(3)
    # The panel folds away, the filter shows as a chip, the address bar carries it.
    expect(page.locator("#filter-panel")).not_to_have_attribute("open", "")
    expect(page.locator(".chips .chip")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"status=in_progress"))
    # The export links carry the filter: the file holds the three appeals, not the five.
    expect(page.locator("#queue-export a").first).to_have_attribute("href", re.compile(r"status=in_progress"))
    with page.expect_download() as download:
        page.locator("#queue-export a").first.click()
    text = download.value.path().read_bytes().decode("utf-8-sig")
    for appeal in desk["working"]:
        assert appeal.number in text
    for appeal in desk["fresh"]:
        assert appeal.number not in text

    # Saving the filters as a view saves the filter, and the menu counts what the list shows.
    page.click(".save-view summary")
    page.fill(".save-view input[name=name]", "В работе")
    page.click(".save-view button[type=submit]")
    page.wait_for_load_state()
    view = SavedView.objects.get(name="В работе")
    assert "status=in_progress" in view.query
    expect(page.locator("nav.sidebar a[aria-current=page] .count")).to_have_text("3")
    expect(page.locator("tbody tr[data-row]")).to_have_count(3)

    # Sorting (htmx too) then searching keeps the sort in the filter form and the address bar.
    page.click("nav.sidebar a[href$='queue=all']")
    page.wait_for_load_state()
    _filter_by_in_progress(page)
    expect(page.locator("tbody tr[data-row]")).to_have_count(3)
    page.locator("thead a[href*='ordering=number'], thead a[href*='ordering=-number']").first.click()
    expect(page).to_have_url(re.compile(r"ordering=-?number"))
    expect(page.locator("#filter-ordering")).to_have_value(re.compile(r"^-?number$"))
    number = desk["working"][1].number
    page.fill("#id_q", number)
    expect(page.locator("tbody tr[data-row]")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"ordering=-?number"))
    expect(page.locator("#save-view-state input[name=query]")).to_have_value(re.compile(rf"q={number}"))

    # A chip's cross removes its filter (the status chip: the one whose link leaves the status out).
    expect(page.locator(".chips .chip")).to_have_count(2)
    page.locator(".chips .chip:not([href*='status=in_progress'])").click()
    page.wait_for_load_state()
    expect(page).not_to_have_url(re.compile(r"status=in_progress"))
    expect(page.locator(".chips .chip")).to_have_count(1)
    expect(page.locator("#filter-panel input[name=status][value=in_progress]")).not_to_be_checked()
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_export_and_save_view_follow_filters_without_javascript(live_server, browser, agency, desk, language):
    member(agency, Role.SUPERVISOR, username="boss", language=language)
    context = _context(browser, language, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "boss")
    _open_all_queue(page, language)
    _filter_by_in_progress(page)
    page.wait_for_load_state()
    expect(page.locator("tbody tr[data-row]")).to_have_count(3)
    expect(page.locator(".chips .chip")).to_have_count(1)
    for link in page.locator("#queue-export a").all():
        expect(link).to_have_attribute("href", re.compile(r"status=in_progress"))
    expect(page.locator("#save-view-state input[name=query]")).to_have_value(re.compile(r"status=in_progress"))
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_filter_panel_stays_folded_and_a_drill_down_links_back_to_the_dashboard(
    live_server, browser, agency, language
):
    member(agency, Role.SUPERVISOR, username="boss", language=language)
    late = AppealFactory(agency=agency, registered_at=timezone.now() - timedelta(days=45), subject="Просрочено")
    AppealFactory(agency=agency, subject="В срок")
    context = _context(browser, language)
    page = context.new_page()
    sign_in(page, live_server, "boss")
    page.click("nav.sidebar a[href='/dashboard/']")
    page.wait_for_load_state()
    page.click(".kpi[data-indicator=overdue] .kpi-value a")
    page.wait_for_load_state()
    expect(page.locator("tbody tr[data-row]")).to_have_count(1)
    expect(page.locator("table.queue")).to_contain_text(late.number)
    # The filters are chips above the list; the panel is folded, so the list starts in the first screen.
    expect(page.locator("#filter-panel")).not_to_have_attribute("open", "")
    expect(page.locator(".chips .chip:not([href*='overdue=true'])")).to_have_count(1)  # the "overdue" chip
    assert page.locator("table.queue").bounding_box()["y"] < 600
    # Where the list came from, and the way back.
    page.click(".drill-from a")
    page.wait_for_load_state()
    expect(page.locator(".kpi[data-indicator=overdue]")).to_be_visible()
    context.close()


# Whether the chosen option's text fits inside its select (room left for the arrow).
TEXT_FITS = """s => {
  const span = document.createElement("span");
  span.style.font = getComputedStyle(s).font;
  span.textContent = s.options[s.selectedIndex].text;
  document.body.appendChild(span);
  const width = span.getBoundingClientRect().width;
  span.remove();
  return width + 24 <= s.clientWidth;
}"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_panel_offers_checkboxes_one_empty_word_and_labelled_date_ranges(live_server, browser, agency, language):
    member(agency, Role.SUPERVISOR, username="boss", language=language)
    AppealFactory(agency=agency)
    context = _context(browser, language)
    page = context.new_page()
    sign_in(page, live_server, "boss")
    page.click("nav.sidebar a[href$='queue=all']")
    page.click("#filter-panel summary")
    panel = page.locator("#filter-panel")
    expect(panel.locator("select[multiple]")).to_have_count(0)
    expect(panel.locator("option", has_text="---------")).to_have_count(0)
    for date_input in panel.locator("input[type=date]").all():
        label = page.locator(f"label[for='{date_input.get_attribute('id')}']")
        expect(label).to_have_count(1)
    # "Any" fits its select ("Кез келген" was cut to "Кез кел").
    for select in panel.locator(".flags select").all():
        assert select.evaluate(TEXT_FITS), select.get_attribute("name")
    context.close()
