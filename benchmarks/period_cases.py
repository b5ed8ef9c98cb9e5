"""The dashboard over longer periods and the widest tree: a quarter and a year for the labour ministry's head, a
month and a year for the whole country's (the root of the national tree). Whole months of a period are read
from the monthly roll-ups, so a year costs about what a month does.

Targets (issue 20): a ministry's dashboard in 150 ms (p95) for any period, the whole country's in 300 ms. Each case
is a page case (`--profile dash-quarter`, `dash-year`, `country-month`, `country-year`).
"""

from __future__ import annotations

from .listening_cases import ROOT_SUPERVISOR

MINISTRY_TARGET_MS = 150
COUNTRY_TARGET_MS = 300


def dashboard_period_cases(repeat: int, warmup: int) -> list[dict]:
    from django.urls import reverse

    from appeals.datasets import national

    from .cases import _page_case, client_for

    url = reverse("appeals:dashboard")
    rows = []
    for key, name, username, period, limit in (
        ("dash-quarter", "Ministry dashboard, quarter", national.BENCH_MINISTRY_SUPERVISOR, "quarter",
         MINISTRY_TARGET_MS),
        ("dash-year", "Ministry dashboard, year", national.BENCH_MINISTRY_SUPERVISOR, "year", MINISTRY_TARGET_MS),
        ("country-month", "Whole country's dashboard, month", ROOT_SUPERVISOR, "month", COUNTRY_TARGET_MS),
        ("country-year", "Whole country's dashboard, year", ROOT_SUPERVISOR, "year", COUNTRY_TARGET_MS),
    ):  # fmt: skip
        client = client_for(username)
        rows.append(_page_case(name, client, f"{url}?period={period}", repeat, warmup, limit, f"p95 ≤ {limit} ms",
                               key=key))  # fmt: skip
    return rows
