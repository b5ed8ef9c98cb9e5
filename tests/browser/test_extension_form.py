"""The extension form shows its allowed range before submitting, takes dd.mm.yyyy, and the request button goes
once a request is pending (issue 16, point 8)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.choices import Role
from appeals.calendar.workdays import get_calendar
from appeals.models import Appeal
from appeals.models.choices import AppealStatus

from ..conftest import member
from ..factories import AppealFactory
from .steps import act, sign_in, switch_language

pytestmark = pytest.mark.django_db(transaction=True)


def _two_months_after(day):
    """By hand: the same day number two months on (the policy's default of 2 months); no 31 February."""
    month, year = day.month + 2, day.year
    if month > 12:
        month, year = month - 12, year + 1
    for d in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@pytest.fixture
def appeal_in_progress(agency):
    executor = member(agency, Role.EXECUTOR, username="olga", first_name="Ольга", last_name="Петренко")
    cal = get_calendar()
    day = timezone.localdate() - timedelta(days=3)
    while not cal.is_working_day(day):  # registered on a working day: it counts from that very day
        day -= timedelta(days=1)
    registered = timezone.make_aware(datetime.combine(day, time(10, 0)))
    return AppealFactory(
        agency=agency, assignee=executor, status=AppealStatus.IN_PROGRESS, registered_at=registered, subject="Срок"
    )


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_executor_sees_the_range_requests_in_dd_mm_yyyy_and_the_button_goes(
    live_server, browser, appeal_in_progress, language
):
    appeal = appeal_in_progress
    limit = _two_months_after(timezone.localdate(appeal.registered_at))
    cal = get_calendar()
    wanted = appeal.due_date + timedelta(days=10)
    while not cal.is_working_day(wanted):
        wanted += timedelta(days=1)
    assert wanted <= limit

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    page = context.new_page()
    sign_in(page, live_server, "olga")
    switch_language(page, language)
    page.click("nav.sidebar a[href$='queue=all']")
    page.click(f"a.rowlink:text('{appeal.number}')")
    page.click("#action-request_extension summary")
    field = page.locator("#id_request_extension_until")
    help_text = page.locator("#action-request_extension .helptext").first
    # The range is on the form before anything is submitted, in dd.mm.yyyy.
    expect(help_text).to_contain_text(appeal.due_date.strftime("%d.%m.%Y"))
    expect(help_text).to_contain_text(limit.strftime("%d.%m.%Y"))
    # A text box in dd.mm.yyyy, not the browser's date picker (whose format follows the browser, e.g. mm/dd/yyyy).
    expect(field).to_have_attribute("type", "text")

    field.fill(wanted.strftime("%d.%m.%Y"))
    page.fill("#id_request_extension_reason", "Нужна экспертиза")
    act(page, "#action-request_extension button[type=submit]")
    expect(page.locator("#workspace .messages")).to_be_visible()
    assert Appeal.objects.get(pk=appeal.pk).extension_requested_until == wanted
    expect(page.locator("#workspace .facts").first).to_contain_text(wanted.strftime("%d.%m.%Y"))
    # One request at a time: the button is gone while it awaits the supervisor.
    expect(page.locator("#action-request_extension")).to_have_count(0)
    context.close()
