"""A complaint against an act goes up to the higher body with the case file within 3 working days; the higher
body reviews it within 20 working days. The forwarding clock mirrors the redirect's: a deadline, a late flag,
a reminder, shown on the workspace and in the timeline.

Dates counted by hand on the 2026 calendar: registered Monday 2 Feb -> to the higher body by Thursday 5 Feb.
"""

from datetime import date

import pytest

from appeals import lifecycle
from appeals.desk.presenters import timeline_entries
from appeals.lifecycle import ApplicantData
from appeals.models import Notice
from appeals.models.choices import EventKind, NoticeKind, NoticeState
from appeals.notices.outbox import notices_send
from appeals.reminders.scan import reminders_scan

from ..conftest import member

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 2, 2)
FORWARD_BY = date(2026, 2, 5)  # 3, 4, 5 February


def register(registrar, agency, kind="complaint"):
    return lifecycle.appeal_register(
        actor=registrar,
        agency=agency,
        kind=kind,
        channel="post",
        language="ru",
        region="astana",
        subject="Жалоба на отказ в выдаче справки",
        applicant=ApplicantData(name="Сейтқали Айгерім", email="aigerim@mail.kz"),
    )


def test_a_complaint_in_a_body_with_a_higher_body_has_three_working_days_to_go_up(travel, registrar, agency):
    travel(MONDAY)
    complaint = register(registrar, agency)
    assert complaint.forward_due_date == FORWARD_BY
    # Its own term is the review's 20 working days: 3-6 (4), 9-13 (9), 16-20 (14), 23-27 (19), 2 March (20).
    assert complaint.due_date == date(2026, 3, 2)
    assert complaint.events.get(kind=EventKind.REGISTERED).payload["forward_by"] == "2026-02-05"
    assert register(registrar, agency, kind="application").forward_due_date is None


def test_a_complaint_at_the_top_of_the_tree_is_reviewed_there(travel, ministry):
    travel(MONDAY)
    registrar = member(ministry, "registrar")
    assert register(registrar, ministry).forward_due_date is None


def test_the_forwarding_term_is_configurable(travel, registrar, agency, settings):
    settings.APPEAL_POLICY = {**settings.APPEAL_POLICY, "COMPLAINT_FORWARD_WORKING_DAYS": 5}
    travel(MONDAY)
    assert register(registrar, agency).forward_due_date == date(2026, 2, 9)  # 3-6 (4), Monday 9 (5)


def test_the_review_term_of_the_higher_body_is_configurable(travel, registrar, agency, settings):
    settings.APPEAL_POLICY = {**settings.APPEAL_POLICY, "WORKING_DAYS_BY_KIND": {"complaint": 10}}
    travel(MONDAY)
    assert register(registrar, agency).due_date == date(2026, 2, 16)  # 3-6 (4), 9-13 (9), 16 (10)


def test_sent_up_on_its_last_day_it_is_on_time_and_the_higher_body_reviews_it_in_20_working_days(
    travel, registrar, agency, ministry
):
    travel(MONDAY)
    complaint = register(registrar, agency)
    travel(FORWARD_BY, 17)
    above = lifecycle.appeal_redirect(appeal=complaint, to_agency=ministry, actor=registrar, reason="Жалоба на акт")

    event = complaint.events.get(kind=EventKind.REDIRECTED)
    assert event.payload["forwarded"] is True and event.payload["late"] is False
    assert event.payload["limit"] == "2026-02-05"
    assert above.agency == ministry and above.forward_due_date is None  # reviewed there, not sent further
    # 20 working days from Thursday 5 Feb: 6 (1), 9-13 (6), 16-20 (11), 23-27 (16), 2-5 March (20).
    assert above.due_date == date(2026, 3, 5)
    assert above.events.get().payload["forwarded_complaint"] is True


def test_sent_up_after_its_limit_it_is_recorded_late_and_the_timeline_says_so(
    travel, registrar, supervisor, agency, ministry
):
    travel(MONDAY)
    complaint = register(registrar, agency)
    travel(date(2026, 2, 6))
    lifecycle.appeal_redirect(appeal=complaint, to_agency=ministry, actor=registrar, reason="Жалоба на акт")

    event = complaint.events.get(kind=EventKind.REDIRECTED)
    assert event.payload["late"] is True
    [entry] = [e for e in timeline_entries(list(complaint.events.all())) if e.event.kind == EventKind.REDIRECTED]
    assert entry.warning == "Later than the limit for sending a complaint to the higher body (05.02.2026)."


def test_a_redirect_to_a_sibling_is_no_forwarding_and_the_clock_starts_there(travel, registrar, agency, sibling):
    travel(MONDAY)
    complaint = register(registrar, agency)
    travel(date(2026, 2, 3))
    there = lifecycle.appeal_redirect(appeal=complaint, to_agency=sibling, actor=registrar, reason="Не наш акт")
    assert "forwarded" not in complaint.events.get(kind=EventKind.REDIRECTED).payload
    assert there.forward_due_date == date(2026, 2, 6)  # registered Tuesday 3 Feb: 4, 5, 6


def test_the_workspace_shows_the_clock_and_then_the_late_flag(travel, client, registrar, supervisor, agency):
    travel(MONDAY)
    complaint = register(registrar, agency)

    travel(date(2026, 2, 4))
    client.force_login(supervisor)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert 'id="forward-clock"' in page and "05.02.2026" in page
    assert "deadline-soon" in page.split('id="forward-clock"')[0].rsplit("<span", 1)[1]

    travel(date(2026, 2, 6))
    client.force_login(supervisor)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "deadline-overdue" in page.split('id="forward-clock"')[0].rsplit("<span", 1)[1]


def test_the_registrars_and_the_assignee_are_reminded_once_the_day_before_the_limit(
    travel, registrar, supervisor, executor, agency, mailoutbox
):
    travel(MONDAY)
    complaint = register(registrar, agency)
    lifecycle.appeal_assign(appeal=complaint, executor=executor, actor=supervisor)
    other = register(registrar, agency, kind="application")

    travel(date(2026, 2, 3))  # 2 working days left: not yet
    reminders_scan()
    assert not Notice.objects.filter(kind=NoticeKind.COMPLAINT_FORWARD).exists()

    travel(date(2026, 2, 4))  # 1 working day left
    assert reminders_scan().complaint_forward == 2
    reminded = Notice.objects.filter(kind=NoticeKind.COMPLAINT_FORWARD)
    assert {(n.appeal_id, n.user_id) for n in reminded} == {(complaint.pk, registrar.pk), (complaint.pk, executor.pk)}
    assert other.pk not in {n.appeal_id for n in reminded}
    assert reminders_scan().complaint_forward == 0  # once
    travel(FORWARD_BY)
    assert reminders_scan().complaint_forward == 0  # the same complaint, the same due date: still once


def test_a_reminder_of_a_complaint_already_sent_up_is_dropped(travel, registrar, agency, ministry):
    travel(MONDAY)
    complaint = register(registrar, agency)
    travel(date(2026, 2, 4))
    reminders_scan()
    notice = Notice.objects.get(kind=NoticeKind.COMPLAINT_FORWARD)
    assert notice.state == NoticeState.PENDING
    lifecycle.appeal_redirect(appeal=complaint, to_agency=ministry, actor=registrar, reason="Жалоба на акт")
    assert notices_send(notice_ids=[notice.pk]).dropped == 1
    notice.refresh_from_db()
    assert notice.state == NoticeState.DROPPED


def test_the_reminder_email_names_the_limit(travel, registrar, agency, mailoutbox, django_capture_on_commit_callbacks):
    registrar.email = "registrar@gov.kz"
    registrar.language = "en"
    registrar.save()
    travel(MONDAY)
    complaint = register(registrar, agency)
    travel(date(2026, 2, 4))
    with django_capture_on_commit_callbacks(execute=True):
        reminders_scan()
    [message] = [m for m in mailoutbox if m.extra_headers.get("X-Otinish-Notice") == NoticeKind.COMPLAINT_FORWARD]
    assert message.to == ["registrar@gov.kz"]
    assert complaint.number in message.subject and "higher body" in message.subject
    assert "05.02.2026" in message.body and "1 working day left" in message.body


def test_the_dead_extension_notice_setting_is_gone_and_the_notice_is_written_with_the_extension(
    travel, registrar, supervisor, agency, settings
):
    assert "EXTENSION_NOTICE_WORKING_DAYS" not in settings.APPEAL_POLICY
    travel(MONDAY)
    appeal = register(registrar, agency, kind="application")
    lifecycle.appeal_grant_extension(appeal=appeal, actor=supervisor, until=date(2026, 3, 16), reason="Экспертиза")
    # The applicant's notice exists in the same transaction as the extension: sent at once, well within 3 days.
    assert Notice.objects.filter(appeal=appeal, kind=NoticeKind.EXTENSION).exists()


def test_an_inactive_registrar_is_not_reminded(travel, agency, registrar):
    member(agency, "registrar", is_active=False)
    travel(MONDAY)
    complaint = register(registrar, agency)
    travel(date(2026, 2, 4))
    reminders_scan()
    reminded = Notice.objects.filter(appeal=complaint, kind=NoticeKind.COMPLAINT_FORWARD)
    assert list(reminded.values_list("user_id", flat=True)) == [registrar.pk]
