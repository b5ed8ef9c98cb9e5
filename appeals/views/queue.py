"""The queue page: presets of one list, filtered by AppealFilterSet, sorted, paged without a full COUNT."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.models import Agency, User
from agencies.selectors import agency_executor_names

from .. import lifecycle
from ..access.selectors import appeals_for_display, appeals_queue_page, appeals_visible_to, ordered
from ..desk import saved_views
from ..desk.forms import AgencySearchForm, SavedViewForm
from ..desk.queues import ALL, QUEUES, capped_counts_of, default_queue, desk_switch_agency, queue_count_sql
from ..desk.rosters import ROSTER_CACHE_SECONDS, roster_cached, roster_key
from ..desk.rows import bare_instance
from ..desk.widgets import FastCheckboxSelectMultiple, preload_model_choices, speed_up_selects
from ..models.choices import OPEN_STATUSES, AppealStatus
from .chips import filter_chips
from .common import (
    SEARCH_REFS_KEY,
    effective_params,
    htmx_target,
    queue_filterset,
    request_desk,
    saved_view_get,
    sidebar_context,
)
from .exports import export_response
from .pickers import agency_choices

PER_PAGE_CHOICES = (25, 50, 100)
MAX_PAGE = 2000
BULK_MAX = 500

# Parameters the filter panel does not draw (the search box, the sort and the pager are outside it).
NOT_IN_PANEL = frozenset({"q", "qref", "ordering", "page", "per_page", "view", "from"})

# Filters shown as checkboxes (few values) rather than multi-selects.
CHECKBOX_FILTERS = ("status", "kind", "channel")
# Filters laid out in the panel by the template; any other FilterSet field is added after them.
PANEL_FILTERS = (
    "q",
    "status",
    "kind",
    "channel",
    "language",
    "region",
    "category",
    "agency",
    "executor",
    "unassigned",
    "registered",
    "deadline",
    "overdue",
    "due_within",
    "open",
    "repeated",
    "escalated",
    "extended",
    "redirected_in",
    "ordering",
)


@dataclass
class PageSlice:
    """One page of rows, fetched as per_page + 1 to know whether another page follows (no COUNT)."""

    rows: list
    number: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end(self) -> int:
        return self.start + len(self.rows) - 1 if self.rows else 0


def page_slice(queryset, *, number: int, per_page: int, fetch=None) -> PageSlice:
    """`fetch(queryset, offset=…, limit=…)` reads the rows when a plain slice of the queryset would not do."""
    offset = (number - 1) * per_page
    if fetch is None:
        rows = list(queryset[offset : offset + per_page + 1])
    else:
        rows = fetch(queryset, offset=offset, limit=per_page + 1)
    return PageSlice(rows[:per_page], number, per_page, len(rows) > per_page)


def _int_param(value, default: int, *, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high)


def _is_identifier(text: str) -> bool:
    text = text.strip()
    return len(text) == 12 and text.isascii() and text.isdigit()


def search_ref_store(request: HttpRequest, text: str) -> str:
    """Keep a searched IIN/BIN in the session and return the short reference the URL carries instead."""
    refs = dict(request.session.get(SEARCH_REFS_KEY) or {})
    for ref, value in refs.items():
        if value == text:
            return ref
    ref = secrets.token_urlsafe(6)
    refs[ref] = text
    request.session[SEARCH_REFS_KEY] = dict(list(refs.items())[-20:])
    return ref


class Person(NamedTuple):
    pk: int
    display_name: str


class ExecutorGroup(NamedTuple):
    agency_name: str
    people: list[Person]


def _bulk_executors(desk, rows: list) -> list[ExecutorGroup]:
    """Whom a supervisor may assign the page's appeals to: the active executors of each appeal's agency,
    grouped by agency (one query for the page, whatever its size)."""
    agency_ids = sorted({row.agency_id for row in rows})
    if not agency_ids:
        return []
    # The staff of an agency is a roster: read once per ROSTER_CACHE_SECONDS, afresh after any change to it.
    names = roster_cached(f"executor-names:{','.join(map(str, agency_ids))}", lambda: agency_executor_names(agency_ids))
    groups: dict[int, ExecutorGroup] = {}
    for agency_id, name_kk, name_ru, user_id, username, first_name, last_name in names:
        group = groups.get(agency_id)
        if group is None:
            # The names as Agency.name and User.display_name word them, from the row's values.
            name = bare_instance(Agency, name_kk=name_kk, name_ru=name_ru).name
            group = groups[agency_id] = ExecutorGroup(name, [])
        display_name = bare_instance(User, username=username, first_name=first_name, last_name=last_name).display_name
        group.people.append(Person(user_id, display_name))
    return sorted(
        groups.values(),
        key=lambda group: (group.agency_name != desk.agency.name if desk.agency else 0, group.agency_name),
    )


def _list_url(params: dict) -> str:
    query = QueryDict(mutable=True)
    for name, value in params.items():
        if isinstance(value, list):
            query.setlist(name, value)
        else:
            query[name] = value
    return f"{reverse('appeals:list')}?{query.urlencode()}"


def _cannot_match(queue, data: QueryDict) -> str:
    """A sentence saying the status filter cannot match in this queue (empty when it can)."""
    if queue.statuses is None:
        return ""
    chosen = {value for value in data.getlist("status") if value in AppealStatus.values}
    impossible = bool(chosen) and not chosen & queue.statuses
    impossible |= data.get("open") == "false" and queue.statuses <= OPEN_STATUSES
    if not impossible:
        return ""
    labels = ", ".join(str(AppealStatus(value).label) for value in AppealStatus.values if value in queue.statuses)
    return _("This queue holds only these statuses: %(statuses)s.") % {"statuses": labels}


def _panel_cache_key(form, *, desk) -> str:
    """The key of the filter panel's HTML (a template fragment cached for ROSTER_CACHE_SECONDS): everything it is
    drawn from. The options are the user's (who they are, the desk's agency, the language, the rosters' version,
    as preload_model_choices keeps them) and the values and errors come from the parameters; the search box, the
    sort and the paging are drawn outside it. Equal keys draw equal HTML, and a key is never shared by two users."""
    data = form.data
    values = sorted(
        (name, tuple(data.getlist(name) if hasattr(data, "getlist") else [data[name]]))
        for name in data
        if name not in NOT_IN_PANEL
    )
    digest = hashlib.sha256(repr(values).encode()).hexdigest()
    agency = desk.agency.pk if desk.agency is not None else "all"
    return roster_key(f"filter-panel:{desk.user.pk}:{agency}:{get_language()}:{digest}")


def _decorate_filter_form(form, *, desk) -> None:
    """Checkboxes rather than Ctrl-click multi-selects, long lists in a scrolling box, one word ("Any") for
    every empty choice."""
    for name, field in form.fields.items():
        if isinstance(field.widget, forms.SelectMultiple):
            attrs = {"class": "checks-scroll"} if name not in CHECKBOX_FILTERS else {}
            field.widget = FastCheckboxSelectMultiple(attrs=attrs, choices=field.choices)
        elif getattr(field, "empty_label", None) is not None:
            field.empty_label = _("Any")  # a model select's options are listed below, with this label
            if not isinstance(field, forms.ModelChoiceField):
                field.widget.choices = [("", field.empty_label), *(c for c in field.widget.choices if c[0] != "")]
    speed_up_selects(form)
    agency = desk.agency.pk if desk.agency is not None else "all"
    preload_model_choices(form, cache_key=f"{desk.user.pk}:{agency}:{get_language()}")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A signed-in user lands where their work is: the first non-empty of their queues (one counting query)."""
    desk = request_desk(request)
    counts = capped_counts_of(queue_count_sql(desk))
    return redirect(f"{reverse('appeals:list')}?queue={default_queue(desk, counts)}")


@login_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    desk = request_desk(request)
    if _is_identifier(request.GET.get("q", "")):
        # An IIN/BIN typed into the search box: keep it out of the URL (history, logs, shared links).
        params = request.GET.copy()
        params["qref"] = search_ref_store(request, params.pop("q")[-1].strip())
        return redirect(f"{reverse('appeals:list')}?{params.urlencode()}")
    saved = saved_view_get(request, request.GET["view"]) if request.GET.get("view") else None
    data = effective_params(request, request.GET, saved)
    key, filterset = queue_filterset(request, desk, data)
    _decorate_filter_form(filterset.form, desk=desk)
    per_page = _int_param(data.get("per_page"), PER_PAGE_CHOICES[0], low=10, high=PER_PAGE_CHOICES[-1])
    number = _int_param(data.get("page"), 1, low=1, high=MAX_PAGE)
    page = page_slice(ordered(filterset.qs), number=number, per_page=per_page, fetch=appeals_queue_page)

    save_query = QueryDict(mutable=True)
    for name in data:
        if name not in {"page", "view", "q", "from"} and any(data.getlist(name)):
            save_query.setlist(name, data.getlist(name))
    if data.get("q") and not data.get("qref"):
        save_query["q"] = data["q"]
    extra_filters = [filterset.form[name] for name in filterset.form.fields if name not in PANEL_FILTERS]
    queue = QUEUES[key]
    chips = filter_chips(data, filterset.form, queue_key=key)
    context = {
        "queue": queue,
        "queue_key": key,
        "filterset": filterset,
        "form": filterset.form,
        "extra_filters": extra_filters,
        "page": page,
        "per_page_choices": PER_PAGE_CHOICES,
        "ordering": data.get("ordering", ""),
        "saved_view": saved,
        "searching_identifier": bool(data.get("qref")),
        "save_view_form": SavedViewForm(initial={"query": save_query.urlencode()}),
        "bulk_executors": _bulk_executors(desk, page.rows) if desk.is_supervisor else [],
        "can_redirect": desk.is_supervisor or desk.is_registrar,
        "filters_active": bool(chips),
        "chips": chips,
        "reset_url": _list_url({"queue": key, **({"from": data["from"]} if data.get("from") else {})}),
        "cannot_match": _cannot_match(queue, data),
        "all_queue_url": _list_url({**{k: data.getlist(k) for k in save_query}, "queue": ALL}),
        "from_dashboard": data.get("from") == "dashboard",
        "dashboard_url": _dashboard_back(request) if data.get("from") == "dashboard" else "",
        "back_url": request.get_full_path(),
        "export_query": _export_query(request.GET),
    }
    if htmx_target(request) == "queue-results":
        context["oob"] = True  # the export links, the sort and the save-view form follow the filters
        response = render(request, "appeals/includes/queue_results.html", context)
        response["HX-Push-Url"] = f"{reverse('appeals:list')}?{_without_empty(request.GET).urlencode()}"
        return response
    context.update(sidebar_context(request, desk, active_queue=key, active_view=saved.pk if saved else None))
    context["panel_cache_key"] = _panel_cache_key(filterset.form, desk=desk)
    context["panel_cache_seconds"] = ROSTER_CACHE_SECONDS
    return render(request, "appeals/appeal_list.html", context)


def _dashboard_back(request: HttpRequest) -> str:
    """The dashboard page the user came from (with its period), else the dashboard."""
    dashboard = reverse("appeals:dashboard")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.get_host() and referer.path == dashboard:
        return f"{dashboard}?{referer.query}" if referer.query else dashboard
    return dashboard


def _without_empty(params: QueryDict) -> QueryDict:
    """The parameters without the empty ones a submitted filter form carries (`executor=&overdue=&…`)."""
    query = QueryDict(mutable=True)
    for name in params:
        values = [value for value in params.getlist(name) if value]
        if values:
            query.setlist(name, values)
    return query


def _export_query(params: QueryDict) -> str:
    query = _without_empty(params)
    for name in ("page", "per_page", "from"):
        query.pop(name, None)
    return query.urlencode()


@login_required
@require_POST
def find_by_identifier(request: HttpRequest) -> HttpResponse:
    """Search by a full IIN/BIN sent in a POST body, so that it never appears in a URL."""
    text = request.POST.get("identifier", "").strip()
    if not _is_identifier(text):
        messages.error(request, _("An IIN or BIN is exactly 12 digits."))
        return redirect(_safe_back(request, request.POST.get("back")))
    return redirect(f"{reverse('appeals:list')}?queue=all&qref={search_ref_store(request, text)}")


def _safe_back(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}) and url.startswith("/"):
        return url
    return reverse("appeals:list")


# --- Bulk actions --------------------------------------------------------------------------------------------
@login_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Assign or redirect the selected appeals (each through its service, each audited), or export them."""
    back = _safe_back(request, request.POST.get("back"))
    ids = sorted({int(v) for v in request.POST.getlist("ids") if v.isdigit()})[:BULK_MAX]
    action = request.POST.get("action", "")
    if not ids:
        messages.warning(request, _("Select appeals in the list first."))
        return redirect(back)
    selected = appeals_for_display(appeals_visible_to(request.user)).filter(pk__in=ids).order_by("due_date", "pk")
    if action in ("export_csv", "export_xlsx"):
        return export_response(request, selected, fmt=action.removeprefix("export_"))
    if action == "assign":
        return _bulk_assign(request, list(selected), back)
    if action == "redirect":
        return _bulk_redirect(request, list(selected), back)
    messages.error(request, _("Choose what to do with the selected appeals."))
    return redirect(back)


def _report(request: HttpRequest, done: int, failures: list[str], done_message: str) -> None:
    if done:
        messages.success(request, done_message)
    for line in failures[:20]:
        messages.error(request, line)
    if len(failures) > 20:
        messages.error(request, _("…and %(n)s more could not be changed.") % {"n": len(failures) - 20})


def _bulk_assign(request: HttpRequest, appeals: list, back: str) -> HttpResponse:
    executor = User.objects.filter(pk=request.POST.get("executor") or 0, is_active=True).first()
    if executor is None:
        messages.error(request, _("Choose the executor to assign the selected appeals to."))
        return redirect(back)
    done, failures = 0, []
    for appeal in appeals:
        try:
            lifecycle.appeal_assign(appeal=appeal, executor=executor, actor=request.user)
            done += 1
        except ValidationError as exc:
            failures.append(f"{appeal.number}: {' '.join(exc.messages)}")
    _report(
        request,
        done,
        failures,
        ngettext("%(n)s appeal assigned to %(name)s.", "%(n)s appeals assigned to %(name)s.", done)
        % {"n": done, "name": executor.display_name},
    )
    return redirect(back)


def _bulk_redirect(request: HttpRequest, appeals: list, back: str) -> HttpResponse:
    """A page of its own: the selected appeals, the agency picker and the reason; then one service call each."""
    search = AgencySearchForm(request.POST)
    search.is_valid()
    query = search.cleaned_data.get("agency_q", "") if search.is_valid() else ""
    exclude = {a.agency_id for a in appeals}
    options = agency_choices(query, exclude_ids=exclude) if query else []
    errors: dict[str, str] = {}
    reason = request.POST.get("reason", "").strip()
    if "confirm" in request.POST:
        target = Agency.objects.filter(pk=request.POST.get("to_agency") or 0, is_active=True).first()
        if target is None:
            errors["to_agency"] = _("Find and choose the competent agency.")
        if not reason:
            errors["reason"] = _("Explain why the matter is outside this agency's competence.")
        if not errors:
            done, failures = 0, []
            for appeal in appeals:
                try:
                    lifecycle.appeal_redirect(appeal=appeal, to_agency=target, actor=request.user, reason=reason)
                    done += 1
                except ValidationError as exc:
                    failures.append(f"{appeal.number}: {' '.join(exc.messages)}")
            _report(
                request,
                done,
                failures,
                ngettext("%(n)s appeal redirected to %(agency)s.", "%(n)s appeals redirected to %(agency)s.", done)
                % {"n": done, "agency": target.name},
            )
            return redirect(back)
    desk = request_desk(request)
    context = {
        "appeals": appeals,
        "back_url": back,
        "search_form": search,
        "agency_q": query,
        "options": options,
        "reason": reason,
        "errors": errors,
        "chosen": request.POST.get("to_agency", ""),
    }
    context.update(sidebar_context(request, desk))
    return render(request, "appeals/bulk_redirect.html", context, status=422 if errors else 200)


# --- Saved views and the current agency ----------------------------------------------------------------------
@login_required
@require_POST
def saved_view_create(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    desk = request_desk(request)
    back = _safe_back(request, request.POST.get("back"))
    if not form.is_valid():
        messages.error(request, _("Name the view (at most 80 characters)."))
        return redirect(back)
    query = QueryDict(form.cleaned_data["query"], mutable=True)
    for name in ("page", "view", "qref"):
        query.pop(name, None)
    if _is_identifier(query.get("q", "")):
        query.pop("q")
    try:
        view = saved_views.saved_view_create(
            owner=request.user,
            name=form.cleaned_data["name"],
            query=query.urlencode(),
            share_with=desk.agency if form.cleaned_data["share"] else None,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("The view “%(name)s” is saved.") % {"name": view.name})
    return redirect(f"{reverse('appeals:list')}?view={view.pk}")


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = saved_view_get(request, pk)
    if view is None:
        messages.error(request, _("This saved view no longer exists."))
        return redirect("appeals:list")
    try:
        saved_views.saved_view_delete(saved_view=view, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('appeals:list')}?view={view.pk}")
    messages.success(request, _("The view “%(name)s” is deleted.") % {"name": view.name})
    return redirect("appeals:home")


@login_required
@require_POST
def switch_agency(request: HttpRequest) -> HttpResponse:
    agency = desk_switch_agency(
        request.session, user=request.user, agency_id=_int_param(request.POST.get("agency"), 0, low=0, high=2**62)
    )
    if agency is None:
        messages.error(request, _("You do not work in that agency."))
    else:
        messages.success(request, _("You are working in %(agency)s.") % {"agency": agency.name})
    return redirect("appeals:home")
