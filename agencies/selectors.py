"""Reads about agencies, staff and their roles. Every helper here is one query or none."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from .choices import Role
from .models import Agency, Category, CategoryRoute, Membership, User

_MEMBERSHIPS_ATTR = "_otinish_memberships"
_VISIBLE_AGENCIES_ATTR = "_otinish_visible_agencies"


def agency_subtree(agency: Agency) -> QuerySet[Agency]:
    """The agency and all its descendants, one query at any depth."""
    return Agency.objects.filter(path__startswith=agency.path)


def agency_subtree_q(agency: Agency, prefix: str = "") -> Q:
    """A filter for rows whose agency lies in `agency`'s subtree (prefix: the path to the agency FK)."""
    return Q(**{f"{prefix}path__startswith": agency.path})


def agency_ancestors(agency: Agency) -> QuerySet[Agency]:
    """The agency's ancestors, root first."""
    return Agency.objects.filter(pk__in=agency.ancestor_ids).order_by("depth")


def agency_is_within(agency: Agency, root: Agency) -> bool:
    """Whether `agency` is `root` or one of its descendants (no query)."""
    return agency.path.startswith(root.path)


def user_memberships(user: User) -> list[Membership]:
    """The user's memberships with their agencies, loaded once per user object (one query)."""
    cached = getattr(user, _MEMBERSHIPS_ATTR, None)
    if cached is None:
        if not user.is_authenticated or not user.is_active:
            cached = []
        else:
            cached = list(Membership.objects.filter(user=user).select_related("agency"))
        setattr(user, _MEMBERSHIPS_ATTR, cached)
    return cached


def forget_memberships(user: User) -> None:
    """Drop the per-object cache after memberships change."""
    for attr in (_MEMBERSHIPS_ATTR, _VISIBLE_AGENCIES_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def user_roles_for(user: User, agency: Agency) -> frozenset[str]:
    """The roles the user holds for appeals of `agency`.

    Registrar and executor roles count only in the agency itself; a supervisor of an
    agency is a supervisor of its whole subtree.
    """
    roles: set[str] = set()
    for membership in user_memberships(user):
        if membership.agency_id == agency.pk:
            roles.add(membership.role)
        elif membership.role == Role.SUPERVISOR and agency_is_within(agency, membership.agency):
            roles.add(Role.SUPERVISOR)
    return frozenset(roles)


def user_agencies(user: User, *, roles: Iterable[str] | None = None) -> list[Agency]:
    """Agencies where the user holds a membership (optionally one of `roles`), without duplicates."""
    wanted = set(roles) if roles is not None else None
    seen: dict[int, Agency] = {}
    for membership in user_memberships(user):
        if wanted is None or membership.role in wanted:
            seen.setdefault(membership.agency_id, membership.agency)
    return sorted(seen.values(), key=lambda a: a.path)


def agency_visibility_q(user: User, prefix: str = "agency__") -> Q | None:
    """The filter of rows whose agency the user may see, or None when they may see nothing.

    Direct members see their agency; supervisors see the agency's whole subtree.
    `prefix` is the lookup path from the filtered model to Agency ("" for Agency itself).
    """
    direct: set[int] = set()
    subtree_paths: set[str] = set()
    for membership in user_memberships(user):
        if membership.role == Role.SUPERVISOR:
            subtree_paths.add(membership.agency.path)
        else:
            direct.add(membership.agency_id)
    # A subtree already covering another one makes the inner one redundant.
    paths = sorted(subtree_paths)
    roots = [p for p in paths if not any(p != other and p.startswith(other) for other in paths)]
    if not direct and not roots:
        return None
    id_lookup = f"{prefix}id__in" if prefix else "id__in"
    condition = Q(**{id_lookup: sorted(direct)}) if direct else Q()
    for path in roots:
        term = Q(**{f"{prefix}path__startswith": path})
        condition = condition | term if condition else term
    return condition


def agency_ids_visible_to(user: User) -> list[tuple[int, str]]:
    """(id, path) of every agency whose appeals the user may see, resolved once per user object (one query).

    Lists of appeals filter on these ids as a literal list rather than on a subquery over the
    agencies' paths: the planner then knows which agencies it reads and picks the index that
    matches the sort (benchmarks: BENCHMARKS.md, "Indexes and query plans").
    """
    cached = getattr(user, _VISIBLE_AGENCIES_ATTR, None)
    if cached is None:
        memberships = user_memberships(user)
        if not any(m.role == Role.SUPERVISOR for m in memberships):
            # Only direct memberships: the agencies are already loaded with them.
            cached = sorted({(m.agency_id, m.agency.path) for m in memberships})
        else:
            condition = agency_visibility_q(user, prefix="")
            cached = [] if condition is None else list(Agency.objects.filter(condition).values_list("pk", "path"))
        setattr(user, _VISIBLE_AGENCIES_ATTR, cached)
    return cached


def agencies_visible_to(user: User) -> QuerySet[Agency]:
    """Agencies whose appeals the user may see."""
    if user.is_authenticated and user.is_superuser:
        return Agency.objects.all()
    condition = agency_visibility_q(user, prefix="")
    if condition is None:
        return Agency.objects.none()
    return Agency.objects.filter(condition)


def agency_members(agency: Agency, *, role: str) -> QuerySet[User]:
    """Active users holding `role` directly in `agency`."""
    return (
        User.objects.filter(is_active=True, memberships__agency=agency, memberships__role=role)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def agency_supervisors_up_the_tree(agency: Agency) -> QuerySet[User]:
    """Supervisors of the agency and of every ancestor: who answers for an appeal of `agency`."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__role=Role.SUPERVISOR,
            memberships__agency_id__in=[*agency.ancestor_ids, agency.pk],
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def category_route(*, category: Category, region: str) -> Agency | None:
    """The competent agency for a category in a region: the regional route, else the national default."""
    return category_routes([(category, region)])[(category.pk, region)]


def category_routes(pairs: Iterable[tuple[Category, str]]) -> dict[tuple[int, str], Agency | None]:
    """`category_route` for several (category, region) pairs in one query, keyed by (category id, region)."""
    pairs = {(category.pk, region) for category, region in pairs}
    found: dict[tuple[int, str], Agency | None] = dict.fromkeys(pairs)
    if not pairs:
        return found
    routes = CategoryRoute.objects.filter(
        Q(region__in={region for _category, region in pairs}) | Q(region=""),
        category_id__in={category for category, _region in pairs},
        agency__is_active=True,
    ).select_related("agency")
    regional = {(route.category_id, route.region): route.agency for route in routes}
    for category, region in pairs:
        found[(category, region)] = regional.get((category, region)) or regional.get((category, ""))
    return found


def user_may_use_second_factor(user: User) -> bool:
    """Supervisors and administrators may protect their account with a second factor (TOTP)."""
    return user.is_staff or user.is_superuser or bool(user_agencies(user, roles=[Role.SUPERVISOR]))


def agency_executor_names(agency_ids: Iterable[int]) -> list[tuple]:
    """(agency id, agency name_kk, name_ru, user id, username, first name, last name) of the active executors of
    these agencies, in agency_executors' order: the values a list of names needs, without model instances (a
    ministry's queue page lists some 200 executors of the page's agencies)."""
    return list(
        Membership.objects.filter(agency_id__in=list(agency_ids), role=Role.EXECUTOR, user__is_active=True)
        .order_by("user__last_name", "user__first_name", "user__username")
        .values_list(
            "agency_id", "agency__name_kk", "agency__name_ru", "user_id", "user__username", "user__first_name",
            "user__last_name",
        )
    )  # fmt: skip


def agency_executors(agency_ids: Iterable[int]) -> QuerySet[Membership]:
    """The executor memberships of active users in these agencies, with the user and the agency (one query)."""
    return (
        Membership.objects.filter(agency_id__in=list(agency_ids), role=Role.EXECUTOR, user__is_active=True)
        .select_related("user", "agency")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
