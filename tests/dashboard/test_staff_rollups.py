"""The staff table read from the executor roll-ups: the same numbers as the live reading, also after an
appeal changes hands, and a fixed number of queries whatever the number of executors."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.choices import Role
from appeals.dashboard.build import LeagueSort, dashboard_build
from appeals.dashboard.periods import period_for
from appeals.dashboard.rollups import rollups_rebuild
from appeals.lifecycle import appeal_assign, appeal_take
from appeals.models import (
    Appeal,
    AppealAssigneeDurationRollup,
    AppealAssigneeRollup,
    AppealDailyRollup,
    AppealDurationRollup,
    RollupDay,
)
from appeals.models.choices import AppealStatus, Outcome

from ..conftest import member
from ..factories import AppealFactory
from .conftest import MARCH, TODAY, at, queue_count

pytestmark = pytest.mark.django_db

URL = reverse("appeals:dashboard")


def staff_numbers(root, start=date(2026, 3, 1), end=date(2026, 4, 15)) -> dict:
    period = period_for("custom", today=TODAY, start=start, end=end)
    data = dashboard_build(root=root, period=period, today=TODAY, sort=LeagueSort())
    return {(row.user.username if row.user else None): row.values for row, _cells in data["staff_cells"]}


def forget_rollups() -> None:
    RollupDay.objects.all().delete()
    for model in (AppealDailyRollup, AppealDurationRollup, AppealAssigneeRollup, AppealAssigneeDurationRollup):
        model.objects.all().delete()


def executor_rows() -> list[tuple]:
    return sorted(
        AppealAssigneeRollup.objects.values_list(
            "day", "agency_id", "assignee_id", "received", "closed", "closed_on_time", "first_response_hours"
        ),
        key=str,
    )


def executor_durations() -> list[tuple]:
    return sorted(
        AppealAssigneeDurationRollup.objects.values_list("day", "assignee_id", "working_days", "count"), key=str
    )


def test_the_executor_roll_up_gives_the_same_staff_table_as_the_live_reading(march, ministry, agency):
    for root, start in ((agency, date(2026, 3, 1)), (agency, date(2026, 2, 1)), (ministry, date(2026, 3, 1))):
        live = staff_numbers(root, start=start)
        call_command("rebuild_rollups", "--since", "2025-09-01")
        assert AppealAssigneeRollup.objects.filter(agency=agency, day=date(2026, 3, 2)).exists()
        assert AppealAssigneeDurationRollup.objects.filter(agency=agency).exists()
        assert staff_numbers(root, start=start) == live
        forget_rollups()
    assert staff_numbers(agency)["executor"]["closed"] == 3  # A1 A2 A3: the hand-built month's answer


def test_rebuilding_twice_writes_the_same_executor_rows(march):
    call_command("rebuild_rollups", "--since", "2026-02-01", "--until", "2026-03-31")
    first = executor_rows()
    durations = executor_durations()
    assert first
    assert durations
    call_command("rebuild_rollups", "--since", "2026-02-01", "--until", "2026-03-31")
    assert executor_rows() == first
    assert executor_durations() == durations


def test_an_appeal_changing_hands_after_the_roll_up_takes_its_counts_along(
    client, march, agency, supervisor, executor, executor2
):
    call_command("rebuild_rollups", "--since", "2026-01-01")
    before = staff_numbers(agency)
    # A7 (received 16 March, extended 18 March) goes from executor2 to executor; E1 (received 1 March,
    # unassigned) is taken by executor2.
    appeal_assign(appeal=Appeal.objects.get(pk=march["A7"].pk), executor=executor, actor=supervisor)
    appeal_take(appeal=Appeal.objects.get(pk=march["E1"].pk), actor=executor2)
    after = staff_numbers(agency)
    assert after["executor"]["received"] == before["executor"]["received"] + 1
    assert after["executor"]["extensions"] == before["executor"]["extensions"] + 1
    assert after["executor2"]["received"] == before["executor2"]["received"]  # one out, one in
    assert after[None]["received"] == before[None]["received"] - 1
    forget_rollups()
    assert staff_numbers(agency) == after  # what the live reading says
    call_command("rebuild_rollups", "--since", "2026-01-01")
    assert staff_numbers(agency) == after

    client.force_login(supervisor)
    page = client.get(URL, MARCH)
    for row, cells in page.context["staff_cells"]:
        for cell in cells:
            if cell["url"] and cell["fmt"] == "int":
                assert queue_count(supervisor, cell["url"]) == row.values[cell["key"]], (row.label, cell["key"])


def test_the_staff_table_costs_the_same_queries_for_2_or_20_executors(client, frozen, agency, supervisor):
    def add_executors(first: int, last: int) -> None:
        for i in range(first, last):
            person = member(agency, Role.EXECUTOR, username=f"ex{i}")
            AppealFactory(
                agency=agency,
                assignee=person,
                category=None,  # no hotspot (its appeals would be listed): the same page but for the staff
                registered_at=at(2026, 4, 1),
                status=AppealStatus.ANSWERED,
                outcome=Outcome.EXPLAINED,
                resolved_at=at(2026, 4, 3),
            )
            # Today is read live.
            AppealFactory(agency=agency, assignee=person, category=None, registered_at=at(2026, 4, 15, 9))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"period": "month"})
        assert response.status_code == 200
        return len(captured.captured_queries), len(response.context["staff_cells"])

    client.force_login(supervisor)
    add_executors(0, 2)
    call_command("rebuild_rollups")
    few, rows = queries()
    assert rows == 2
    add_executors(2, 20)
    call_command("rebuild_rollups")
    many, rows = queries()
    assert rows == 20
    assert many == few


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_assignment_during_a_rebuild_waits_for_it_and_then_moves_the_counts(
    frozen, agency, supervisor, executor, executor2
):
    appeal = AppealFactory(
        agency=agency, assignee=executor2, status=AppealStatus.IN_PROGRESS, registered_at=at(2026, 4, 10)
    )
    rebuilt, release = threading.Event(), threading.Event()
    errors = []

    def rebuild():
        try:
            with transaction.atomic():  # the rebuild's rows (executor2's) stay uncommitted until released
                rollups_rebuild(start=date(2026, 4, 1))
                rebuilt.set()
                release.wait(30)
        except Exception as error:  # noqa: BLE001 - asserted below
            errors.append(error)
        finally:
            connection.close()

    def assign():
        try:
            appeal_assign(appeal=Appeal.objects.get(pk=appeal.pk), executor=executor, actor=supervisor)
        except Exception as error:  # noqa: BLE001 - asserted below
            errors.append(error)
        finally:
            connection.close()

    rebuilder = threading.Thread(target=rebuild)
    rebuilder.start()
    assert rebuilt.wait(30)
    assigner = threading.Thread(target=assign)
    assigner.start()
    # The assignment waits for the rebuild (whatever it waits on), then the rebuild commits.
    with connection.cursor() as cursor:
        for _attempt in range(300):
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.05)
        else:
            pytest.fail("the assignment did not wait for the rebuild")
    release.set()
    rebuilder.join()
    assigner.join()
    assert errors == []
    staff = staff_numbers(agency, start=date(2026, 4, 1))
    assert staff["executor"]["received"] == 1
    assert "executor2" not in staff  # nothing left behind with the previous executor
