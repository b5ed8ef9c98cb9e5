"""The league table: sortable by any column, exported to CSV and XLSX, printable."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ..factories import AppealFactory
from .conftest import MARCH, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def league_data(frozen, march, district, sibling):
    AppealFactory.create_batch(3, agency=district, registered_at=at(2026, 3, 10))
    return march


def test_the_csv_holds_each_agency_with_its_indicators(client, supervisor, league_data):
    client.force_login(supervisor)
    response = client.get(reverse("appeals:dashboard_league_csv"), MARCH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    received = header.index([h for h in header if "Received" in h or "Поступ" in h or h == "Received"][0])
    by_name = {row[0]: row for row in body}
    assert by_name["Районный отдел"][received] == "3"
    # The root's own appeals, labelled in the reader's language: "Департамент Астаны (own appeals)".
    assert any(name.startswith("Департамент Астаны (") and row[received] == "7" for name, row in by_name.items())
    total = body[-1]
    assert total[received] == "10"
    assert not any("Алматы" in row[0] for row in body)  # the sibling is outside the subtree


def test_the_xlsx_holds_the_same_table(client, supervisor, league_data):
    client.force_login(supervisor)
    response = client.get(reverse("appeals:dashboard_league_xlsx"), MARCH)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "Департамент Астаны" in rows[0][0] and "01.03.2026" in rows[0][0]
    header = rows[1]
    assert len(header) == 21  # the indicators and the agency (escalated_over added by the listening desk)
    names = [row[0] for row in rows[2:]]
    assert "Районный отдел" in names
    on_time = header.index([h for h in header if "statutory" in h or "срок" in h.lower()][0])
    dep = next(row for row in rows[2:] if row[0].startswith("Департамент Астаны ("))
    assert dep[on_time] == 80.0


@pytest.mark.parametrize("sort", ["received", "-received"])
def test_the_league_sorts_by_any_column(client, supervisor, league_data, sort):
    client.force_login(supervisor)
    rows = client.get(reverse("appeals:dashboard"), {**MARCH, "sort": sort}).context["rows"]
    values = [row.values["received"] for row in rows]
    assert values == sorted(values, reverse=sort.startswith("-"))


def test_an_unknown_sort_key_falls_back_to_the_name(client, supervisor, league_data):
    client.force_login(supervisor)
    response = client.get(reverse("appeals:dashboard"), {**MARCH, "sort": "-password; DROP"})
    assert response.status_code == 200
    assert response.context["sort"].key == "name"


def test_the_print_page_has_the_table_without_the_desk(client, supervisor, league_data):
    client.force_login(supervisor)
    response = client.get(reverse("appeals:dashboard_league_print"), MARCH)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Районный отдел" in html and 'class="dash-table"' in html
    assert 'class="sidebar"' not in html
    assert "dashboard.css" in html
