"""The history import: original dates and numbers kept, refused rows reported by line, re-runs import nothing."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from agencies.choices import Region
from appeals.listening.imports import import_rows
from appeals.models import Appeal, AppealDailyRollup, AppealEvent, AppealResponse, Notice, WebhookDelivery
from appeals.models.choices import AppealStatus, EventKind
from tests.factories import CategoryRouteFactory, valid_iin

pytestmark = pytest.mark.django_db
ALMATY = ZoneInfo("Asia/Almaty")


def row(n: int = 1, **changes) -> dict:
    base = {
        "external_id": f"old-{n}",
        "kind": "application",
        "channel": "portal",
        "language": "ru",
        "applicant": {"type": "individual", "full_name": f"Сейткали Айгерим {n}", "iin": valid_iin(500 + n)},
        "region": "astana",
        "category": "roads",
        "subject": f"Яма на дороге {n}",
        "text": "Прошу отремонтировать.",
        "registered_at": "2026-03-02T10:00:00+05:00",
    }
    base.update(changes)
    return base


@pytest.fixture
def routed(agency, category):
    CategoryRouteFactory(category=category, region=Region.ASTANA, agency=agency)
    return agency


def test_it_keeps_the_original_dates_number_status_and_answer(routed):
    report = import_rows(
        [
            row(
                number="DEP-2026-000042",
                status="answered",
                answered_at="2026-03-10T15:30:00+05:00",
                answer_text="Яма заделана.",
                outcome="satisfied",
                received_at="2026-03-01T20:00:00+05:00",
            )
        ]
    )
    assert (report.created, report.refused) == (1, [])
    appeal = Appeal.objects.get()
    assert appeal.number == "DEP-2026-000042"
    assert appeal.registered_at == datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)
    assert appeal.received_at == datetime(2026, 3, 1, 20, 0, tzinfo=ALMATY)
    assert appeal.status == AppealStatus.ANSWERED
    assert appeal.outcome == "satisfied"
    assert appeal.resolved_at == datetime(2026, 3, 10, 15, 30, tzinfo=ALMATY)
    # Monday 2 March 2026 + 15 working days: 3-6 March (4), 9 March is off (8 March fell on a Sunday),
    # 10-13 (8), 16-20 (13), Nauryz 21-23 March and its days moved to 24-25 March are off, 26 (14), 27 (15).
    assert appeal.due_date == date(2026, 3, 27)
    answer = AppealResponse.objects.get(appeal=appeal)
    assert (answer.text, answer.status, answer.sent_at) == ("Яма заделана.", "sent", appeal.resolved_at)
    event = AppealEvent.objects.get(appeal=appeal)
    assert event.kind == EventKind.REGISTERED and event.payload["imported"] is True


def test_it_numbers_rows_without_a_number_in_their_registration_year(routed):
    import_rows([row(1), row(2, registered_at="2025-12-30T09:00:00+05:00")])
    numbers = sorted(Appeal.objects.values_list("number", flat=True))
    assert numbers == ["DEP-2025-000001", "DEP-2026-000001"]


def test_it_sends_nothing(routed, category):
    import_rows([row(1, applicant={"type": "individual", "full_name": "А", "email": "a@mail.kz"})])
    assert mail.outbox == []
    assert Notice.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0


def test_it_refuses_bad_rows_with_their_line_and_imports_the_rest(routed):
    rows = [
        row(1),
        row(2, registered_at="2026-03-02T10:00:00"),  # no time zone
        row(3, region="atlantis"),
        row(4, status="answered"),  # finished without a date
        row(5, category="nope"),
        row(6),
        row(1),  # the same external id again
    ]
    report = import_rows(rows)
    assert report.created == 2
    assert [(r.line, r.external_id, sorted(r.errors)) for r in report.refused] == [
        (2, "old-2", ["registered_at"]),
        (3, "old-3", ["region"]),
        (4, "old-4", ["answered_at"]),
        (5, "old-5", ["category"]),
        (7, "old-1", ["external_id"]),
    ]
    assert list(report.refused[0].errors) == ["registered_at"]


def test_an_unknown_region_is_refused_with_the_region_error(routed, agency):
    report = import_rows([row(1, region="atlantis", agency="dep")])
    assert report.refused[0].errors == {"region": ["Выберите один из регионов."]}  # translated (ru by default)


def test_a_rerun_imports_nothing_new(routed):
    first = import_rows([row(1), row(2)])
    second = import_rows([row(1), row(2), row(3)])
    assert (first.created, second.created, second.skipped) == (2, 1, 2)
    assert Appeal.objects.count() == 3


def test_a_taken_number_is_refused(routed):
    import_rows([row(1, number="DEP-2026-000001")])
    report = import_rows([row(2, number="DEP-2026-000001")])
    assert report.created == 0
    assert report.refused[0].errors == {"number": ["Этот регистрационный номер уже есть у другого обращения."]}


def test_it_links_a_later_imported_repeat_to_the_earlier_one_whatever_the_file_order(routed):
    iin = valid_iin(77)
    applicant = {"type": "individual", "full_name": "Омаров Ерлан", "iin": iin}
    later = row(2, applicant=applicant, registered_at="2026-04-20T10:00:00+05:00", subject="Снова яма у дома 5")
    earlier = row(1, applicant=applicant, registered_at="2026-03-02T10:00:00+05:00", subject="Яма у дома 5")
    report = import_rows([later, earlier])
    assert report.repeats == 1
    second = Appeal.objects.get(external_id="old-2")
    assert second.repeat_of == Appeal.objects.get(external_id="old-1")


def test_it_rebuilds_the_rollups_of_the_span(routed):
    import_rows([row(1), row(2, registered_at="2026-03-03T10:00:00+05:00")])
    days = dict(AppealDailyRollup.objects.values_list("day", "received"))
    assert days == {date(2026, 3, 2): 1, date(2026, 3, 3): 1}


def test_the_command_reads_csv_and_jsonl_and_writes_the_report(routed, tmp_path, capsys):
    jsonl = tmp_path / "old.jsonl"
    jsonl.write_text(
        "\n".join([json.dumps(row(1), ensure_ascii=False), "{not json", json.dumps(row(2), ensure_ascii=False)]),
        encoding="utf-8",
    )
    refused = tmp_path / "refused.csv"
    call_command("import_appeals", str(jsonl), "--report", str(refused))
    assert Appeal.objects.count() == 2
    with refused.open(encoding="utf-8") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["line", "external_id", "reason"]
    assert lines[1][0] == "2" and "JSON" in lines[1][2]

    table = tmp_path / "old.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "external_id",
                "kind",
                "channel",
                "language",
                "applicant.type",
                "applicant.full_name",
                "applicant.iin",
                "region",
                "category",
                "subject",
                "text",
                "registered_at",
            ]
        )
        writer.writerow(
            [
                "csv-1",
                "complaint",
                "email",
                "kk",
                "individual",
                "Нұрлан Ә.",
                valid_iin(9),
                "astana",
                "roads",
                "Жол жөндеу",
                "Көшедегі шұңқыр",
                "2026-02-02T09:00:00+05:00",
            ]
        )
        writer.writerow(
            [
                "csv-2",
                "complaint",
                "email",
                "xx",
                "individual",
                "Нұрлан Ә.",
                valid_iin(9),
                "astana",
                "roads",
                "Жол",
                "",
                "2026-02-03T09:00:00+05:00",
            ]
        )
    call_command("import_appeals", str(table))
    err = capsys.readouterr().err
    assert "line 3 (csv-2): language" in err
    imported = Appeal.objects.get(external_id="csv-1")
    assert (imported.language, imported.applicant_name, imported.kind) == ("kk", "Нұрлан Ә.", "complaint")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_thread_writes_while_the_next_batch_is_checked_and_nothing_changes(routed, monkeypatch):
    from appeals.listening import imports

    threads = []
    write_batch = imports._write_batch

    def spy(checked, now):
        import threading

        threads.append(threading.current_thread().name)
        return write_batch(checked, now)

    monkeypatch.setattr(imports, "_write_batch", spy)
    rows = [
        row(1, number="DEP-2026-000101"),
        row(2),
        row(3, number="DEP-2026-000101"),  # a later batch repeats a number of an earlier one (maybe not yet written)
        row(4, registered_at="not a date"),
        row(5, status="answered", answered_at="2026-03-05T10:00:00+05:00", answer_text="Сделано.", outcome="satisfied"),
    ]
    report = import_rows(rows, batch_size=2, rebuild_rollups=False)
    assert threads == ["import-writer", "import-writer"]  # the second batch was refused whole: nothing to write
    assert report.created == 3 and [r.line for r in report.refused] == [3, 4]
    assert "number" in report.refused[0].errors and "registered_at" in report.refused[1].errors
    assert Appeal.objects.count() == 3 == AppealEvent.objects.filter(kind=EventKind.REGISTERED).count()
    assert AppealResponse.objects.get().text == "Сделано."
    assert sorted(report.appeal_ids) == sorted(Appeal.objects.values_list("pk", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_failed_batch_stops_the_import_and_keeps_the_batches_written_before(routed, monkeypatch):
    from appeals.listening import imports

    write_batch, calls = imports._write_batch, []

    def fail_second(checked, now):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return write_batch(checked, now)

    monkeypatch.setattr(imports, "_write_batch", fail_second)
    with pytest.raises(RuntimeError, match="went away"):
        import_rows([row(n) for n in range(1, 9)], batch_size=2, rebuild_rollups=False)
    assert sorted(Appeal.objects.values_list("external_id", flat=True)) == ["old-1", "old-2"]
