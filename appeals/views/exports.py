"""Exports of a queue (the whole filtered list, or the selected rows) to CSV and XLSX.

Both stream: rows are read with `.iterator(chunk_size=…)`; CSV goes out row by row through a
StreamingHttpResponse, XLSX is written by openpyxl's write-only mode into a temporary file that
a FileResponse then sends in blocks. Memory does not grow with the number of rows.
IINs and BINs are masked except where the user's work needs them (see appeals.personal_data).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..personal_data import identifier_needed, registrar_agency_ids
from ..presenters import appeal_deadline
from ..selectors import appeals_for_display
from ..validators import mask_identifier
from .common import effective_params, ordered, queue_filterset, request_desk, saved_view_get

EXPORT_CHUNK_SIZE = 2000


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


def _rows(user, queryset, *, excel: bool) -> Iterator[list]:
    registrar_agencies = registrar_agency_ids(user)
    for appeal in queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        identifier = appeal.applicant_iin or appeal.applicant_bin
        if not identifier_needed(user, appeal, registrar_agencies=registrar_agencies):
            identifier = mask_identifier(identifier)
        registered = timezone.localtime(appeal.registered_at)
        yield [
            appeal.number,
            registered.replace(tzinfo=None) if excel else registered.strftime("%Y-%m-%d %H:%M"),
            appeal.agency.name,
            appeal.get_kind_display(),
            appeal.get_channel_display(),
            appeal.get_language_display(),
            appeal.get_status_display(),
            appeal.applicant_name or appeal.get_applicant_type_display(),
            identifier,
            appeal.get_region_display(),
            appeal.category.name if appeal.category_id else "",
            appeal.subject,
            appeal.assignee.display_name if appeal.assignee_id else "",
            appeal.due_date if excel else appeal.due_date.isoformat(),
            appeal_deadline(appeal).text,
            appeal.get_outcome_display(),
            _("Yes") if appeal.is_repeated else "",
        ]


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
            yield "\ufeff"  # a byte-order mark, so that spreadsheet programs read the Cyrillic right
            yield writer.writerow(_headers())
            for row in _rows(user, queryset, excel=False):
                yield writer.writerow(row)

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


def export_response(request: HttpRequest, queryset, *, fmt: str) -> HttpResponse:
    queryset = appeals_for_display(queryset)
    if fmt == "xlsx":
        return export_xlsx(request, queryset)
    return export_csv(request, queryset)


@login_required
def export_queue(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole filtered list of a queue, as the queue page shows it (same parameters)."""
    desk = request_desk(request)
    saved = saved_view_get(request, request.GET["view"]) if request.GET.get("view") else None
    data = effective_params(request, request.GET, saved)
    _key, filterset = queue_filterset(request, desk, data)
    return export_response(request, ordered(filterset.qs), fmt=fmt)
