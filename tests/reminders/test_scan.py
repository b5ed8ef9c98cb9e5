"""The deadline scan: what it reads, how it writes (in chunks, each its own transaction), and at what scale."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from appeals.access.selectors import appeals_due_for_reminder, appeals_to_escalate, notices_due_for_sending
from appeals.models import Appeal, Notice
from appeals.models.choices import AppealStatus, NoticeKind, NoticeState
from appeals.notices import outbox
from appeals.reminders.scan import reminders_scan

from ..factories import AppealFactory

ALMATY = ZoneInfo("Asia/Almaty")
TUESDAY = date(2026, 2, 17)


def make(agency, due, **extra):
    return AppealFactory(agency=agency, due_date=due, original_due_date=due, **extra)


@pytest.mark.django_db
def test_the_scan_reads_the_open_appeals_owed_a_reminder_or_an_escalation(travel, agency, executor, supervisor):
    now = travel(TUESDAY)
    assigned = {"status": AppealStatus.IN_PROGRESS, "assignee": executor}
    friday = make(agency, date(2026, 2, 20), **assigned)  # 3 working days
    monday = make(agency, date(2026, 2, 23), **assigned)  # 4 working days: not yet
    overdue = make(agency, date(2026, 2, 2))  # unassigned: nobody to remind, but to escalate
    make(agency, date(2026, 2, 2), status=AppealStatus.ANSWERED, assignee=executor)  # closed
    make(agency, date(2026, 2, 2), status=AppealStatus.REDIRECTED)
    nobody = make(agency, TUESDAY)  # due today, but nobody to remind
    today = make(agency, TUESDAY, **assigned)
    assert list(appeals_due_for_reminder(now=now)) == [today, friday]
    assert [a.reminder_stage for a in appeals_due_for_reminder(now=now)] == [0, 3]
    assert list(appeals_to_escalate(now=now)) == [overdue]
    # Once reminded and escalated, nothing is owed until the stage changes.
    reminders_scan(now=now)
    assert list(appeals_due_for_reminder(now=now)) == []
    assert list(appeals_to_escalate(now=now)) == []
    # On Wednesday the Monday appeal is 3 working days away (Thursday, Friday, Monday), the one due
    # on Tuesday is overdue, the Friday one (2 days left) had its 3-day reminder on Tuesday.
    wednesday = travel(date(2026, 2, 18))
    assert list(appeals_due_for_reminder(now=wednesday)) == [today, monday]
    assert list(appeals_to_escalate(now=wednesday)) == [nobody, today]
    # On a day off no reminder is owed.
    assert list(appeals_due_for_reminder(now=travel(date(2026, 2, 21)))) == []


@pytest.mark.django_db
def test_reminders_go_only_to_an_active_assignee_with_an_address(
    travel, agency, executor, executor2, django_capture_on_commit_callbacks
):
    travel(TUESDAY)
    executor2.is_active = False
    executor2.save()
    make(agency, TUESDAY)  # unassigned
    make(agency, TUESDAY, status=AppealStatus.IN_PROGRESS, assignee=executor2)
    kept = make(agency, TUESDAY, status=AppealStatus.IN_PROGRESS, assignee=executor)
    with django_capture_on_commit_callbacks(execute=True):
        result = reminders_scan()
    assert (result.appeals, result.reminders) == (1, 1)
    assert list(Notice.objects.values_list("appeal_id", "user_id", "state")) == [(kept.pk, executor.pk, "sent")]


@pytest.mark.django_db
def test_escalations_per_scan_are_capped_and_the_next_scan_does_the_rest(travel, agency, supervisor, settings):
    settings.NOTICE_OUTBOX = {**settings.NOTICE_OUTBOX, "ESCALATIONS_PER_SCAN": 2}
    travel(TUESDAY)
    appeals = [make(agency, date(2026, 2, 2)) for _ in range(3)]
    assert reminders_scan().escalated == 2
    assert reminders_scan().escalated == 1
    assert reminders_scan().escalated == 0
    assert Appeal.objects.filter(pk__in=[a.pk for a in appeals], escalated_at__isnull=False).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("n", [3, 40])
def test_the_scan_issues_the_same_queries_for_few_and_many_appeals(
    travel, agency, executor, registrar, n, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    travel(TUESDAY)
    for _ in range(n):
        make(agency, date(2026, 2, 18), status=AppealStatus.IN_PROGRESS, assignee=executor)
    with django_assert_max_num_queries(12), django_capture_on_commit_callbacks(execute=False):
        result = reminders_scan()
    assert result.reminders == n


@pytest.mark.django_db(transaction=True)
def test_ten_thousand_reminders_in_one_run_in_short_transactions_and_batches(travel, agency, executor, monkeypatch):
    """10 000 appeals due tomorrow: 10 000 reminders written, a chunk per transaction, handed over in batches."""
    now = travel(TUESDAY)
    due = date(2026, 2, 18)
    Appeal.objects.bulk_create(
        [
            Appeal(
                number=f"BULK-2026-{i:06d}",
                agency=agency,
                registered_at=now,
                kind="application",
                channel="portal",
                language="ru",
                region="astana",
                subject=f"Обращение {i}",
                status=AppealStatus.IN_PROGRESS,
                assignee=executor,
                due_date=due,
                original_due_date=due,
            )
            for i in range(10_000)
        ],
        batch_size=2000,
    )
    handed_over: list[tuple[int, bool, int]] = []  # (batch size, inside a transaction?, rows committed by then)

    def record(notice_ids):
        handed_over.append((len(notice_ids), connection.in_atomic_block, Notice.objects.count()))
        return len(notice_ids)

    monkeypatch.setattr(outbox, "notices_enqueue", record)
    result = reminders_scan()
    assert (result.appeals, result.reminders) == (10_000, 10_000)
    assert Notice.objects.filter(kind=NoticeKind.DUE_REMINDER, state=NoticeState.PENDING, days_left=1).count() == 10_000
    # Each chunk of 1000 appeals was committed on its own and handed over right after its commit.
    assert [committed for _size, _in_tx, committed in handed_over] == [1000 * k for k in range(1, 11)]
    assert not any(in_tx for _size, in_tx, _committed in handed_over)
    # The second run finds every reminder claimed: nothing written, nothing handed over.
    handed_over.clear()
    assert reminders_scan().reminders == 0
    assert handed_over == []
    assert Notice.objects.count() == 10_000


@pytest.mark.django_db
def test_the_scan_after_an_outage_sends_what_is_still_relevant(
    travel, agency, executor, django_capture_on_commit_callbacks
):
    """Nothing ran from Thursday to Tuesday: the next run sends the reminders of today's stage only."""
    travel(date(2026, 2, 12))
    soon = make(agency, date(2026, 2, 18), status=AppealStatus.IN_PROGRESS, assignee=executor)  # 1 left on Tuesday
    late = make(agency, date(2026, 2, 13), status=AppealStatus.IN_PROGRESS, assignee=executor)  # 2 overdue
    travel(TUESDAY)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_scan()
    stages = set(Notice.objects.filter(user=executor).values_list("appeal_id", "days_left", "state"))
    assert stages == {(soon.pk, 1, "sent"), (late.pk, -2, "sent")}


# --- The indexes the scan and the catch-up rely on (PostgreSQL's planner) --------------------------------
def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # Statistics of this test's own (near-empty) tables, not those an autovacuum took while another test's rows
        # were committed (transaction=True tests): the plan then depended on the order the tests ran in. ANALYZE is
        # part of the test's transaction, rolled back with it.
        cursor.execute("ANALYZE appeals_appeal, appeals_notice, agencies_user, agencies_membership")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_scans_are_served_by_partial_indexes(travel):
    from appeals.access.selectors import appeals_nearing_redirect_limit

    now = travel(TUESDAY)
    assert "appeal_open_due" in _plan(appeals_due_for_reminder(now=now)[:1000])
    since = datetime(2026, 2, 1, tzinfo=ALMATY)
    window = {"registered_from": since, "registered_before": now}
    # On a near-empty table the planner may take any index that bounds the window (the partial
    # appeal_unassigned_registered, 0009's appeal_unassigned_agency_due, a registration-date index); at a million
    # appeals it takes a partial one (BENCHMARKS.md). What must never happen is a scan of the whole table.
    plan = _plan(appeals_nearing_redirect_limit(**window))
    assert "Seq Scan on appeals_appeal" not in plan, plan
    assert "appeal_open_due" in _plan(appeals_to_escalate(now=now))
    assert "notice_pending_due" in _plan(notices_due_for_sending(now=now))
