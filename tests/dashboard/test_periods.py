"""The period: week, month, quarter, year or custom; bad input is a form error, never a 500."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from appeals.dashboard.periods import period_for

pytestmark = pytest.mark.django_db
TODAY = date(2026, 4, 15)  # a Wednesday


@pytest.mark.parametrize(
    ("kind", "start", "end", "previous_start", "previous_end"),
    [
        ("week", date(2026, 4, 13), date(2026, 4, 15), date(2026, 4, 6), date(2026, 4, 8)),
        ("month", date(2026, 4, 1), date(2026, 4, 15), date(2026, 3, 1), date(2026, 3, 15)),
        ("quarter", date(2026, 4, 1), date(2026, 4, 15), date(2026, 1, 1), date(2026, 1, 15)),
        ("year", date(2026, 1, 1), date(2026, 4, 15), date(2025, 1, 1), date(2025, 4, 15)),
    ],
)
def test_a_running_period_is_compared_with_as_many_days_of_the_one_before(
    kind, start, end, previous_start, previous_end
):
    period = period_for(kind, today=TODAY)
    assert (period.start, period.end, period.previous_start, period.previous_end) == (
        start,
        end,
        previous_start,
        previous_end,
    )


def test_a_past_month_is_compared_with_the_whole_month_before():
    period = period_for("month", today=TODAY, anchor=date(2026, 3, 10))
    assert (period.start, period.end) == (date(2026, 3, 1), date(2026, 3, 31))
    assert (period.previous_start, period.previous_end) == (date(2026, 2, 1), date(2026, 2, 28))


def test_a_custom_period_is_compared_with_the_same_length_before():
    period = period_for("custom", today=TODAY, start=date(2026, 3, 10), end=date(2026, 3, 19))
    assert (period.previous_start, period.previous_end) == (date(2026, 2, 28), date(2026, 3, 9))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "custom", "start": "2026-03-20", "end": "2026-03-01"}, "cannot end before it starts"),
        ({"period": "custom", "start": "2026-03-01"}, "needs both dates"),
        ({"period": "custom", "start": "2026-02-30", "end": "2026-03-01"}, "valid date"),
        ({"period": "custom", "start": "garbage", "end": "x"}, "valid date"),
        ({"period": "custom", "start": "2020-01-01", "end": "2026-03-01"}, "at most three years"),
        ({"period": "custom", "start": "2026-01-01", "end": "2099-01-01"}, "between 2000 and today"),
        ({"period": "fortnight"}, "valid choice"),
        ({"period": "month", "date": "1999-12-31"}, "between 2000 and today"),
        ({"agency": "99999999999999999999999"}, "valid choice"),
    ],
)
def test_bad_period_input_is_a_form_error(client, supervisor, params, message, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(supervisor)
    response = client.get(reverse("appeals:dashboard"), params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "kpis" not in response.context
    assert message in response.content.decode()
    csv = client.get(reverse("appeals:dashboard_league_csv"), params, HTTP_ACCEPT_LANGUAGE="en")
    assert csv.status_code == 400
    printed = client.get(reverse("appeals:dashboard_league_print"), params, HTTP_ACCEPT_LANGUAGE="en")
    assert printed.status_code == 200 and message in printed.content.decode()


def test_the_errors_are_translated(client, supervisor):
    client.force_login(supervisor)
    supervisor.language = "ru"
    supervisor.save()
    response = client.get(
        reverse("appeals:dashboard"), {"period": "custom", "start": "2026-03-20", "end": "2026-03-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
