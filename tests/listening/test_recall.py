"""Measured, not asserted: recall and precision of every signal kind, read from GET /api/v1/signals/.

A year of planted data (appeals.listening.planted, for several seeds) goes in through the history import (matter
matching included); a supervisor of the Presidential Administration reads the planted month. Pair kinds are
compared by (category, region); repeats and escalations by the appeals behind each signal, fetched from its
`appeals_url` (GET /api/v1/appeals/ with the queue's filters). Runs on SQLite and PostgreSQL; `-s` prints the
table.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from agencies.choices import Role
from agencies.models import Agency
from appeals.listening.imports import import_rows
from appeals.listening.planted import planted_rows, planted_tree

from ..conftest import member

pytestmark = pytest.mark.django_db
ALMATY = ZoneInfo("Asia/Almaty")
PAIR_KINDS = ("hotspot", "new", "long_standing", "channel_driven")
APPEAL_KINDS = ("repeat", "escalation")
THRESHOLD = 0.9


def appeal_numbers(client, url: str) -> set[str]:
    numbers: set[str] = set()
    path = f"{url}&page_size=200"
    while path:
        response = client.get(path)
        assert response.status_code == 200, response.content
        body = response.json()
        numbers.update(item["number"] for item in body["results"])
        nxt = body.get("next")
        path = f"{urlsplit(nxt).path}?{urlsplit(nxt).query}" if nxt else ""
    return numbers


def measure(client, body: dict, truth: dict) -> list[tuple]:
    found: dict[str, set] = {kind: set() for kind in (*PAIR_KINDS, *APPEAL_KINDS)}
    for signal in body["signals"]:
        kind = signal["kind"]
        if kind in PAIR_KINDS:
            found[kind].add((signal["category"]["code"], signal["place"]["region"]))
        elif kind in APPEAL_KINDS:
            found[kind] |= appeal_numbers(client, signal["appeals_url"])
    table = []
    for kind in (*PAIR_KINDS, *APPEAL_KINDS):
        planted, got = truth[kind], found[kind]
        hits = len(planted & got)
        recall = hits / len(planted) if planted else 1.0
        precision = hits / len(got) if got else (1.0 if not planted else 0.0)
        table.append((kind, len(planted), len(got), hits, recall, precision))
    return table


@pytest.mark.parametrize("seed", [15, 1, 2, 3, 4])
def test_every_signal_kind_is_found_with_recall_and_precision_of_at_least_0_9(client, seed):
    with time_machine.travel(datetime(2026, 7, 10, 12, tzinfo=ALMATY), tick=False):
        tree = planted_tree()
        planted = planted_rows(tree, seed=seed)
        report = import_rows(planted.rows)
        assert report.refused == [] and report.created == len(planted.rows)
        supervisor = member(Agency.objects.get(code=tree.top), Role.SUPERVISOR, username="pa-head")
        client.force_login(supervisor)
        response = client.get(
            reverse("api:signals"),
            {"agency": Agency.objects.get(code=tree.top).pk, "period": "month", "date": planted.period_date},
        )
        assert response.status_code == 200, response.content
        table = measure(client, response.json(), planted.truth)
    print(f"\nseed {seed}, {len(planted.rows)} rows; kind | planted | found | true positives | recall | precision")
    for kind, n_planted, n_found, hits, recall, precision in table:
        print(f"{kind} | {n_planted} | {n_found} | {hits} | {recall:.2f} | {precision:.2f}")
    for kind, _n, _f, _h, recall, precision in table:  # the signals engine's rules and matter matching's
        assert min(recall, precision) >= THRESHOLD, (kind, table)
