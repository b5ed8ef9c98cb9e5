"""The language chosen on the sign-in page is the language of the desk afterwards, and next time (issue 16, point 3)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from agencies.choices import Role
from agencies.models import User

from ..conftest import member
from .steps import sign_in, switch_language

pytestmark = pytest.mark.django_db(transaction=True)

MENU = {"kk": "Менің өтініштерім", "ru": "Мои обращения"}
SIGN_IN = {"kk": "Кіру", "ru": "Войти"}


@pytest.mark.parametrize(("account", "chosen"), [("kk", "ru"), ("ru", "kk")])
def test_the_language_chosen_at_sign_in_wins_and_is_remembered(live_server, browser, agency, account, chosen):
    member(agency, Role.EXECUTOR, username="aruzhan", language=account)
    # The browser asks for the account's language, so the sign-in page opens in it; the employee picks the other.
    browser_locale = {"kk": "kk-KZ", "ru": "ru-RU"}[account]
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale=browser_locale)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    expect(page.locator("main h1")).to_have_text(SIGN_IN[account])
    switch_language(page, chosen)
    expect(page.locator("main h1")).to_have_text(SIGN_IN[chosen])
    page.fill("#id_username", "aruzhan")
    page.fill("#id_password", "pass-12345")
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", chosen)
    expect(page.locator("nav.sidebar")).to_contain_text(MENU[chosen])
    assert User.objects.get(username="aruzhan").language == chosen

    # Next time, in a fresh browser, without choosing: the desk remembers.
    context.close()
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale=browser_locale)
    page = context.new_page()
    sign_in(page, live_server, "aruzhan")
    expect(page.locator("html")).to_have_attribute("lang", chosen)
    expect(page.locator("nav.sidebar")).to_contain_text(MENU[chosen])
    context.close()
