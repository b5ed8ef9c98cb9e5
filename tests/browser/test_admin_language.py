"""The admin speaks one language: every app and model name in Kazakh or in Russian (issue 16, point 10).

The kk/ru texts come from locale/ (the lead compiles locale/pending/*.json): the app names of django-axes
and django-otp's TOTP plugin are ours (config/apps.py), their models' names are in our catalogues.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..factories import UserFactory
from .steps import sign_in, switch_language

pytestmark = pytest.mark.django_db(transaction=True)

# What the Kazakh admin showed: Russian fallbacks of third-party catalogues, English and raw labels.
SEEN_IN_KAZAKH = {"Логи доступа", "Ошибки доступа", "Попытки доступа", "Пользователи и группы"}


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_app_and_model_name_of_the_admin_is_in_the_chosen_language(live_server, browser, language):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    page = context.new_page()
    sign_in(page, live_server, "boss")
    switch_language(page, language)
    page.click("details.user-menu summary")
    page.click("details.user-menu a[href='/admin/']")
    expect(page.locator("#content-main")).to_be_visible()
    names = [t.strip() for t in page.locator("#content-main caption, #content-main th[scope=row]").all_text_contents()]
    assert names
    # No raw app labels ("Axes", "Otp_Totp") and no English but the acronym TOTP.
    latin = [n for n in names if re.search(r"[A-Za-z]", re.sub(r"\bTOTP\b", "", n))]
    assert latin == [], latin
    if language == "kk":
        assert SEEN_IN_KAZAKH.isdisjoint(names), sorted(SEEN_IN_KAZAKH & set(names))
    context.close()
