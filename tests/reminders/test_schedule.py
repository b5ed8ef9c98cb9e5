"""When reminders go out: day by day with time-machine, across weekends, holidays and a decree override.

Each day the scan runs twice: the first run sends that day's notices, the second sends nothing.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from agencies.choices import Role
from appeals import lifecycle
from appeals.calendar import overrides
from appeals.models import CalendarOverride, Notice
from appeals.models.choices import AppealStatus, NoticeKind, NoticeState
from appeals.reminders.scan import reminders_scan

from ..conftest import member
from ..factories import AppealFactory

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")


@pytest.fixture
def scan(django_capture_on_commit_callbacks):
    """Run the deadline scan (tasks inline, on commit) and return the emails it sent."""

    def run():
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            reminders_scan()
        return mail.outbox[before:]

    return run


def summary(messages):
    return sorted((m.to[0], m.extra_headers["X-Otinish-Notice"]) for m in messages)


def assigned_appeal(agency, executor, due, **extra):
    return AppealFactory(
        agency=agency,
        status=AppealStatus.IN_PROGRESS,
        assignee=executor,
        due_date=due,
        original_due_date=due,
        registered_at=datetime(2026, 1, 5, 10, tzinfo=ALMATY),
        **extra,
    )


EXECUTOR = "executor@example.kz"
SUPERVISOR = "supervisor@example.kz"
MINISTER = "minister@example.kz"


def test_assignee_is_reminded_3_and_1_days_before_on_the_due_day_and_each_working_day_overdue(
    travel, scan, agency, executor, supervisor, ministry_supervisor
):
    travel(date(2026, 2, 12))
    appeal = assigned_appeal(agency, executor, date(2026, 2, 18))  # a Wednesday
    days = [
        (date(2026, 2, 12), [], None),  # Thursday: 4 working days left
        (date(2026, 2, 13), [(EXECUTOR, "due_reminder")], "Осталось 3 рабочих дня"),  # Friday: Mon, Tue, Wed
        (date(2026, 2, 14), [], None),  # Saturday
        (date(2026, 2, 15), [], None),  # Sunday
        (date(2026, 2, 16), [], None),  # Monday: 2 left, the 3-day reminder went on Friday
        (date(2026, 2, 17), [(EXECUTOR, "due_reminder")], "Остался 1 рабочий день"),
        (date(2026, 2, 18), [(EXECUTOR, "due_reminder")], "18.02.2026"),
        # Thursday: overdue. The assignee's daily reminder, and the supervisors up the tree are told at once.
        (
            date(2026, 2, 19),
            [(EXECUTOR, "overdue_reminder"), (MINISTER, "escalated"), (SUPERVISOR, "escalated")],
            "Просрочено на 1 рабочий день",
        ),
        (date(2026, 2, 20), [(EXECUTOR, "overdue_reminder")], "Просрочено на 2 рабочих дня"),
        (date(2026, 2, 21), [], None),
        (date(2026, 2, 22), [], None),
        (date(2026, 2, 23), [(EXECUTOR, "overdue_reminder")], "Просрочено на 3 рабочих дня"),
    ]
    for day, expected, text in days:
        travel(day)
        sent = scan()
        assert summary(sent) == sorted(expected), day
        if text:
            reminder = next(m for m in sent if m.to == [EXECUTOR])
            assert text in reminder.body, (day, reminder.body)
            assert appeal.number in reminder.subject
        assert scan() == [], f"the second scan on {day} sent again"
    appeal.refresh_from_db()
    assert appeal.escalated_at is not None
    assert appeal.events.filter(kind="escalated", actor=None).count() == 1


def test_no_reminder_goes_out_on_public_holidays_and_the_count_skips_them(travel, scan, agency, executor, supervisor):
    # Nauryz 2026: Saturday 21 to Monday 23 March, with the weekend days carried over to Tuesday 24
    # and Wednesday 25. An appeal due Friday 27 March is 3 working days away on Thursday 19 March.
    travel(date(2026, 3, 18))
    due_27 = assigned_appeal(agency, executor, date(2026, 3, 27))
    due_20 = assigned_appeal(agency, executor, date(2026, 3, 20))
    days = [
        (date(2026, 3, 18), [(EXECUTOR, "due_reminder", due_20)]),  # 2 left for the 20th: its 3-day stage
        (date(2026, 3, 19), [(EXECUTOR, "due_reminder", due_27), (EXECUTOR, "due_reminder", due_20)]),
        (date(2026, 3, 20), [(EXECUTOR, "due_reminder", due_20)]),  # due today; the 27th: 2 left, done
        # The 20th is overdue from Saturday: its supervisor is told at once, but no daily reminder on days off.
        (date(2026, 3, 21), [(SUPERVISOR, "escalated", due_20)]),
        (date(2026, 3, 22), []),
        (date(2026, 3, 23), []),
        (date(2026, 3, 24), []),
        (date(2026, 3, 25), []),
        (date(2026, 3, 26), [(EXECUTOR, "due_reminder", due_27), (EXECUTOR, "overdue_reminder", due_20)]),
        (date(2026, 3, 27), [(EXECUTOR, "due_reminder", due_27), (EXECUTOR, "overdue_reminder", due_20)]),
    ]
    for day, expected in days:
        travel(day)
        sent = scan()
        got = sorted((m.to[0], m.extra_headers["X-Otinish-Notice"], m.extra_headers["X-Appeal-Number"]) for m in sent)
        assert got == sorted((to, kind, appeal.number) for to, kind, appeal in expected), day
        assert scan() == []
    # After the holidays the appeal due on the 20th is overdue by one working day (Thursday 26), not six.
    overdue = Notice.objects.get(
        appeal=due_20, kind=NoticeKind.OVERDUE_REMINDER, due_date=date(2026, 3, 20), days_left=-1
    )
    assert overdue.state == NoticeState.SENT
    assert Notice.objects.filter(appeal=due_20, kind=NoticeKind.OVERDUE_REMINDER).count() == 2


def test_a_decree_override_moves_the_reminders(travel, scan, agency, executor, admin_user):
    # The government moves a day off: Friday 16 October 2026 is off, Saturday 17 October is worked.
    travel(date(2026, 10, 1))
    overrides.calendar_override_save(override=CalendarOverride(date=date(2026, 10, 16), is_working_day=False))
    overrides.calendar_override_save(override=CalendarOverride(date=date(2026, 10, 17), is_working_day=True))
    appeal = assigned_appeal(agency, executor, date(2026, 10, 19))  # a Monday
    days = [
        (date(2026, 10, 14), ["due_reminder"]),  # Wednesday: Thursday, Saturday, Monday = 3 left
        (date(2026, 10, 15), []),  # 2 left
        (date(2026, 10, 16), []),  # a Friday made a day off: nothing, though the week says it is a working day
        (date(2026, 10, 17), ["due_reminder"]),  # a Saturday worked: 1 left
        (date(2026, 10, 18), []),
        (date(2026, 10, 19), ["due_reminder"]),  # due today
    ]
    for day, expected in days:
        travel(day)
        assert [m.extra_headers["X-Otinish-Notice"] for m in scan()] == expected, day
        assert scan() == []
    stages = sorted(Notice.objects.filter(appeal=appeal).values_list("days_left", flat=True))
    assert stages == [0, 1, 3]


def test_registrars_are_reminded_of_an_unassigned_appeal_before_the_redirect_limit(travel, scan, agency, registrar):
    travel(date(2026, 2, 9))  # Monday
    waiting = AppealFactory(agency=agency, registered_at=datetime(2026, 2, 9, 9, tzinfo=ALMATY))
    taken = AppealFactory(agency=agency, registered_at=datetime(2026, 2, 9, 9, tzinfo=ALMATY))
    other_registrar = member(agency, Role.REGISTRAR, username="registrar2", language="kk")
    executor = member(agency, Role.EXECUTOR, username="taker")
    lifecycle.appeal_take(appeal=taken, actor=executor)
    # The redirect limit is 3 working days after registration: Thursday 12 February.
    expected = {
        date(2026, 2, 9): [],
        date(2026, 2, 10): [],
        date(2026, 2, 11): [("registrar2@example.kz", "redirect_limit"), ("registrar@example.kz", "redirect_limit")],
        date(2026, 2, 12): [],  # the same reminder is not sent twice
        date(2026, 2, 13): [],  # the limit has passed
    }
    for day, wanted in expected.items():
        travel(day)
        sent = [m for m in scan() if m.extra_headers["X-Otinish-Notice"] == "redirect_limit"]
        assert summary(sent) == wanted, day
        assert all(m.extra_headers["X-Appeal-Number"] == waiting.number for m in sent)
    message = Notice.objects.get(user=other_registrar)
    assert message.state == NoticeState.SENT and message.appeal == waiting


def test_a_pending_reminder_is_dropped_when_the_appeal_gets_a_new_due_date_or_is_closed(
    travel, agency, executor, supervisor, django_capture_on_commit_callbacks
):
    from appeals.notices.outbox import notices_dispatch_pending

    travel(date(2026, 2, 17))
    extended = assigned_appeal(agency, executor, date(2026, 2, 18))
    answered = assigned_appeal(agency, executor, date(2026, 2, 18))
    kept = assigned_appeal(agency, executor, date(2026, 2, 18))
    with django_capture_on_commit_callbacks(execute=False):  # the broker never got them
        reminders_scan()
    assert Notice.objects.filter(state=NoticeState.PENDING).count() == 3
    lifecycle.appeal_grant_extension(appeal=extended, actor=supervisor, until=date(2026, 3, 2), reason="Site visit")
    lifecycle.appeal_save_response(appeal=answered, actor=executor, text="Ответ.")
    lifecycle.appeal_submit(appeal=answered, actor=executor)
    lifecycle.appeal_approve(appeal=answered, actor=supervisor, outcome="satisfied")
    travel(date(2026, 2, 17), hour=11)  # the catch-up, an hour later
    with django_capture_on_commit_callbacks(execute=True):
        notices_dispatch_pending()
    reminders = {n.appeal_id: n for n in Notice.objects.filter(kind=NoticeKind.DUE_REMINDER)}
    assert reminders[kept.pk].state == NoticeState.SENT
    assert reminders[extended.pk].state == NoticeState.DROPPED
    assert "new due date" in reminders[extended.pk].last_error
    assert reminders[answered.pk].state == NoticeState.DROPPED
    assert "closed" in reminders[answered.pk].last_error
    reminded = [m.extra_headers["X-Appeal-Number"] for m in mail.outbox if m.to == [EXECUTOR]]
    assert reminded == [kept.number]


def test_a_stale_reminder_is_dropped_for_the_newer_one_after_an_outage(travel, agency, executor, scan):
    from appeals.notices.outbox import notices_dispatch_pending

    travel(date(2026, 2, 13))  # Friday: the 3-day reminder is written, but the broker loses it
    appeal = assigned_appeal(agency, executor, date(2026, 2, 18))
    reminders_scan()
    travel(date(2026, 2, 17))  # the workers come back on Tuesday: 1 day left
    sent = scan()
    assert [m.body.count("Остался 1 рабочий день") for m in sent] == [1]
    assert notices_dispatch_pending() == 1  # the Friday one
    stale = Notice.objects.get(appeal=appeal, days_left=3)
    assert stale.state == NoticeState.DROPPED and "newer reminder" in stale.last_error
    assert len(mail.outbox) == 1
