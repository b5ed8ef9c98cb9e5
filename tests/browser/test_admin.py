"""An administrator signs in to the admin in a real browser and finds the demo's appeals."""

import pytest
from django.urls import reverse

from ..factories import AppealFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_administrator_signs_in_and_sees_the_appeals(live_server, page, screenshot, agency):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    appeal = AppealFactory(agency=agency, subject="Нет горячей воды")
    page.goto(live_server.url + reverse("admin:login"))
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pass-12345")
    page.click("input[type=submit]")
    page.goto(live_server.url + reverse("admin:appeals_appeal_changelist"))
    assert page.locator("#result_list").is_visible()
    assert page.get_by_text(appeal.number).is_visible()
    screenshot("admin-appeals")
