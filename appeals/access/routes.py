"""The categories and their routes as every intake reads them: from this process's memory, read again when the
rosters change (appeals/infra/rosters.py: a saved or deleted category, route or agency gives a new version).

An intake names its category by code and, without an agency, goes where the category's route in its region
leads. Both tables are small (a category per topic; a route per category and region) and change only when an
administrator edits them, so one intake after another reads them from memory instead of two queries each.
Other processes see an edit within ROSTER_CACHE_SECONDS (at once with a shared cache: CACHE_URL).
The objects are shared by the requests of the process: read them, never change them.
"""

from __future__ import annotations

from collections.abc import Iterable

from agencies.models import Agency, Category, CategoryRoute

from ..infra.rosters import roster_memo


def categories_by_code() -> dict[str, Category]:
    """The active categories by code."""
    return roster_memo("routes:categories", lambda: {c.code: c for c in Category.objects.filter(is_active=True)})


def _route_table() -> dict[tuple[int, str], Agency]:
    """(category id, region or "" for the national default) -> the active agency it routes to."""
    routes = CategoryRoute.objects.filter(agency__is_active=True).select_related("agency")
    return {(route.category_id, route.region): route.agency for route in routes}


def category_routes_kept(pairs: Iterable[tuple[Category, str]]) -> dict[tuple[int, str], Agency | None]:
    """agencies.selectors.category_routes from memory: the regional route, else the national default, else None;
    keyed by (category id, region)."""
    table = roster_memo("routes:table", _route_table)
    return {
        (category.pk, region): table.get((category.pk, region)) or table.get((category.pk, ""))
        for category, region in pairs
    }
