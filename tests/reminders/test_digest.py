"""The supervisors' daily digest: their subtree's appeals due soon or overdue, by agency and executor."""

from datetime import date

import pytest
from django.core import mail

from agencies.services import user_set_receive_digest
from appeals import lifecycle
from appeals.models import Notice
from appeals.models.choices import AppealStatus, NoticeKind, NoticeState
from appeals.reminders.digests import digests_send
from appeals.tasks import digests_send_task

from ..factories import AppealFactory

pytestmark = pytest.mark.django_db

TUESDAY = date(2026, 2, 17)


@pytest.fixture
def send_digests(django_capture_on_commit_callbacks):
    def run():
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            digests_send_task.delay()
        return mail.outbox[before:]

    return run


def make(agency, due, **extra):
    return AppealFactory(agency=agency, due_date=due, original_due_date=due, **extra)


@pytest.fixture
def workload(travel, agency, district, sibling, executor, executor2, district_executor):
    travel(TUESDAY)
    return {
        "overdue": make(agency, date(2026, 2, 13), status=AppealStatus.IN_PROGRESS, assignee=executor),
        "tomorrow": make(agency, date(2026, 2, 18), status=AppealStatus.IN_PROGRESS, assignee=executor2),
        "today_unassigned": make(agency, TUESDAY),
        "district": make(district, date(2026, 2, 18), status=AppealStatus.IN_PROGRESS, assignee=district_executor),
        "sibling": make(sibling, date(2026, 2, 16)),
        "later": make(agency, date(2026, 2, 20), status=AppealStatus.IN_PROGRESS, assignee=executor),
        "closed": make(agency, date(2026, 2, 13), status=AppealStatus.ANSWERED, assignee=executor),
    }


def test_each_supervisor_gets_their_subtree_grouped_by_agency_and_executor(
    workload, supervisor, ministry_supervisor, send_digests
):
    ministry_supervisor.language = "kk"
    ministry_supervisor.save()
    sent = {m.to[0]: m for m in send_digests()}
    assert set(sent) == {"supervisor@example.kz", "minister@example.kz"}

    body = sent["supervisor@example.kz"].body
    listed = {key for key, appeal in workload.items() if appeal.number in body}
    assert listed == {"overdue", "tomorrow", "today_unassigned", "district"}
    # By agency (the department, then its district), and within it by executor.
    order = [
        body.index("== Департамент Астаны =="),
        body.index(workload["overdue"].number),
        body.index(workload["tomorrow"].number),
        body.index("== Районный отдел =="),
        body.index(workload["district"].number),
    ]
    assert order == sorted(order)
    assert "Просрочено на 2 рабочих дня" in body  # Friday 13 -> Tuesday 17
    assert "Остался 1 рабочий день" in body
    assert f"http://127.0.0.1:8000/appeals/{workload['overdue'].pk}/" in body
    subject = sent["supervisor@example.kz"].subject
    assert "17.02.2026" in subject and "4" in subject
    html = sent["supervisor@example.kz"].alternatives[0][0]
    assert f'href="http://127.0.0.1:8000/appeals/{workload["district"].pk}/"' in html

    # The minister sees the whole ministry, in Kazakh.
    minister = sent["minister@example.kz"].body
    assert workload["sibling"].number in minister and workload["later"].number not in minister
    assert "Астана департаменті" in minister and "жұмыс күні қалды" in minister


def test_a_supervisor_who_switched_the_digest_off_gets_none_but_still_gets_overdue_notices(
    workload, supervisor, ministry_supervisor, send_digests, django_capture_on_commit_callbacks
):
    user_set_receive_digest(user=supervisor, receive_digest=False)
    assert [m.to[0] for m in send_digests()] == ["minister@example.kz"]
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.appeal_escalate(appeal=workload["overdue"], actor=None)
    escalated = sorted(m.to[0] for m in mail.outbox if m.extra_headers["X-Otinish-Notice"] == "escalated")
    assert escalated == ["minister@example.kz", "supervisor@example.kz"]


def test_one_digest_a_day_and_none_on_a_day_off(workload, supervisor, send_digests, travel):
    assert len(send_digests()) == 1
    assert send_digests() == []
    travel(date(2026, 2, 21))  # Saturday
    assert send_digests() == []
    travel(date(2026, 2, 23))  # Monday: a new day, a new digest
    assert len(send_digests()) == 1
    assert Notice.objects.filter(kind=NoticeKind.DIGEST, user=supervisor).count() == 2


def test_no_digest_when_nothing_is_due(travel, agency, supervisor, send_digests):
    travel(TUESDAY)
    make(agency, date(2026, 3, 2))
    assert send_digests() == []
    assert not Notice.objects.exists()


def test_a_digest_switched_off_or_emptied_before_it_goes_out_is_dropped(
    workload, supervisor, ministry_supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        assert digests_send() == 2
    user_set_receive_digest(user=supervisor, receive_digest=False)
    from appeals.notices.outbox import notices_send

    result = notices_send(notice_ids=list(Notice.objects.values_list("pk", flat=True)))
    assert (result.sent, result.dropped) == (1, 1)
    dropped = Notice.objects.get(user=supervisor)
    assert dropped.state == NoticeState.DROPPED and "switched the daily digest off" in dropped.last_error


def test_digests_share_one_smtp_connection_per_batch(workload, supervisor, ministry_supervisor, smtp, send_digests):
    send_digests()
    assert sorted(str(m["To"]) for m in smtp.messages) == ["minister@example.kz", "supervisor@example.kz"]
    assert len(smtp.sessions) == 1
    assert all(m.get_content_type() == "multipart/alternative" for m in smtp.messages)


def test_a_long_digest_lists_the_first_rows_and_says_how_many_more(workload, supervisor, settings, send_digests):
    settings.APPEAL_POLICY = {**settings.APPEAL_POLICY, "DIGEST_MAX_ROWS": 2}
    (message,) = send_digests()
    # The supervisor reads Russian (their account's language), with its plural form for 2.
    assert supervisor.language == "ru"
    assert "…и еще 2 обращения." in message.body
