"""The dashboard shows the same figures after its speed-ups (issue 20) as before them.

The demo (`seed_demo`: its appeals and its planted year of patterns) is loaded on a fixed day, its history is
rolled up except one day of the last weeks (read live, as a day the nightly task has not built), and the
dashboard, its league table's CSV and the signals API are read for several supervisors, periods, sorts and
both languages. What a user reads there (every text and every link of the page's content, every cell of the
CSV, the API's JSON) is compared with `figures_snapshot.json`, which the code before the speed-ups wrote.
Database ids are written as what they stand for (agency and category codes, usernames, appeal numbers), so the
snapshot holds on SQLite and PostgreSQL alike.

After a deliberate change of what the dashboard shows, write the snapshot again and review its diff:
    FIGURES_SNAPSHOT_WRITE=1 .venv/bin/python -m pytest -n 0 tests/dashboard/test_figures_unchanged.py
"""

from __future__ import annotations

import json
import os
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from agencies.models import Agency, Category, User
from appeals.dashboard.rollups import rollups_rebuild
from appeals.datasets import demo
from appeals.models import Appeal, RollupDay

pytestmark = pytest.mark.django_db

SNAPSHOT = Path(__file__).with_name("figures_snapshot.json")
NOW = datetime(2026, 12, 9, 15, tzinfo=ZoneInfo("Asia/Almaty"))
NOT_BUILT = date(2026, 11, 24)  # a day of the last weeks read live (RollupDay removed)

# (supervisor, query): the demo's heads of the root, a ministry, a region and a district.
CASES = [
    ("pa.head", {}),
    ("pa.head", {"period": "year"}),
    ("pa.head", {"period": "quarter", "sort": "-received"}),
    ("pa.head", {"period": "week"}),
    ("mtszn.head", {"period": "month"}),
    ("mtszn.head", {"period": "year", "sort": "p90_days"}),
    ("mtszn.head", {"period": "month", "date": "2026-10-15"}),
    ("mtszn.head", {"period": "custom", "start": "2026-10-20", "end": "2026-12-09"}),
    ("ast.head", {"period": "quarter"}),
    ("ast.head", {"period": "month", "sort": "-on_time_pct"}),
    ("ast-esil.head", {"period": "year"}),
    ("pvl.head", {"period": "month"}),
]
CONTENT = re.compile(r"<main[^>]*>(.*)</main>", re.S)
IDS = re.compile(r"\b(agency|agency_subtree|category|executor)=(\d+)")
APPEAL = re.compile(r"/appeals/(\d+)/")


class _Figures(HTMLParser):
    """Every text and link of a page's content, in order, whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "data-indicator", "data-drill", "data-signal") and value:
                self.items.append(f"@{name}={value}")

    def handle_data(self, data):
        text = " ".join(data.split())
        if text:
            self.items.append(text)


class _Names:
    """Database ids written as what they stand for, so that the snapshot holds whatever ids the database gave."""

    def __init__(self) -> None:
        self.agencies = dict(Agency.objects.values_list("pk", "code"))
        self.categories = dict(Category.objects.values_list("pk", "code"))
        self.users = dict(User.objects.values_list("pk", "username"))
        self.appeals = dict(Appeal.objects.values_list("pk", "number"))

    def _param(self, match: re.Match) -> str:
        name, pk = match.group(1), int(match.group(2))
        table = {"category": self.categories, "executor": self.users}.get(name, self.agencies)
        return f"{name}={table.get(pk, '?')}"

    def text(self, value: str) -> str:
        value = IDS.sub(self._param, value)
        return APPEAL.sub(lambda m: f"/appeals/{self.appeals.get(int(m.group(1)), '?')}/", value)

    def data(self, value):
        if isinstance(value, dict):
            return {key: self._field(key, item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.data(item) for item in value]
        return self.text(value) if isinstance(value, str) else value

    def _field(self, key: str, value):
        if key == "id" and isinstance(value, int):
            return "<id>"
        return self.data(value)


def _page_figures(names: _Names, html: str) -> list[str]:
    parser = _Figures()
    parser.feed(CONTENT.search(html).group(1))
    return [names.text(item) for item in parser.items]


def _case_key(username: str, query: dict, language: str, what: str) -> str:
    return f"{what} {language} {username} " + "&".join(f"{k}={v}" for k, v in query.items())


def _read_everything(client) -> dict[str, object]:
    names = _Names()
    seen: dict[str, object] = {}
    for number, (username, query) in enumerate(CASES):
        client.force_login(User.objects.get(username=username))
        for language in ("ru", "kk") if number % 4 == 0 else ("ru",):
            client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
            page = client.get(reverse("appeals:dashboard"), query)
            assert page.status_code == 200
            seen[_case_key(username, query, language, "page")] = _page_figures(names, page.content.decode())
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"
        table = client.get(reverse("appeals:dashboard_league_csv"), query)
        seen[_case_key(username, query, "ru", "csv")] = names.text(table.content.decode("utf-8-sig")).splitlines()
        api = client.get(reverse("api:signals"), {k: v for k, v in query.items() if k != "sort"})
        assert api.status_code == 200
        seen[_case_key(username, query, "ru", "signals")] = names.data(api.json())
    return seen


@pytest.fixture
def demo_in_creation_order(monkeypatch):
    """The demo's appeals go to agencies picked from a list in the order of their paths, which hold their ids: on
    PostgreSQL the ids carry on after earlier tests' rolled-back rows (/1/99/ before /1/100/ in one run, after it in
    the next). Picked from the same list in the order the agencies were made, the demo is the same whatever the
    ids."""
    made = demo._context

    def in_creation_order(seed: int):
        context = made(seed)
        context.agencies.sort(key=lambda agency: agency.pk)
        return context

    monkeypatch.setattr(demo, "_context", in_creation_order)


def test_the_dashboard_shows_the_figures_it_showed_before_its_speed_ups(client, settings, demo_in_creation_order):
    # The history's readings are kept in the cache (as in production), the live days are read afresh.
    settings.DASHBOARD = {**settings.DASHBOARD, "LIVE_CACHE_SECONDS": 0, "HISTORY_CACHE_SECONDS": 900}
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", appeals=400, days=120, stdout=None)
        first = Appeal.objects.order_by("registered_at").values_list("registered_at", flat=True).first()
        rollups_rebuild(start=first.date() - timedelta(days=1))
        RollupDay.objects.filter(day=NOT_BUILT).delete()
        seen = _read_everything(client)
        assert _read_everything(client) == seen  # read again, from the history kept in the cache: the same
    if os.environ.get("FIGURES_SNAPSHOT_WRITE"):
        SNAPSHOT.write_text(json.dumps(seen, ensure_ascii=False, indent=0, sort_keys=True) + "\n")
        pytest.skip(f"written {SNAPSHOT.name}")
    expected = json.loads(SNAPSHOT.read_text())
    assert sorted(seen) == sorted(expected)
    for key in expected:
        assert seen[key] == expected[key], key
