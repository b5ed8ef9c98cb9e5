"""What every desk page shares: the user's desk (current agency, roles) and the side menu with its counts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.http import HttpRequest, QueryDict
from django.urls import reverse

from agencies.selectors import user_memberships

from ..access.menucounts import menu_counts_cached
from ..calendar.workdays import local_today
from ..desk.filters import AppealFilterSet
from ..desk.queues import (
    ALL,
    QUEUES,
    Desk,
    capped_count_sql,
    capped_counts_of,
    desk_for,
    queue_count_sql,
    queue_filterset_for,
    queue_keys,
)
from ..desk.rosters import roster_cached, roster_key
from ..models import SavedView

SAVED_VIEWS_IN_MENU = 20
SEARCH_REFS_KEY = "desk_search_refs"


def request_desk(request: HttpRequest) -> Desk:
    desk = getattr(request, "_desk", None)
    if desk is None:
        desk = desk_for(request.user, request.session)
        request._desk = desk
    return desk


def saved_views_for(request: HttpRequest):
    """The user's own views and those shared with their agencies (at most SAVED_VIEWS_IN_MENU)."""
    user = request.user

    def read() -> list[SavedView]:
        agency_ids = sorted({m.agency_id for m in user_memberships(user)})
        return list(
            SavedView.objects.filter(Q(owner=user) | Q(agency_id__in=agency_ids))
            .select_related("owner", "agency")
            .order_by("name", "id")[:SAVED_VIEWS_IN_MENU]
        )

    return roster_cached(f"saved-views:{user.pk}", read)  # renewed when a view or a membership changes


def saved_view_get(request: HttpRequest, pk) -> SavedView | None:
    agency_ids = sorted({m.agency_id for m in user_memberships(request.user)})
    try:
        return SavedView.objects.filter(Q(owner=request.user) | Q(agency_id__in=agency_ids)).get(pk=pk)
    except (SavedView.DoesNotExist, ValueError, TypeError):
        return None


def search_ref_resolve(request: HttpRequest, ref: str) -> str:
    return (request.session.get(SEARCH_REFS_KEY) or {}).get(ref, "")


# Parameters of a queue that are not filters.
NON_FILTER_PARAMS = {"page", "per_page", "view", "qref", "queue", "from"}


def effective_params(request: HttpRequest, params: QueryDict, saved: SavedView | None) -> QueryDict:
    """The parameters a queue is built from: a saved view's, overridden by those in the URL.

    A searched IIN/BIN never travels in the URL: `qref` names a search kept in the session.
    """
    data = QueryDict(mutable=True)
    if saved is not None:
        data.update(QueryDict(saved.query))
    for key in params:
        if key != "view":
            data.setlist(key, params.getlist(key))
    ref = data.get("qref")
    if ref:
        data["q"] = search_ref_resolve(request, ref)
    return data


def queue_filterset(request: HttpRequest, desk: Desk, data: QueryDict) -> tuple[str, AppealFilterSet]:
    """The queue key and its FilterSet over the queue's appeals, with the queue's default sort and filters."""
    key = data.get("queue") or ALL
    if key not in QUEUES or (key != ALL and key not in queue_keys(desk)):
        key = ALL
    return key, queue_filterset_for(desk, key, data, request=request)


@dataclass
class MenuItem:
    key: str
    label: str
    url: str
    count: int | None
    active: bool


def sidebar_context(request: HttpRequest, desk: Desk, *, active_queue: str = "", active_view: int | None = None):
    """Queues and saved views with capped counts: one query for the views, one for every count."""
    keys = queue_keys(desk)
    views = saved_views_for(request)

    def count() -> dict[str, int]:
        compiled = {f"q:{key}": query for key, query in queue_count_sql(desk).items()}
        querysets = {}
        for view in views:
            data = effective_params(request, QueryDict(), view)
            _key, filterset = queue_filterset(request, desk, data)
            if filterset.is_valid():  # a saved view whose filters no longer apply shows no count
                querysets[f"v:{view.pk}"] = filterset.qs
        return capped_counts_of({**compiled, **capped_count_sql(querysets)})

    agency = desk.agency.pk if desk.agency is not None else "all"
    # Kept for a few seconds per user and desk, renewed by any change of an appeal (appeals/access/menucounts.py).
    counts = menu_counts_cached(roster_key(f"{request.user.pk}:{agency}:{local_today().isoformat()}"), count)
    list_url = reverse("appeals:list")
    queues = [
        MenuItem(
            key,
            str(QUEUES[key].label),
            f"{list_url}?queue={key}",
            counts.get(f"q:{key}"),
            key == active_queue and active_view is None,
        )
        for key in keys
    ]
    saved = [
        {
            "view": view,
            "url": f"{list_url}?view={view.pk}",
            "count": counts.get(f"v:{view.pk}"),
            "active": view.pk == active_view,
            "mine": view.owner_id == request.user.pk,
        }
        for view in views
    ]
    return {"desk": desk, "menu_queues": queues, "menu_views": saved}


def htmx_target(request: HttpRequest) -> str | None:
    return request.htmx.target if request.htmx else None
