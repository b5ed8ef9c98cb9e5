"""Queues where each role's work is, in Kazakh and in Russian (issue 16, points 2, 5 and 7).

A supervisor above the executing agency assigns its appeals (one by one, with a searchable list, and in
bulk, the executors grouped by agency); an executor finds the answered appeals they must close and the
answers returned to them; a top supervisor lands on the queue that holds work, not on an empty one.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.choices import Role
from appeals.models import Appeal, AppealResponse
from appeals.models.choices import AppealStatus, ResponseStatus

from ..conftest import member
from ..factories import AppealFactory
from .test_desk import act, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ["kk", "ru"]
OVERDUE = {"kk": "Мерзімі өткен", "ru": "Просрочено"}


def _context(browser, language, **kwargs):
    return browser.new_context(viewport={"width": 1366, "height": 800}, locale=f"{language}-KZ", **kwargs)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_top_supervisor_lands_on_the_overdue_appeals_when_nothing_awaits_approval(
    live_server, browser, ministry, agency, district, language
):
    member(ministry, Role.SUPERVISOR, username="minister", language=language)
    late = AppealFactory(agency=district, registered_at=timezone.now() - timedelta(days=45))
    context = _context(browser, language)
    page = context.new_page()
    sign_in(page, live_server, "minister")
    assert "queue=overdue" in page.url
    expect(page.locator("h1")).to_have_text(OVERDUE[language])
    expect(page.locator("table.queue")).to_contain_text(late.number)
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_executor_finds_the_appeals_to_close_and_the_answers_returned(live_server, browser, agency, language):
    executor = member(agency, Role.EXECUTOR, username="worker", language=language)
    open_one = AppealFactory(agency=agency, status=AppealStatus.IN_PROGRESS, assignee=executor)
    answered = AppealFactory(agency=agency, status=AppealStatus.ANSWERED, assignee=executor)
    returned = AppealFactory(agency=agency, status=AppealStatus.IN_PROGRESS, assignee=executor)
    AppealResponse.objects.create(
        appeal=returned, text="Ответ", language="ru", author=executor, status=ResponseStatus.RETURNED
    )
    context = _context(browser, language)
    page = context.new_page()
    sign_in(page, live_server, "worker")
    assert "queue=mine" in page.url
    expect(page.locator("tbody tr[data-row]")).to_have_count(2)

    # "Answered" cannot be among my open appeals: the queue says so rather than showing an empty list.
    page.click("#filter-panel summary")
    page.check("#filter-panel input[name=status][value=answered]")
    page.click("#filter-panel .panel-actions button")
    expect(page.locator(".cannot-match")).to_be_visible()
    expect(page.locator(".cannot-match a")).to_have_attribute("href", re.compile(r"queue=all"))
    with page.expect_navigation():
        page.click(".cannot-match a")
    expect(page.locator("table.queue")).to_contain_text(answered.number)

    # The queue of the executor's next steps: the answered appeal and the returned answer; its count is its list.
    next_step = page.locator("nav.sidebar a[href$='queue=next_step']")
    expect(next_step.locator(".count")).to_have_text("2")
    with page.expect_navigation():
        next_step.click()
    expect(page.locator("tbody tr[data-row]")).to_have_count(2)
    expect(page.locator("table.queue")).to_contain_text(answered.number)
    expect(page.locator("table.queue")).to_contain_text(returned.number)
    expect(page.locator("table.queue")).not_to_contain_text(open_one.number)

    with page.expect_navigation():
        page.click(f"a.rowlink:text('{answered.number}')")
    act(page, "form[action$='/close/'] button")
    answered.refresh_from_db()
    assert answered.status == AppealStatus.CLOSED
    with page.expect_navigation():
        page.click("nav.sidebar a[href$='queue=next_step']")
    expect(page.locator("tbody tr[data-row]")).to_have_count(1)
    expect(page.locator("nav.sidebar a[href$='queue=next_step'] .count")).to_have_text("1")
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_supervisor_above_the_agency_assigns_its_appeals(live_server, browser, ministry, agency, district, language):
    member(ministry, Role.SUPERVISOR, username="minister", language=language)
    member(agency, Role.EXECUTOR, username="e1", last_name="Оспанов", first_name="Бауыржан")
    chosen = member(agency, Role.EXECUTOR, username="e2", last_name="Иванова", first_name="Мария")
    local = member(district, Role.EXECUTOR, username="d1", last_name="Литвинов", first_name="Сергей")
    in_department = AppealFactory(agency=agency, subject="Департамент")
    in_district = AppealFactory(agency=district, subject="Район")
    own = AppealFactory(agency=ministry, subject="Министерство")
    context = _context(browser, language)
    page = context.new_page()
    sign_in(page, live_server, "minister")
    page.click("nav.sidebar a[href$='queue=tree']")
    page.wait_for_load_state()

    # One appeal: the department's executors, found by typing part of a name.
    page.click(f"a.rowlink:text('{in_department.number}')")
    page.click("#action-assign summary")
    page.fill("#id_assign_executor_q", "иван")
    expect(page.locator("#id_assign_executor option:not([hidden])")).to_have_count(2)  # "Choose…" and Иванова
    expect(page.locator("#id_assign_executor")).to_have_value(str(chosen.pk))
    act(page, "#action-assign button[type=submit]")
    in_department.refresh_from_db()
    assert in_department.assignee_id == chosen.pk

    # The ministry's own appeal: no executor there; the form says so instead of an empty list.
    page.goto(live_server.url + own.get_absolute_url())
    page.click("#action-assign summary")
    expect(page.locator("#action-assign .notice")).to_be_visible()
    expect(page.locator("#id_assign_executor")).to_have_count(0)

    # In bulk: the executors grouped by the agencies of the listed appeals.
    page.click("nav.sidebar a[href$='queue=tree']")
    page.wait_for_load_state()
    expect(
        page.locator(f"#bulk-executor optgroup[label='{district.name_kk if language == 'kk' else district.name_ru}']")
    ).to_have_count(1)
    page.check(f"tr:has(a.rowlink:text('{in_district.number}')) input[name=ids]")
    page.select_option("#bulk-executor", str(local.pk))
    page.click("#bulk button[value=assign]")
    page.wait_for_load_state()
    assert Appeal.objects.get(pk=in_district.pk).assignee_id == local.pk
    expect(page.locator(".messages")).to_be_visible()
    context.close()
