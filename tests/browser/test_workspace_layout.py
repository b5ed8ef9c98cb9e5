"""The appeal page holds its layout at 1366 and 1920 px in Kazakh and Russian (issue 16, point 4).

An answered appeal with rows in Notices (a long address, a long error), the rating form and the
Details panel: the page never scrolls sideways, no label runs into its value, the rating's button
is one line, and the status is shown once.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.choices import Role
from appeals.models import Notice
from appeals.models.choices import AppealStatus, NoticeKind, NoticeState, Outcome

from ..conftest import member
from ..factories import AppealFactory
from .steps import LABEL_OVERLAPS, NO_SIDEWAYS_SCROLL, shot, sign_in, switch_language

pytestmark = pytest.mark.django_db(transaction=True)

LONG_ADDRESS = "very.long.address.of.a.citizen@example-mail-provider-of-the-region.kz"


@pytest.fixture
def answered_appeal(agency):
    executor = member(agency, Role.EXECUTOR, username="olga", first_name="Ольга", last_name="Петренко")
    appeal = AppealFactory(
        agency=agency,
        assignee=executor,
        registered_by=executor,
        subject="Не работает светофор на перекрёстке",
        status=AppealStatus.ANSWERED,
        outcome=Outcome.EXPLAINED,
        resolved_at=timezone.now(),
        applicant_email=LONG_ADDRESS,
    )
    Notice.objects.create(
        appeal=appeal, kind=NoticeKind.ANSWER, email=LONG_ADDRESS, due_date=appeal.due_date, state=NoticeState.PENDING
    )
    Notice.objects.create(
        appeal=appeal,
        kind=NoticeKind.ASSIGNED,
        user=executor,
        due_date=appeal.due_date,
        state=NoticeState.FAILED,
        last_error=f"SMTPRecipientsRefused: {{'{LONG_ADDRESS}': (550, b'5.1.1 mailbox unavailable')}}",
    )
    Notice.objects.create(
        appeal=appeal, kind=NoticeKind.RECEIPT, email=LONG_ADDRESS, due_date=appeal.due_date, state=NoticeState.SENT
    )
    return appeal


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("width", [1366, 1920])
def test_the_appeal_page_fits_the_window_and_labels_keep_clear_of_values(
    live_server, browser, answered_appeal, language, width
):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ru-RU")
    page = context.new_page()
    sign_in(page, live_server, "olga")
    switch_language(page, language)
    page.click("nav.sidebar a[href$='queue=all']")
    page.click(f"a.rowlink:text('{answered_appeal.number}')")
    expect(page.locator("#workspace h1")).to_have_text("Не работает светофор на перекрёстке")
    expect(page.locator(".notices tbody tr")).to_have_count(3)

    assert page.evaluate(NO_SIDEWAYS_SCROLL), page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert page.evaluate(LABEL_OVERLAPS) == []
    # The rating's button reads on one line (it was one letter per line).
    button = page.locator("dd[data-rating] button").bounding_box()
    line_height = page.locator("#workspace h2").first.bounding_box()["height"]
    assert button["width"] > button["height"]
    assert button["height"] < 2 * line_height
    # The status is shown once, not repeated as plain text beside its badge.
    status = page.locator("#workspace .ws-number .status").text_content().strip()
    assert page.locator("#workspace .ws-number").inner_text().count(status) == 1
    if width == 1366:
        shot(page, f"workspace-{language}-1366")
    context.close()
