"""After an action: the menu counts follow at once, and an approval offers the next appeal of the queue
(issue 16, point 11)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from agencies.choices import Role
from appeals.models import AppealResponse
from appeals.models.choices import AppealStatus, ResponseStatus

from ..conftest import member
from ..factories import AppealFactory
from .steps import act, sign_in, switch_language

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_awaiting(agency):
    executor = member(agency, Role.EXECUTOR, username="olga", first_name="Ольга", last_name="Петренко")
    appeals = []
    for subject in ("Нет горячей воды", "Яма на дороге"):
        appeal = AppealFactory(agency=agency, assignee=executor, status=AppealStatus.AWAITING_APPROVAL, subject=subject)
        AppealResponse.objects.create(
            appeal=appeal,
            text="Ответ по существу",
            language="ru",
            outcome="explained",
            author=executor,
            status=ResponseStatus.SUBMITTED,
        )
        appeals.append(appeal)
    return appeals


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_approving_updates_the_menu_and_offers_the_next_appeal(live_server, browser, agency, two_awaiting, language):
    member(agency, Role.SUPERVISOR, username="head", first_name="Айгерім", last_name="Темірханова")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    page = context.new_page()
    sign_in(page, live_server, "head")
    switch_language(page, language)
    menu = page.locator("nav.sidebar a[href$='queue=approval'] .count")
    page.click("nav.sidebar a[href$='queue=approval']")
    expect(menu).to_have_text("2")
    first = page.locator("a.rowlink").first
    first_number = first.text_content().strip()
    first.click()
    expect(page.locator("#workspace .ws-number .mono")).to_have_text(first_number)

    act(page, "#response .approval.approve button[type=submit]")
    expect(page.locator("#workspace .messages .success")).to_be_visible()
    # The menu counts follow the action without reloading the page.
    expect(menu).to_have_text("1")
    # The next appeal of the same queue is offered.
    (other,) = [a for a in two_awaiting if a.number != first_number]
    link = page.locator("#workspace a.next-appeal-link")
    expect(link).to_contain_text(other.number)
    link.click()
    page.wait_for_load_state()
    expect(page.locator("#workspace .ws-number .mono")).to_have_text(other.number)
    context.close()
