"""Exports of a queue (the whole filtered list, or the selected rows) to CSV and XLSX.

Both stream: rows are read a chunk at a time (appeals.infra.replica.iterate: a server-side cursor in a
transaction of its own, on the replica when there is one); CSV goes out row by row through a
StreamingHttpResponse, XLSX is written by openpyxl's write-only mode into a temporary file that
a FileResponse then sends in blocks. Memory does not grow with the number of rows.
IINs and BINs are masked except where the user's work needs them (see appeals.access.personal_data).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.choices import Region

from ..access.personal_data import identifier_needed, registrar_agency_ids
from ..access.selectors import ordered
from ..calendar.workdays import local_today
from ..desk.presenters import appeal_deadline
from ..infra.replica import heavy_read, iterate
from ..models.choices import AppealKind, AppealStatus, ApplicantType, Channel, Language, Outcome
from ..models.validators import mask_identifier
from .common import effective_params, queue_filterset, request_desk, saved_view_get

EXPORT_CHUNK_SIZE = 2000
CSV_LINES_PER_CHUNK = 500


def _headers() -> list[str]:
    return [
        _("Registration number"),
        _("Registered"),
        _("Agency"),
        _("Kind"),
        _("Channel"),
        _("Language"),
        _("Status"),
        _("Applicant"),
        _("IIN/BIN"),
        _("Region"),
        _("Category"),
        _("Subject"),
        _("Executor"),
        _("Due date"),
        _("Deadline"),
        _("Outcome"),
        _("Repeated"),
    ]


def _labels(choices) -> dict[str, str]:
    """Choice labels translated once (get_FOO_display() re-translates every choice on every call)."""
    return {value: str(label) for value, label in choices}


def _rows(user, queryset, *, excel: bool) -> Iterator[list]:
    registrar_agencies = registrar_agency_ids(user)
    kinds, channels, languages = _labels(AppealKind.choices), _labels(Channel.choices), _labels(Language.choices)
    statuses, outcomes = _labels(AppealStatus.choices), _labels(Outcome.choices)
    applicant_types, regions = _labels(ApplicantType.choices), _labels(Region.choices)
    agency_names: dict[int, str] = {}
    category_names: dict[int, str] = {}
    yes = _("Yes")
    today = local_today()
    for appeal in iterate(queryset, chunk_size=EXPORT_CHUNK_SIZE):
        identifier = appeal.applicant_iin or appeal.applicant_bin
        if not identifier_needed(user, appeal, registrar_agencies=registrar_agencies):
            identifier = mask_identifier(identifier)
        registered = timezone.localtime(appeal.registered_at)
        if appeal.agency_id not in agency_names:
            agency_names[appeal.agency_id] = appeal.agency.name
        if appeal.category_id and appeal.category_id not in category_names:
            category_names[appeal.category_id] = appeal.category.name
        yield [
            appeal.number,
            registered.replace(tzinfo=None) if excel else registered.strftime("%Y-%m-%d %H:%M"),
            agency_names[appeal.agency_id],
            kinds.get(appeal.kind, appeal.kind),
            channels.get(appeal.channel, appeal.channel),
            languages.get(appeal.language, appeal.language),
            statuses.get(appeal.status, appeal.status),
            spreadsheet_text(appeal.applicant_name) or applicant_types.get(appeal.applicant_type, ""),
            identifier,
            regions.get(appeal.region, appeal.region),
            category_names.get(appeal.category_id, "") if appeal.category_id else "",
            spreadsheet_text(appeal.subject),
            appeal.assignee.display_name if appeal.assignee_id else "",
            appeal.due_date if excel else appeal.due_date.isoformat(),
            appeal_deadline(appeal, today=today).text,
            outcomes.get(appeal.outcome, ""),
            yes if appeal.is_repeated else "",
        ]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """Text a citizen typed, made inert for spreadsheets: a leading =, +, -, @ would start a formula
    (CSV injection); a quote in front keeps it text in Excel and LibreOffice (issue 8)."""
    if text and text.startswith(FORMULA_START):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write returns the line (csv.writer then yields lines to stream)."""

    def write(self, value: str) -> str:
        return value


def _filename(extension: str) -> str:
    return f"appeals-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


def export_csv(request: HttpRequest, queryset) -> StreamingHttpResponse:
    language = translation.get_language()
    user = request.user

    def lines() -> Iterator[str]:
        with translation.override(language):
            writer = csv.writer(_Echo())
            # A byte-order mark, so that spreadsheet programs read the Cyrillic right.
            batch = ["\ufeff", writer.writerow(_headers())]
            for row in _rows(user, queryset, excel=False):
                batch.append(writer.writerow(row))
                if len(batch) >= CSV_LINES_PER_CHUNK:  # a few hundred lines per write, not one
                    yield "".join(batch)
                    batch = []
            yield "".join(batch)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def export_xlsx(request: HttpRequest, queryset) -> FileResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Appeals")[:31])
    bold = Font(bold=True)
    header = []
    for title in _headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in _rows(request.user, queryset, excel=True):
        sheet.append(row)
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=_filename("xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


EXPORT_FIELDS = (
    "number", "registered_at", "kind", "channel", "language", "status", "applicant_type", "applicant_name",
    "applicant_iin", "applicant_bin", "region", "subject", "due_date", "outcome", "is_repeated", "assignee_id",
    "agency__name_kk", "agency__name_ru", "category__name_kk", "category__name_ru",
    "assignee__first_name", "assignee__last_name", "assignee__username",
)  # fmt: skip


def export_response(request: HttpRequest, queryset, *, fmt: str) -> HttpResponse:
    # Only the columns the export writes: building full model rows is most of the cost at 100 000 rows.
    queryset = queryset.select_related(None).select_related("agency", "category", "assignee").only(*EXPORT_FIELDS)
    # The database chosen now, inside the view's heavy read: the CSV's rows are read after the view has returned.
    queryset = queryset.using(queryset.db)
    if fmt == "xlsx":
        return export_xlsx(request, queryset)
    return export_csv(request, queryset)


@login_required
@heavy_read
def export_queue(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole filtered list of a queue, as the queue page shows it (same parameters)."""
    desk = request_desk(request)
    saved = saved_view_get(request, request.GET["view"]) if request.GET.get("view") else None
    data = effective_params(request, request.GET, saved)
    _key, filterset = queue_filterset(request, desk, data)
    return export_response(request, ordered(filterset.qs), fmt=fmt)
