"""Exports to CSV and XLSX: streamed, the same filters as the page, personal data masked where not needed."""

import csv
import io

import pytest
from django.db.models.query import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from appeals.models.choices import AppealStatus
from appeals.views import exports

from ..factories import valid_iin
from .conftest import make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_csv_of_the_whole_filtered_list(client, agency, supervisor):
    complaint = make(agency=agency, kind="complaint")
    make(agency=agency)
    client.force_login(supervisor)
    response = client.get(reverse("appeals:export_csv"), {"queue": "tree", "kind": "complaint"})
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][0] == "Registration number"
    assert [row[0] for row in rows[1:]] == [complaint.number]


def test_personal_data_is_masked_for_those_who_do_not_need_it(client, agency, supervisor, executor):
    iin = valid_iin(41)
    make(AppealStatus.IN_PROGRESS, agency=agency, assignee=executor, applicant_iin=iin)
    client.force_login(supervisor)
    row = read_csv(client.get(reverse("appeals:export_csv"), {"queue": "tree"}))[1]
    assert iin not in row and row[8].endswith(iin[-4:])
    client.force_login(executor)
    row = read_csv(client.get(reverse("appeals:export_csv"), {"queue": "mine"}))[1]
    assert row[8] == iin


def test_xlsx_export(client, agency, supervisor):
    appeals = [make(agency=agency) for _ in range(3)]
    client.force_login(supervisor)
    response = client.get(reverse("appeals:export_xlsx"), {"queue": "tree"})
    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(numbers) == sorted(a.number for a in appeals)


def test_exports_stream_rows_in_chunks(client, agency, supervisor, monkeypatch):
    """Memory stays flat: rows are read chunk_size at a time through a server-side cursor (on PostgreSQL; behind
    PgBouncer too, where a plain .iterator() would fetch everything at once) and written out as they come."""
    for _ in range(5):
        make(agency=agency)
    calls = []
    original = QuerySet._iterator  # what .iterator() and appeals.infra.replica.iterate both call

    def spy(self, use_chunked_fetch, chunk_size):
        calls.append((chunk_size, use_chunked_fetch))
        return original(self, use_chunked_fetch, chunk_size)

    monkeypatch.setattr(QuerySet, "_iterator", spy)
    client.force_login(supervisor)
    csv_response = client.get(reverse("appeals:export_csv"), {"queue": "tree"})
    assert calls == []  # nothing is read before the response is streamed
    assert len(read_csv(csv_response)) == 6
    chunked = (exports.EXPORT_CHUNK_SIZE, True)
    assert calls == [chunked]
    xlsx_response = client.get(reverse("appeals:export_xlsx"), {"queue": "tree"})
    assert calls == [chunked, chunked]
    assert xlsx_response.streaming  # a FileResponse sends the temporary file in blocks


def test_export_of_the_selected_rows(client, agency, supervisor):
    chosen = make(agency=agency)
    make(agency=agency)
    client.force_login(supervisor)
    response = client.post(reverse("appeals:bulk"), {"action": "export_csv", "ids": [chosen.pk]})
    assert [row[0] for row in read_csv(response)[1:]] == [chosen.number]
    xlsx = client.post(reverse("appeals:bulk"), {"action": "export_xlsx", "ids": [chosen.pk]})
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert sheet.max_row == 2


def test_exports_never_include_appeals_the_user_cannot_see(client, agency, sibling, outsider):
    make(agency=agency)
    client.force_login(outsider)
    assert len(read_csv(client.get(reverse("appeals:export_csv"), {"queue": "all"}))) == 1
