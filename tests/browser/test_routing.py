"""Routing from the text in a real browser: the registrar types a leaking roof in Kazakh or Russian, sees the
category and the body to route to before choosing, and a click chooses it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from agencies.choices import Role
from appeals.models.choices import AppealStatus
from appeals.routing.services import router_train

from ..conftest import member
from ..factories import AppealFactory, CategoryFactory, CategoryRouteFactory
from ..routing.test_suggest import HISTORY
from .test_desk import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("language", "typed", "heading"),
    [
        ("kk", "шатыр ағып тұр, төбеден су тамады", "Өтінішті тіркеу"),
        ("ru", "течёт крыша, с потолка капает", "Зарегистрировать обращение"),
    ],
)
def test_a_registrar_sees_and_picks_the_suggested_category(live_server, browser, agency, language, typed, heading):

    categories = {code: CategoryFactory(code=code, name_ru=f"{code} ру", name_kk=f"{code} қаз") for code in HISTORY}
    CategoryRouteFactory(category=categories["housing"], region=agency.region, agency=agency)
    for code, texts in HISTORY.items():
        for n, text in enumerate(texts * 3):
            AppealFactory(
                agency=agency, category=categories[code], subject=text, text=f"{text} {n}", status=AppealStatus.CLOSED
            )
    router_train()
    member(agency, Role.REGISTRAR, username="dana", language=language)

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="kk-KZ" if language == "kk" else "ru-RU"
    )
    page = context.new_page()
    sign_in(page, live_server, "dana")
    page.goto(live_server.url + reverse("appeals:register"))
    expect(page.locator("h1")).to_have_text(heading)
    page.select_option("#id_region", agency.region)
    page.locator("#id_text").press_sequentially(typed, delay=10)
    first = page.locator("[data-suggest-category]").first
    expect(first).to_contain_text("housing")
    agency_name = agency.name_kk if language == "kk" else agency.name_ru
    expect(page.locator("#register-suggest")).to_contain_text(agency_name)
    first.click()
    expect(page.locator("#id_category")).to_have_value(str(categories["housing"].pk))
    expect(page.locator("#register-check")).to_contain_text(agency_name)
    context.close()
