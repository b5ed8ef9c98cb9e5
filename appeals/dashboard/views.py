"""The dashboard's pages: /dashboard/, the league table's CSV/XLSX exports and its print page.

Thin: check the supervisor, read the period form, ask appeals.dashboard.build for the numbers.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.choices import Role
from agencies.models import Agency
from agencies.selectors import user_agencies

from ..access.selectors import appeal_get_visible
from ..calendar.workdays import local_today
from ..infra.replica import heavy_read
from ..lifecycle import AppealError, appeal_record_rating
from ..routing.selectors import routing_effect
from ..views.common import request_desk, sidebar_context
from ..views.exports import spreadsheet_text
from .build import LeagueSort, dashboard_build, league_build
from .measures import INDICATORS
from .periods import PeriodForm


def supervised_agencies(user) -> list[Agency]:
    """The agencies whose subtree the user supervises (a superuser without memberships: the roots)."""
    agencies = user_agencies(user, roles=[Role.SUPERVISOR])
    if not agencies and user.is_superuser:
        agencies = list(Agency.objects.filter(parent__isnull=True).order_by("path"))
    # A subtree inside another one the user supervises is still offered: it is a narrower view.
    return agencies


def _refuse(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/forbidden.html", status=403)


def _setup(request: HttpRequest):
    """(agencies, form, root) or None when the user supervises nothing."""
    agencies = supervised_agencies(request.user)
    if not agencies:
        return None
    form = PeriodForm(request.GET or None, agencies=agencies, today=local_today())
    by_id = {a.pk: a for a in agencies}
    desk_agency = request_desk(request).agency
    root = by_id.get(desk_agency.pk) if desk_agency else None
    root = root or agencies[0]
    if form.is_valid() and form.cleaned_data.get("agency") in by_id:
        root = by_id[form.cleaned_data["agency"]]
    return agencies, form, root


@login_required
@require_GET
@heavy_read
def dashboard(request: HttpRequest) -> HttpResponse:
    setup = _setup(request)
    if setup is None:
        return _refuse(request)
    agencies, form, root = setup
    context = {
        **sidebar_context(request, request_desk(request)),
        "form": form,
        "agencies": agencies,
        "root": root,
        "dashboard_active": True,
    }
    if form.is_bound and not form.is_valid():
        return render(request, "dashboard/dashboard.html", context)
    sort = LeagueSort.parse(request.GET.get("sort", ""))
    context.update(dashboard_build(root=root, period=form.chosen_period(), today=local_today(), sort=sort))
    context["routing"] = routing_effect(root=root)
    context["query"] = _query_without(request, "sort")
    return render(request, "dashboard/dashboard.html", context)


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
@require_GET
@heavy_read
def league_print(request: HttpRequest) -> HttpResponse:
    setup = _setup(request)
    if setup is None:
        return _refuse(request)
    _agencies, form, root = setup
    if form.is_bound and not form.is_valid():
        return render(request, "dashboard/league_print.html", {"form": form, "root": root})
    period = form.chosen_period()
    data = league_build(
        root=root, period=period, today=local_today(), sort=LeagueSort.parse(request.GET.get("sort", ""))
    )
    return render(request, "dashboard/league_print.html", {"form": form, "root": root, "period": period, **data})


def _cell(value) -> object:
    """A value for a spreadsheet cell; text that a spreadsheet would run as a formula is quoted."""
    if isinstance(value, str):
        return spreadsheet_text(value)
    return "" if value is None else value


def league_table_rows(data: dict) -> tuple[list[str], list[list]]:
    headers = [_("Agency"), *[str(i.label) for i in INDICATORS]]
    rows = []
    for row in [*data["rows"], data["total"]]:
        label = f"{row.label} ({row.note})" if row.note else row.label
        if row is data["total"]:
            label = f"{_('Total')}: {row.label}"
        rows.append([_cell(label), *[_cell(row.values.get(i.key)) for i in INDICATORS]])
    return headers, rows


@login_required
@require_GET
@heavy_read
def league_export(request: HttpRequest, fmt: str) -> HttpResponse:
    setup = _setup(request)
    if setup is None:
        return _refuse(request)
    _agencies, form, root = setup
    if form.is_bound and not form.is_valid():
        return render(request, "dashboard/dashboard.html", {"form": form, "root": root}, status=400)
    period = form.chosen_period()
    data = league_build(
        root=root, period=period, today=local_today(), sort=LeagueSort.parse(request.GET.get("sort", ""))
    )
    headers, rows = league_table_rows(data)
    stamp = f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    filename = f"league-{root.code}-{stamp}.{fmt}"
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = _("League table")[:31]
        sheet.append([f"{root.name}: {period.start:%d.%m.%Y} – {period.end:%d.%m.%Y}"])
        sheet.append(headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.column_dimensions["A"].width = 48
        sheet.freeze_panes = "B3"
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel reads UTF-8 (Cyrillic names) only with the byte-order mark
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def appeal_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the applicant's rating of the answer (told to staff by phone, at reception, by letter)."""
    appeal = appeal_get_visible(request.user, pk)
    raw = request.POST.get("rating", "")
    try:
        appeal_record_rating(appeal=appeal, rating=int(raw) if raw.strip().isdigit() else 0, actor=request.user)
    except AppealError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The applicant's rating is recorded."))
    return redirect(appeal.get_absolute_url())
