"""The searchable agency picker: a fragment for htmx, and the same search for pages without JavaScript."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agencies.models import Agency

PICKER_LIMIT = 20


def agency_choices(query: str, *, exclude_ids: set[int] | None = None) -> list[Agency]:
    """Active agencies whose name (Kazakh or Russian) or code contains `query`, at most PICKER_LIMIT."""
    query = " ".join(query.split())[:100]
    if not query:
        return []
    # SQLite compares only ASCII letters without case: try the usual spellings of the words as well.
    condition = Q(code__icontains=query)
    for variant in {query, query.lower(), query.capitalize(), query.upper(), query.title()}:
        condition |= Q(name_ru__icontains=variant) | Q(name_kk__icontains=variant)
    agencies = Agency.objects.filter(condition, is_active=True)
    if exclude_ids:
        agencies = agencies.exclude(pk__in=exclude_ids)
    return list(agencies.select_related("parent").order_by("depth", "name_ru")[:PICKER_LIMIT])


@login_required
def agency_search(request: HttpRequest) -> HttpResponse:
    """Radio buttons of matching agencies (the picker's results, swapped in by htmx)."""
    exclude = {int(v) for v in request.GET.getlist("exclude") if v.isdigit()}
    query = request.GET.get("agency_q", "")
    return render(
        request,
        "appeals/includes/agency_options.html",
        {"options": agency_choices(query, exclude_ids=exclude), "agency_q": query, "chosen": ""},
    )
