"""The history import: an agency's past appeals brought in with their original dates, numbers and outcomes.

A row is the API's intake contract (AppealIntakeSerializer: external_id, kind, channel, language,
applicant{type, full_name, iin, bin, email, phone, address}, region, category, subject, text, agency,
received_at) plus the history:

- `registered_at` (ISO 8601 with a time zone; required), `number` (the original registration number,
  kept; without it a number is given as for a live registration, in the year of `registered_at`);
- `status` (an AppealStatus value; default "registered"), `due_date` (ISO date; default: the statutory
  term counted from the registration day on the calendar);
- `answered_at` / `resolved_at` / `closed_at` (when the body was done with it; required for a finished
  status), `answer_text` (kept as the sent answer), `outcome` (an Outcome value).

Rows are checked as a registration is checked (lifecycle.registration.registration_build: kinds, regions, IIN/BIN,
routing by category and region); a refused row is reported with its line and the reason, the rest
go in, in batches (one transaction each). Nothing is sent: no receipt, no webhook, no notice. The
import is idempotent by `external_id` among imported appeals (no integration): a row imported before is
skipped. Afterwards matter matching runs over the new appeals in registration order, and the
dashboard's roll-ups are rebuilt for the days they span.

`import_rows` is the core (the planted-data generator and the tests call it); `read_rows` reads a
JSON Lines or CSV file (CSV: the applicant's fields as columns `applicant.type`, `applicant.full_name`, …).
"""

from __future__ import annotations

import csv
import enum
import functools
import json
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Category
from agencies.selectors import category_routes

from ..calendar.workdays import get_calendar, local_day, local_today
from ..dashboard.rollups import rollups_rebuild
from ..lifecycle import AppealError, ApplicantData, Registration
from ..lifecycle.registration import next_numbers, registration_build
from ..models import Appeal, AppealEvent, AppealResponse
from ..models.choices import FINISHED_STATUSES, AppealStatus, EventKind, Outcome, ResponseKind, ResponseStatus
from .matching import appeals_match

BATCH_SIZE = 2000
ROW_FIELDS = frozenset(
    {
        "external_id",
        "kind",
        "channel",
        "language",
        "applicant",
        "region",
        "category",
        "subject",
        "text",
        "agency",
        "received_at",
        "registered_at",
        "number",
        "status",
        "due_date",
        "answered_at",
        "resolved_at",
        "closed_at",
        "answer_text",
        "outcome",
    }
)
_STATUSES = frozenset(AppealStatus.values)
_OUTCOMES = frozenset(Outcome.values)
APPLICANT_FIELDS = ("type", "full_name", "iin", "bin", "email", "phone", "address")


@dataclass(frozen=True)
class Refusal:
    line: int
    external_id: str
    errors: dict[str, list[str]]

    @property
    def reason(self) -> str:
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in self.errors.items())


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    skipped: int = 0  # imported before (the same external_id)
    refused: list[Refusal] = field(default_factory=list)
    repeats: int = 0
    escalations: int = 0
    first_day: date | None = None
    last_day: date | None = None
    rollup_days: int = 0
    appeal_ids: list[int] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of "insert", "matching", "rollups"


class _Refused(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors


# --- Reading files -----------------------------------------------------------------------------------------
def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a .jsonl/.ndjson or .csv file, each with its line number under "_line"."""
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return _read_jsonl(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise ValueError(_("Import a JSON Lines (.jsonl) or CSV (.csv) file."))


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8-sig") as handle:
        for line, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except json.JSONDecodeError as exc:
                row = {"_error": _("Not a valid JSON object: %(error)s") % {"error": exc.msg}}
            if not isinstance(row, dict):
                row = {"_error": _("Each line must be one JSON object.")}
            row["_line"] = line
            yield row


def _read_csv(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        line = reader.line_num
        for flat in reader:
            row: dict[str, Any] = {"_line": line + 1}
            line = reader.line_num
            applicant: dict[str, str] = {}
            for name, value in flat.items():
                if name is None:
                    row["_error"] = _("The row has more values than the header has columns.")
                    continue
                if name.startswith("applicant."):
                    applicant[name.removeprefix("applicant.")] = value or ""
                elif value not in (None, ""):
                    row[name] = value
            if applicant:
                row["applicant"] = applicant
            yield row


def count_rows(path: Path) -> int:
    """Roughly how many rows a file holds (its lines, less a CSV header), for the progress bar."""
    with path.open("rb") as handle:
        lines = sum(1 for raw in handle if raw.strip())
    return max(lines - (1 if path.suffix.lower() == ".csv" else 0), 0)


# --- Checking one row ---------------------------------------------------------------------------------------
def _text(row: dict, name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value)


def _moment(row: dict, name: str, errors: dict, *, required: bool = False) -> datetime | None:
    raw = _text(row, name)
    if not raw:
        if required:
            errors.setdefault(name, []).append(_("This field is required."))
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        errors.setdefault(name, []).append(_("Not a date and time in ISO 8601 (2026-03-01T09:30:00+05:00)."))
        return None
    if timezone.is_naive(value):
        errors.setdefault(name, []).append(_("Give the time zone (e.g. +05:00 or Z)."))
        return None
    if value > timezone.now() + timedelta(minutes=5):
        errors.setdefault(name, []).append(_("This date is in the future."))
        return None
    return value


class _Lookups:
    """Categories and agencies by code, read once; routes read per batch."""

    def __init__(self) -> None:
        self.categories = {c.code: c for c in Category.objects.all()}
        self.agencies = {a.code: a for a in Agency.objects.all()}
        self.routes: dict[tuple[int, str], Agency | None] = {}

    def load_routes(self, pairs: set[tuple[Category, str]]) -> None:
        missing = {(c, r) for c, r in pairs if (c.pk, r) not in self.routes}
        if missing:
            self.routes.update(category_routes(missing))


def _check(row: dict, lookups: _Lookups, cal, now: datetime) -> tuple[Appeal, dict[str, Any]]:
    """The unsaved appeal of one row (without a number unless the row has one), or _Refused."""
    errors: dict[str, list[str]] = {}
    if "_error" in row:
        raise _Refused({"row": [row["_error"]]})
    unknown = sorted(set(row) - ROW_FIELDS - {"_line"})
    if unknown:
        errors["row"] = [_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}]
    external_id = _text(row, "external_id")
    if not external_id:
        errors.setdefault("external_id", []).append(_("Give the external id of the appeal."))
    registered_at = _moment(row, "registered_at", errors, required=True)
    received_at = _moment(row, "received_at", errors)
    done_at = (
        _moment(row, "resolved_at", errors) or _moment(row, "answered_at", errors) or _moment(row, "closed_at", errors)
    )
    status = _text(row, "status") or AppealStatus.REGISTERED
    if status not in _STATUSES:
        errors.setdefault("status", []).append(_("Choose one of the statuses."))
    elif status in FINISHED_STATUSES and done_at is None and not errors.get("answered_at"):
        errors.setdefault("answered_at", []).append(_("A finished appeal needs the date it was answered or closed."))
    if done_at is not None and registered_at is not None and done_at < registered_at:
        errors.setdefault("answered_at", []).append(_("The appeal cannot be answered before it was registered."))
    outcome = _text(row, "outcome")
    if outcome and outcome not in _OUTCOMES:
        errors.setdefault("outcome", []).append(_("Choose one of the outcomes."))
    due_raw = _text(row, "due_date")
    due: date | None = None
    if due_raw:
        try:
            due = date.fromisoformat(due_raw)
        except ValueError:
            errors.setdefault("due_date", []).append(_("Not a date (YYYY-MM-DD)."))
    category = None
    if _text(row, "category"):
        category = lookups.categories.get(_text(row, "category"))
        if category is None:
            errors.setdefault("category", []).append(_("No category with this code."))
    agency = None
    if _text(row, "agency"):
        agency = lookups.agencies.get(_text(row, "agency"))
        if agency is None:
            errors.setdefault("agency", []).append(_("No agency with this code."))
    elif category is not None:
        agency = lookups.routes.get((category.pk, _text(row, "region")))
    applicant_in = row.get("applicant") or {}
    if not isinstance(applicant_in, dict):
        errors.setdefault("applicant", []).append(_("The applicant is an object (type, full_name, iin, …)."))
        applicant_in = {}
    if errors:
        raise _Refused(errors)
    registration = _registration(
        row, applicant_in, agency=agency, category=category, received_at=received_at or registered_at
    )
    try:
        appeal, _payload = registration_build(registration, actor=None, now=registered_at, cal=cal, allowed={})
    except AppealError as exc:
        raise _Refused(exc.message_dict if hasattr(exc, "error_dict") else {"row": exc.messages}) from None
    appeal.number = _text(row, "number")
    appeal.status = status
    if due is not None:
        appeal.due_date = due
    appeal.outcome = outcome
    appeal.resolved_at = done_at if status in FINISHED_STATUSES else None
    appeal.created_at = now
    appeal.updated_at = now
    return appeal, {"answer_text": row.get("answer_text") or "", "line": row.get("_line")}


def _registration(row: dict, applicant_in: dict, *, agency, category, received_at: datetime) -> Registration:
    """What the lifecycle's registration check takes, from a row already checked for its codes and dates."""
    applicant = ApplicantData(
        type=_text(applicant_in, "type") or "individual",
        name=_text(applicant_in, "full_name"),
        iin=_text(applicant_in, "iin"),
        bin=_text(applicant_in, "bin"),
        email=_text(applicant_in, "email"),
        phone=_text(applicant_in, "phone"),
        address=_text(applicant_in, "address"),
    )
    registration = Registration(
        agency=agency,
        kind=_text(row, "kind"),
        channel=_text(row, "channel"),
        language=_text(row, "language"),
        region=_text(row, "region"),
        subject=_text(row, "subject"),
        text=row.get("text") or "",
        applicant=applicant,
        category=category,
        received_at=received_at,
        external_id=_text(row, "external_id"),
    )
    return registration


# --- Writing ------------------------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _insert(model, objects: list, *, with_ids: bool = False) -> None:
    """Insert `objects` (model instances, or dicts of every column but the id): with COPY on PostgreSQL (ids
    reserved from the table's sequence first when `with_ids`), else bulk_create. Nothing is sent and no signal
    fires: these are history, not new appeals."""
    if not objects:
        return
    as_dicts = isinstance(objects[0], dict)
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**o) for o in objects] if as_dicts else objects, batch_size=500)
        return
    table = model._meta.db_table
    if as_dicts:
        names = list(objects[0])
        columns = [model._meta.get_field(name).column for name in names]
        rows = (tuple(_plain(o[name]) for name in names) for o in objects)
    else:
        fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
        columns = [f.column for f in fields]
        rows = (tuple(_plain(getattr(o, f.attname)) for f in fields) for o in objects)
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(objects)]
            )
            for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
                obj.pk = pk
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        with cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


class _MemoCalendar:
    """The working calendar with its two answers a registration needs remembered (rows share few days)."""

    def __init__(self, calendar) -> None:
        self._calendar = calendar
        self.working_day_on_or_after = functools.lru_cache(maxsize=4096)(calendar.working_day_on_or_after)
        self.add_working_days = functools.lru_cache(maxsize=8192)(calendar.add_working_days)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._calendar, name)


# --- The import ------------------------------------------------------------------------------------------
def import_rows(
    rows: Iterable[dict[str, Any]],
    *,
    batch_size: int = BATCH_SIZE,
    match: bool = True,
    rebuild_rollups: bool = True,
    progress: Callable[[int], None] | None = None,
    stage: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import historical appeals; returns what went in, what was skipped and what was refused (with lines).

    A row's line number is its "_line" key if it has one (read_rows sets it), else its position from 1.
    `progress` is told the rows read so far, `stage` the name of each stage after the insert as it starts
    ("matching", "rollups").
    """
    stage = stage or (lambda name: None)
    report = ImportReport()
    lookups = _Lookups()
    cal = _MemoCalendar(get_calendar())
    now = timezone.now()
    checker = _Checker(lookups, cal, now, report)
    started = time.monotonic()
    with _Writer(now) as writer:
        batch: list[tuple[int, dict]] = []
        for index, row in enumerate(rows, start=1):
            line = row.get("_line", index) if isinstance(row, dict) else index
            if not isinstance(row, dict):
                row = {"_error": _("Each row must be an object.")}
            report.read += 1
            batch.append((line, row))
            if len(batch) >= batch_size:
                writer.write(checker.check(batch))
                batch = []
                if progress is not None:
                    progress(report.read)
        if batch:
            writer.write(checker.check(batch))
            if progress is not None:
                progress(report.read)
    imported = sorted(writer.imported)
    report.created = len(imported)
    report.seconds["insert"] = time.monotonic() - started
    report.appeal_ids = [pk for _at, pk in imported]
    if imported:
        report.first_day = local_day(imported[0][0])
        report.last_day = local_day(imported[-1][0])
    if match and report.appeal_ids:
        stage("matching")
        started = time.monotonic()
        matched = appeals_match(appeal_ids=report.appeal_ids)
        report.repeats, report.escalations = matched.repeats, matched.escalations
        report.seconds["matching"] = time.monotonic() - started
    if rebuild_rollups and report.first_day is not None and report.first_day < local_today():
        stage("rollups")
        started = time.monotonic()
        report.rollup_days = rollups_rebuild(start=report.first_day, end=report.last_day)
        report.seconds["rollups"] = time.monotonic() - started
    return report


class _Checker:
    """Checks the rows batch by batch (the Python half of the import): skips rows imported before, refuses bad ones."""

    def __init__(self, lookups: _Lookups, cal, now: datetime, report: ImportReport) -> None:
        self.lookups, self.cal, self.now, self.report = lookups, cal, now, report
        self.seen: set[str] = set()  # external ids of this import
        self.numbers: set[str] = set()  # registration numbers of this import (a later batch may not be written yet)

    def check(self, batch: list[tuple[int, dict]]) -> list[tuple[Appeal, dict]]:
        lookups, report = self.lookups, self.report
        ids = {_text(row, "external_id") for _line, row in batch} - {""}
        before = set(
            Appeal.objects.filter(integration__isnull=True, external_id__in=ids).values_list("external_id", flat=True)
        )
        numbers = {_text(row, "number") for _line, row in batch} - {""}
        taken_numbers = set(Appeal.objects.filter(number__in=numbers).values_list("number", flat=True))
        pairs = set()
        for _line, row in batch:
            code = _text(row, "category")
            if not _text(row, "agency") and code in lookups.categories:
                pairs.add((lookups.categories[code], _text(row, "region")))
        lookups.load_routes(pairs)

        checked: list[tuple[Appeal, dict]] = []
        for line, row in batch:
            external_id = _text(row, "external_id")
            if external_id in before:
                report.skipped += 1
                continue
            try:
                if external_id and external_id in self.seen:
                    raise _Refused({"external_id": [_("This external_id appears earlier in the file.")]})
                appeal, extra = _check(row, lookups, self.cal, self.now)
                if appeal.number and (appeal.number in taken_numbers or appeal.number in self.numbers):
                    raise _Refused({"number": [_("Another appeal already has this registration number.")]})
            except _Refused as refused:
                report.refused.append(Refusal(line=line, external_id=external_id, errors=refused.errors))
                continue
            self.seen.add(external_id)
            if appeal.number:
                self.numbers.add(appeal.number)
            checked.append((appeal, extra))
        return checked


class _Writer:
    """Writes checked batches, one transaction each. On PostgreSQL, outside a transaction, in a thread of its own
    with its own connection, so that PostgreSQL ingests one batch while the next is checked (the two halves of
    the import then use both cores); otherwise (SQLite, or inside a caller's transaction) at once."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.imported: list[tuple[datetime, int]] = []
        self.threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _Writer:
        if self.threaded:
            self._thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
            self._thread.start()
        return self

    def write(self, checked: list[tuple[Appeal, dict]]) -> None:
        if not checked:
            return
        if not self.threaded:
            self.imported += _write_batch(checked, self.now)
            return
        self._raise()
        self._queue.put(checked)

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        if exc_type is None:
            self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            while (checked := self._queue.get()) is not None:
                self.imported += _write_batch(checked, self.now)
        except BaseException as exc:  # noqa: BLE001 - handed to the importing thread, which raises it
            self._error = exc
            while self._queue.get() is not None:  # let the importing thread finish putting
                pass
        finally:
            connection.close()  # this thread's own connection


def _write_batch(checked: list[tuple[Appeal, dict]], now: datetime) -> list[tuple[datetime, int]]:
    """Insert one batch of checked appeals with their registration events and sent answers: one transaction."""
    with transaction.atomic():
        by_year: dict[int, list[Appeal]] = defaultdict(list)
        for appeal, _extra in checked:
            if not appeal.number:
                by_year[local_day(appeal.registered_at).year].append(appeal)
        for year, appeals in by_year.items():
            numbers_of = next_numbers(appeals, year)
            for appeal in appeals:
                appeal.number = next(numbers_of[appeal.agency_id])
        appeals = [appeal for appeal, _extra in checked]
        _insert(Appeal, appeals, with_ids=True)
        _insert(
            AppealEvent,
            [
                dict(
                    appeal_id=appeal.pk,
                    actor_id=None,
                    from_status="",
                    kind=EventKind.REGISTERED,
                    to_status=appeal.status,
                    payload={
                        "number": appeal.number,
                        "agency": appeal.agency_id,
                        "due_date": appeal.due_date.isoformat(),
                        "registered_at": appeal.registered_at.isoformat(),
                        "imported": True,
                    },
                    created_at=now,
                )
                for appeal in appeals
            ],
        )
        _insert(
            AppealResponse,
            [
                dict(
                    appeal_id=appeal.pk,
                    author_id=None,
                    approved_by_id=None,
                    return_count=0,
                    kind=ResponseKind.ANSWER,
                    status=ResponseStatus.SENT,
                    text=extra["answer_text"],
                    language=appeal.language,
                    outcome=appeal.outcome,
                    submitted_at=appeal.resolved_at,
                    approved_at=appeal.resolved_at,
                    sent_at=appeal.resolved_at,
                    created_at=appeal.resolved_at or now,
                    updated_at=appeal.resolved_at or now,
                )
                for appeal, extra in checked
                if extra["answer_text"].strip()
            ],
        )
    return [(appeal.registered_at, appeal.pk) for appeal in appeals]
