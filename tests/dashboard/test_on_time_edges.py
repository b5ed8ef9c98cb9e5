"""Closed on time means resolved on or before the statutory due date, in Almaty's calendar: the due day
itself counts, the next day does not (worked out by hand; the `march` fixture had no answer on its due day)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from appeals.models.choices import AppealStatus, Outcome

from ..factories import AppealFactory
from .conftest import at, queue_count

pytestmark = pytest.mark.django_db

DUE = date(2026, 4, 10)  # a Friday
APRIL = {"period": "custom", "start": "2026-04-01", "end": "2026-04-14"}


def answered(agency, resolved, number):
    return AppealFactory(
        agency=agency,
        number=f"ONTIME-{number}",
        registered_at=at(2026, 3, 19),
        due_date=DUE,
        original_due_date=DUE,
        status=AppealStatus.ANSWERED,
        outcome=Outcome.EXPLAINED,
        resolved_at=resolved,
    )


@pytest.fixture
def answers(frozen, agency):
    return {
        "day before": answered(agency, at(2026, 4, 9, 17), 1),  # on time
        "due day, morning": answered(agency, at(2026, 4, 10, 9), 2),  # on time
        "due day, 23:30": answered(agency, at(2026, 4, 10, 23, 30), 3),  # on time (18:30 UTC)
        # 00:30 on Saturday in Almaty is still Friday 10 April (19:30) in UTC: late all the same.
        "day after, 00:30": answered(agency, at(2026, 4, 11, 0, 30), 4),
        "next working day": answered(agency, at(2026, 4, 13, 10), 5),  # late
    }


def test_the_due_day_counts_as_on_time_and_the_day_after_does_not(client, supervisor, answers):
    client.force_login(supervisor)
    response = client.get(reverse("appeals:dashboard"), APRIL)
    assert response.status_code == 200
    values = response.context["total"].values
    # 5 closed; on time: the day before and both answers on the due day (3 of 5 = 60 %).
    assert (values["closed"], values["closed_on_time"], values["on_time_pct"]) == (5, 3, 60.0)


@pytest.mark.parametrize(
    ("value", "numbers"),
    [("true", {"ONTIME-1", "ONTIME-2", "ONTIME-3"}), ("false", {"ONTIME-4", "ONTIME-5"})],
)
def test_the_on_time_filter_draws_the_same_line(client, supervisor, answers, value, numbers):
    assert queue_count(supervisor, f"/appeals/?queue=all&on_time={value}") == len(numbers)
    client.force_login(supervisor)
    page = client.get(f"/appeals/?queue=all&on_time={value}").content.decode()
    assert {n for n in (f"ONTIME-{i}" for i in range(1, 6)) if n in page} == numbers
