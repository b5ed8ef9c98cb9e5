"""The listening cases of `make bench`: the signals a supervisor reads, and the cost of matter matching.

- **Signals**: `GET /api/v1/signals/` as the labour ministry's head (20 regional departments) for a month and a
  year, and as the whole country's (the Presidential Administration at the root of the national tree) for a
  month. Target: a ministry's signals at a million appeals in under 300 ms (p95).
- **Matter matching**: what the Celery task of one intake does (`appeals_match` of one appeal: its applicant's
  earlier appeals in the window read and compared), timed for appeals of the last month whose applicant wrote
  before. Target: at most +10 ms on an intake. The links it makes are rolled back, so the dataset stays as
  seeded.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appeals.datasets import national
from appeals.listening.matching import appeals_match
from appeals.models import Appeal

from .report import case

SIGNALS_TARGET_MS = 300
MATCH_TARGET_MS = 10
EARLIER = 5  # earlier appeals of each probed applicant
ROOT_SUPERVISOR = f"{national.USER_PREFIX}root.1"  # the first staff member of the root is its supervisor


def signals_cases(repeat: int, warmup: int) -> list[dict]:
    from .cases import _page_case, client_for

    url = reverse("api:signals")
    target = f"p95 ≤ {SIGNALS_TARGET_MS} ms"
    rows = []
    for key, name, username, period in (
        ("signals-ministry-month", "Signals API, ministry, month", national.BENCH_MINISTRY_SUPERVISOR, "month"),
        ("signals-ministry-year", "Signals API, ministry, year", national.BENCH_MINISTRY_SUPERVISOR, "year"),
        ("signals-country-month", "Signals API, whole country, month", ROOT_SUPERVISOR, "month"),
    ):
        client = client_for(username)
        rows.append(_page_case(name, client, f"{url}?period={period}", repeat, warmup, SIGNALS_TARGET_MS, target,
                               key=key))  # fmt: skip
    return rows


def _probes(count: int, earlier: int) -> list[int]:
    """`count` appeals of the last 30 days, each given `earlier` earlier appeals of its applicant in the window.

    The national dataset's applicants write once each; a citizen who writes again has a history, so each
    probe's applicant key is put on `earlier` random appeals of the previous eleven months (inside the
    caller's transaction, rolled back with it): matching then reads and compares a real history.
    """
    now = timezone.now()
    rng = random.Random(15)  # noqa: S311 - which appeals are probed, repeatable
    recent = list(
        Appeal.objects.filter(registered_at__gte=now - timedelta(days=30))
        .exclude(applicant_key="")
        .order_by("pk")
        .values_list("pk", "applicant_key")[: count * 20]
    )
    older = list(
        Appeal.objects.filter(registered_at__lt=now - timedelta(days=31), registered_at__gte=now - timedelta(days=330))
        .order_by("pk")
        .values_list("pk", flat=True)[: count * earlier * 20]
    )
    probes = rng.sample(recent, count)
    history = rng.sample(older, count * earlier)
    for n, (_pk, key) in enumerate(probes):
        Appeal.objects.filter(pk__in=history[n * earlier : (n + 1) * earlier]).update(applicant_key=key)
    return [pk for pk, _key in probes]


def matching_cases(repeat: int, warmup: int) -> list[dict]:
    probes = max(100, repeat * 5)
    samples, linked = [], 0
    with transaction.atomic():
        ids = _probes(probes + warmup, EARLIER)
        for pk in ids[:warmup]:
            appeals_match(appeal_ids=[pk])
        with CaptureQueriesContext(connection) as queries:
            appeals_match(appeal_ids=[ids[warmup]])
        for pk in ids[warmup:]:
            started = time.perf_counter()
            report = appeals_match(appeal_ids=[pk])
            samples.append((time.perf_counter() - started) * 1000)
            linked += len(report.linked)
        transaction.set_rollback(True)  # the links made here are not the dataset's
    return [
        case(
            "Matter matching of one intake (Celery task)",
            samples_ms=samples,
            queries=len(queries.captured_queries),
            target=f"p95 ≤ {MATCH_TARGET_MS} ms",
            limit_ms=MATCH_TARGET_MS,
            note=(
                f"{len(samples)} appeals of the last 30 days, each applicant with {EARLIER} earlier appeals in the "
                f"window; {linked} links found (rolled back)"
            ),
        )
    ]
