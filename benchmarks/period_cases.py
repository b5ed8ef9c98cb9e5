"""The dashboard over longer periods and the widest tree: a quarter and a year for the labour ministry's head, a
month and a year for the whole country's (the root of the national tree). Whole months of a period are read
from the monthly roll-ups, so a year costs about what a month does.
"""

from __future__ import annotations

from .listening_cases import ROOT_SUPERVISOR
from .report import case

DASHBOARD_TARGET_MS = 300


def dashboard_period_cases(repeat: int, warmup: int) -> list[dict]:
    from django.urls import reverse

    from appeals.datasets import national

    from .cases import client_for, measure

    url = reverse("appeals:dashboard")
    target = f"p95 ≤ {DASHBOARD_TARGET_MS} ms"
    rows = []
    for name, username, period in (
        ("Ministry dashboard, quarter", national.BENCH_MINISTRY_SUPERVISOR, "quarter"),
        ("Ministry dashboard, year", national.BENCH_MINISTRY_SUPERVISOR, "year"),
        ("Whole country's dashboard, month", ROOT_SUPERVISOR, "month"),
        ("Whole country's dashboard, year", ROOT_SUPERVISOR, "year"),
    ):
        samples, queries = measure(client_for(username), f"{url}?period={period}", repeat=repeat, warmup=warmup)
        rows.append(case(name, samples_ms=samples, queries=queries, target=target, limit_ms=DASHBOARD_TARGET_MS))
    return rows
