"""The desk in a real browser: an executor and a supervisor do a day's work; the main pages in Kazakh; no JavaScript.

Every test uses the live server (its own thread, committed data); Celery runs inline (tests/conftest.py),
so the applicant's email lands in django.core.mail.outbox.
"""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from agencies.choices import Role
from appeals.models import Appeal, AppealEvent, AppealResponse
from appeals.models.choices import AppealStatus, EventKind, ResponseStatus

from ..conftest import member
from ..factories import AppealFactory, CategoryFactory, CategoryRouteFactory, valid_iin

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def screenshot_dir() -> Path:
    """Screenshots of the pages land here (git-ignored) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def sign_in(page, live_server, username):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-12345")
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def act(page, selector):
    """Click a button of the workspace and wait until htmx has swapped a new workspace in."""
    page.evaluate("document.querySelector('#workspace').dataset.stale = '1'")
    page.click(selector)
    page.wait_for_function("() => { const w = document.querySelector('#workspace'); return w && !w.dataset.stale; }")


def test_executor_answers_and_supervisor_returns_then_approves(live_server, browser, agency, screenshot_dir):
    member(agency, Role.EXECUTOR, username="bauyrzhan", first_name="Бауыржан", last_name="Оспанов")
    member(agency, Role.SUPERVISOR, username="aigerim", first_name="Айгерім", last_name="Темірханова")
    appeal = AppealFactory(
        agency=agency,
        subject="Нет горячей воды в доме №5",
        text="Третью неделю в доме нет горячей воды. Прошу принять меры.",
        applicant_email="citizen@mail.kz",
    )
    AppealFactory(agency=agency, subject="Яма на дороге по улице Абая")

    # The executor: the unassigned queue, take the appeal, draft, submit.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    page = context.new_page()
    sign_in(page, live_server, "bauyrzhan")
    # Nothing is assigned to the executor yet: they land where their work is, the agency's unassigned appeals.
    assert "queue=unassigned" in page.url
    page.click("nav.sidebar a[href$='queue=unassigned']")
    expect(page.locator("h1")).to_have_text("Без исполнителя в моем органе")
    page.screenshot(path=screenshot_dir / "queue-ru.png", full_page=True)
    page.click(f"a.rowlink:text('{appeal.number}')")
    expect(page.locator("#workspace h1")).to_have_text("Нет горячей воды в доме №5")
    act(page, "form[action$='/take/'] button")
    expect(page.locator("#workspace .messages")).to_contain_text("Обращение взято Вами в работу.")
    page.fill("#id_draft_text", "Уважаемый заявитель! Подача горячей воды восстановлена 20 ноября.")
    page.select_option("#id_draft_outcome", "satisfied")
    act(page, "#response-editor button[type=submit]")
    expect(page.locator("#workspace .messages")).to_contain_text("Проект ответа сохранен.")
    page.screenshot(path=screenshot_dir / "workspace-ru-executor.png", full_page=True)
    act(page, ".submit-answer button")
    expect(page.locator("#workspace .messages")).to_contain_text("Ответ направлен на согласование.")
    expect(page.locator("#workspace .ws-number .status")).to_have_text("На согласовании")

    # The supervisor: awaiting approval, return it once.
    boss_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    boss = boss_context.new_page()
    sign_in(boss, live_server, "aigerim")
    assert "queue=approval" in boss.url
    expect(boss.locator("table.queue")).to_contain_text(appeal.number)
    boss.click(f"a.rowlink:text('{appeal.number}')")
    boss.fill("#id_return_comment", "Укажите, кто проверял подачу воды, и сошлитесь на акт.")
    act(boss, "form[action$='/return/'] button[type=submit]")
    expect(boss.locator("#workspace .messages")).to_contain_text("Ответ возвращен исполнителю на доработку.")

    # The executor reworks and submits again.
    page.reload()
    expect(page.locator("#response")).to_contain_text("Укажите, кто проверял подачу воды")
    page.fill("#id_draft_text", "Уважаемый заявитель! По акту проверки от 20 ноября подача горячей воды восстановлена.")
    act(page, "#response-editor button[type=submit]")
    act(page, ".submit-answer button")
    expect(page.locator("#workspace .messages")).to_contain_text("Ответ направлен на согласование.")

    # The supervisor approves and sends.
    boss.reload()
    boss.select_option("#id_approve_outcome", "satisfied")
    act(boss, "form[action$='/approve/'] button[type=submit]")
    expect(boss.locator("#workspace .messages")).to_contain_text("Ответ утвержден и отправлен заявителю.")
    expect(boss.locator("#workspace .ws-number .status")).to_have_text("Дан ответ")
    boss.screenshot(path=screenshot_dir / "workspace-ru-approved.png", full_page=True)

    # Every step is on the timeline, and the applicant got the answer.
    timeline = boss.locator("#timeline .timeline")
    for step in (
        "Зарегистрировано",
        "Взято в работу",
        "Подготовлен проект ответа",
        "Направлено на согласование",
        "Возвращено на доработку",
        "Утверждено и отправлено",
    ):
        expect(timeline).to_contain_text(step)
    kinds = list(AppealEvent.objects.filter(appeal=appeal).order_by("id").values_list("kind", flat=True))
    assert kinds == [
        EventKind.TAKEN,
        EventKind.RESPONSE_SAVED,
        EventKind.SUBMITTED,
        EventKind.RETURNED,
        EventKind.RESPONSE_SAVED,
        EventKind.SUBMITTED,
        EventKind.APPROVED,
    ]
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ANSWERED
    answer = AppealResponse.objects.get(appeal=appeal, kind="answer")
    assert answer.status == ResponseStatus.SENT and answer.return_count == 1
    sent = [m for m in mail.outbox if m.to == ["citizen@mail.kz"]]
    assert len(sent) == 1
    assert appeal.number in sent[0].subject
    assert "акту проверки" in sent[0].body and "трех месяцев" in sent[0].body
    context.close()
    boss_context.close()


def test_the_main_pages_in_kazakh(live_server, browser, agency, sibling, screenshot_dir):
    member(agency, Role.REGISTRAR, username="dana", first_name="Дана", last_name="Смағұлова", language="kk")
    member(agency, Role.EXECUTOR, username="executor_kk", language="kk")
    head = member(agency, Role.SUPERVISOR, username="head_kk", language="kk")
    category = CategoryFactory(code="utilities", name_ru="Коммунальные услуги", name_kk="Коммуналдық қызметтер")
    CategoryRouteFactory(category=category, region="astana", agency=agency)
    waiting = AppealFactory(
        agency=agency,
        language="kk",
        subject="Аулада су құбыры жарылды",
        status=AppealStatus.AWAITING_APPROVAL,
        applicant_iin=valid_iin(9),
        overdue=True,
    )
    AppealResponse.objects.create(
        appeal=waiting, text="Құрметті өтініш беруші! Құбыр жөнделді.", language="kk", status=ResponseStatus.SUBMITTED
    )
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="kk-KZ")
    page = context.new_page()

    # The registrar registers a paper appeal.
    sign_in(page, live_server, "dana")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    page.click("header a[href$='/appeals/new/']")
    expect(page.locator("h1")).to_have_text("Өтінішті тіркеу")
    page.fill("#id_applicant_name", "Сейтқали Айгерім")
    page.fill("#id_applicant_iin", "123")
    page.select_option("#id_category", str(category.pk))
    page.fill("#id_subject", "Жылу жоқ")
    expect(page.locator("#register-check")).to_contain_text("12 цифрдан")
    page.fill("#id_applicant_iin", valid_iin(10))
    page.fill("#id_text", "Пәтерде жылу жоқ, шара қолдануды сұраймын.")
    expect(page.locator("#register-check")).to_contain_text("ЖСН/БСН дұрыс.")
    page.screenshot(path=screenshot_dir / "register-kk.png", full_page=True)
    page.click(".register-side button.primary-action")
    page.wait_for_load_state()
    registered = Appeal.objects.get(subject="Жылу жоқ")
    expect(page.locator("#workspace .messages")).to_contain_text(f"{registered.number} нөмірімен тіркелді.")
    # The redirect picker finds an agency as the registrar types.
    page.click("#action-redirect summary")
    page.fill("#redirect-agency-q", "алматы")
    expect(page.locator("#redirect-options")).to_contain_text("Алматы департаменті")
    page.context.clear_cookies()

    # The supervisor: the approval queue and the workspace, in Kazakh.
    sign_in(page, live_server, "head_kk")
    expect(page.locator("h1")).to_have_text("Менің келісуімді күтуде")
    expect(page.locator("table.queue")).to_contain_text("жұмыс күніне өтті")
    page.screenshot(path=screenshot_dir / "queue-kk.png", full_page=True)
    # Keyboard: j focuses the first row's link, / the search box.
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.classList.contains('rowlink')")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.click(f"a.rowlink:text('{waiting.number}')")
    expect(page.locator("#workspace")).to_contain_text("Қарау барысы")
    expect(page.locator("#applicant")).not_to_contain_text(waiting.applicant_iin)
    act(page, "form.reveal button")
    expect(page.locator("#applicant")).to_contain_text(waiting.applicant_iin)
    expect(page.locator("#timeline")).to_contain_text("Дербес деректер ашылды")
    page.screenshot(path=screenshot_dir / "workspace-kk.png", full_page=True)
    assert AppealEvent.objects.filter(appeal=waiting, kind=EventKind.PERSONAL_DATA_REVEALED, actor=head).exists()
    context.close()


def test_the_desk_works_without_javascript(live_server, browser, agency, screenshot_dir):
    member(agency, Role.EXECUTOR, username="nojs")
    appeal = AppealFactory(agency=agency, subject="Шум в ночное время")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "nojs")
    page.click("nav.sidebar a[href$='queue=unassigned']")
    page.click(f"a.rowlink:text('{appeal.number}')")
    page.click("form[action$='/take/'] button")
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("Обращение взято Вами в работу.")
    page.click("#action-note summary")
    page.fill("#id_note_text", "Позвонил заявителю, договорились о выезде.")
    page.click("form[action$='/note/'] button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("#timeline")).to_contain_text("Позвонил заявителю")
    # The language switch has its own button when scripts are off.
    page.select_option("#language-switch", "kk")
    page.click("form.language-switch button")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    assert re.search(r"/appeals/\d+/", page.url)
    context.close()
