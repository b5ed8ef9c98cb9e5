"""The desk's queues: presets of the one appeal list, scoped to the user's current agency and roles.

A queue is a queryset built on `appeals_visible_to(user)`; the AppealFilterSet then narrows it
further (the same parameters as the API). Counts in the side menu are capped ("1 000+") and
computed for every queue and saved view in one SQL statement, so they stay cheap at a million rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from agencies.choices import Role
from agencies.models import Agency, Membership, User
from agencies.selectors import agency_ids_visible_to, user_agencies, user_memberships

from ..access.selectors import appeals_awaiting_approval, appeals_due_within, appeals_overdue, appeals_visible_to
from ..calendar.policy import policy
from ..calendar.workdays import local_today
from ..models import Appeal, AppealResponse
from ..models.choices import OPEN_STATUSES, AppealStatus, ResponseKind, ResponseStatus
from .filters import AppealFilterSet
from .rosters import roster_cached

# Counts above this show as "1 000+".
COUNT_CAP = 1000
SESSION_AGENCY_KEY = "desk_agency"

MINE = "mine"
NEXT_STEP = "next_step"
REGISTERED_BY_ME = "registered"
UNASSIGNED = "unassigned"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
APPROVAL = "approval"
TREE = "tree"
ALL = "all"


@dataclass(frozen=True)
class QueueDef:
    key: str
    label_text: Any  # a lazy text, or a lazy plural formatted with the "due soon" number of days
    ordering: tuple[str, ...]  # the default sort (OrderingFilter names)
    # The only statuses the queue can hold (None: any); a status filter outside them cannot match.
    statuses: frozenset[str] | None = None

    @property
    def label(self) -> str:
        if self.key == DUE_SOON:
            return self.label_text % {"n": int(policy("DUE_SOON_WORKING_DAYS"))}
        return str(self.label_text)


QUEUES: dict[str, QueueDef] = {
    MINE: QueueDef(MINE, _("My appeals"), ("due_date",), OPEN_STATUSES),
    NEXT_STEP: QueueDef(
        NEXT_STEP,
        _("To close or rework"),
        ("due_date",),
        frozenset({AppealStatus.ANSWERED, AppealStatus.IN_PROGRESS}),
    ),
    REGISTERED_BY_ME: QueueDef(REGISTERED_BY_ME, _("Registered by me"), ("-registered_at",)),
    UNASSIGNED: QueueDef(UNASSIGNED, _("Unassigned in my agency"), ("due_date",), frozenset({AppealStatus.REGISTERED})),
    DUE_SOON: QueueDef(
        DUE_SOON,
        ngettext_lazy("Due within %(n)s working day", "Due within %(n)s working days", "n"),
        ("due_date",),
        OPEN_STATUSES,
    ),
    OVERDUE: QueueDef(OVERDUE, _("Overdue"), ("due_date",), OPEN_STATUSES),
    APPROVAL: QueueDef(APPROVAL, _("Awaiting my approval"), ("due_date",), frozenset({AppealStatus.AWAITING_APPROVAL})),
    TREE: QueueDef(TREE, _("Whole agency tree"), ("due_date",)),
    ALL: QueueDef(ALL, _("All appeals I can see"), ("-registered_at",)),
}


@dataclass
class Desk:
    """Who is working and where: the user, their agencies, the current one and their roles in it."""

    user: User
    agencies: list[Agency]
    agency: Agency | None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def everywhere(self) -> bool:
        """A superuser without memberships works over every agency."""
        return self.agency is None and self.user.is_superuser

    @property
    def is_supervisor(self) -> bool:
        return Role.SUPERVISOR in self.roles

    @property
    def is_executor(self) -> bool:
        return Role.EXECUTOR in self.roles

    @property
    def is_registrar(self) -> bool:
        return Role.REGISTRAR in self.roles

    @property
    def supervises(self) -> bool:
        """Whether the user supervises any agency (the reveals of personal data are theirs to review)."""
        return self.user.is_superuser or bool(user_agencies(self.user, roles=[Role.SUPERVISOR]))

    @property
    def registrar_agencies(self) -> list[Agency]:
        return user_agencies(self.user, roles=[Role.REGISTRAR])


def desk_for(user: User, session) -> Desk:
    """The user's desk; the current agency is remembered in the session (the first one by default)."""
    agencies = user_agencies(user)
    current = None
    wanted = session.get(SESSION_AGENCY_KEY) if session is not None else None
    for agency in agencies:
        if agency.pk == wanted:
            current = agency
    if current is None and agencies:
        current = agencies[0]
    if current is None:
        roles = frozenset({Role.SUPERVISOR}) if user.is_superuser else frozenset()
    else:
        roles = frozenset(m.role for m in user_memberships(user) if m.agency_id == current.pk)
    return Desk(user=user, agencies=agencies, agency=current, roles=roles)


def desk_switch_agency(session, *, user: User, agency_id: int) -> Agency | None:
    """Make `agency_id` the current agency if the user belongs to it; returns it, or None."""
    for agency in user_agencies(user):
        if agency.pk == agency_id:
            session[SESSION_AGENCY_KEY] = agency.pk
            return agency
    return None


def queue_keys(desk: Desk) -> list[str]:
    """The queues shown in the side menu, in order, for the user's roles in the current agency."""
    keys: list[str] = []
    if desk.is_executor:
        keys += [MINE, NEXT_STEP]
    if desk.is_registrar:
        keys.append(REGISTERED_BY_ME)
    if desk.agency is not None:
        keys.append(UNASSIGNED)
    if desk.roles:
        keys += [DUE_SOON, OVERDUE]
    if desk.is_supervisor:
        keys += [APPROVAL, TREE]
    keys.append(ALL)
    return keys


def landing_order(desk: Desk) -> list[str]:
    """The desk's queues where its work is, most pressing first: the executor's own appeals and next steps,
    the supervisor's approvals and overdue appeals, the registrar's list."""
    order: list[str] = []
    if desk.is_executor:
        order += [MINE, NEXT_STEP]
    if desk.is_supervisor:
        order += [APPROVAL, OVERDUE, DUE_SOON, UNASSIGNED, TREE]
    if desk.is_registrar:
        order += [REGISTERED_BY_ME, UNASSIGNED]
    if desk.roles:
        order += [OVERDUE, DUE_SOON, UNASSIGNED]
    keys = queue_keys(desk)
    return [key for index, key in enumerate(order) if key in keys and key not in order[:index]] or [ALL]


def default_queue(desk: Desk, counts: dict[str, int] | None = None) -> str:
    """Where "/" sends the user: the first non-empty queue of `landing_order` (by the side menu's `counts`),
    else the first of them."""
    order = landing_order(desk)
    for key in order:
        if counts is not None and counts.get(key):
            return key
    return order[0]


def _agency_only(desk: Desk) -> Q:
    return Q(agency=desk.agency) if desk.agency is not None else Q()


def _subtree(desk: Desk) -> Q:
    """The current agency's subtree as a literal list of the visible agencies' ids (no join on the paths),
    to narrow `appeals_visible_to(desk.user)`.

    When the subtree is every agency the user sees (a head of one body), that list is already the visible
    appeals' own condition: repeated, PostgreSQL counted its selectivity twice, expected a ministry's tree
    queue to hold 31 appeals instead of 3 300 and sorted them all rather than read them in due-date order.
    """
    if desk.agency is None:
        return Q()
    root = desk.agency.path
    visible = agency_ids_visible_to(desk.user)
    ids = [pk for pk, path in visible if path.startswith(root)]
    if len(ids) == len(visible) and not desk.user.is_superuser:  # a superuser's visible appeals are all of them
        return Q()
    return Q(agency_id__in=ids)


def _responsibility(desk: Desk) -> Q:
    """What a user answers for: a supervisor the agency's subtree, an executor their own appeals."""
    if desk.is_supervisor:
        return _subtree(desk)
    if desk.is_executor:
        return Q(assignee=desk.user)
    return _agency_only(desk)


def agencies_approved_by(agency: Agency) -> list[int]:
    """Agencies of `agency`'s subtree whose nearest supervised body is `agency` itself (one query, kept
    as a roster: appeals/desk/rosters.py).

    A district without a head of its own has its answers approved up the tree; one with a head
    approves its own.
    """
    return roster_cached(f"approved-by:{agency.pk}:{agency.path}", lambda: _agencies_approved_by(agency))


def _agencies_approved_by(agency: Agency) -> list[int]:
    has_supervisor = Exists(
        Membership.objects.filter(agency=OuterRef("pk"), role=Role.SUPERVISOR, user__is_active=True)
    )
    rows = list(
        Agency.objects.filter(path__startswith=agency.path)
        .annotate(supervised=has_supervisor)
        .values_list("pk", "path", "supervised")
    )
    supervised = {pk for pk, _path, flag in rows if flag and pk != agency.pk}
    chosen = []
    for pk, path, _flag in rows:
        ids = [int(part) for part in path.strip("/").split("/")]
        below = ids[ids.index(agency.pk) + 1 :] if agency.pk in ids else []
        if not any(ancestor in supervised for ancestor in below):
            chosen.append(pk)
    return chosen


def _next_step() -> Q:
    """The executor's move: close an answered appeal, or rework an answer the supervisor returned."""
    returned = AppealResponse.objects.filter(
        appeal=OuterRef("pk"), kind=ResponseKind.ANSWER, status=ResponseStatus.RETURNED
    )
    return Q(status=AppealStatus.ANSWERED) | Q(Exists(returned), status=AppealStatus.IN_PROGRESS)


def queue_queryset(desk: Desk, key: str, *, visible: QuerySet[Appeal] | None = None) -> QuerySet[Appeal]:
    """The appeals of queue `key` (before the filters); unknown keys give the "all" queue.

    `visible`, `appeals_visible_to(desk.user)` built once, spares rebuilding it for each queue of the menu.
    """
    if visible is None:
        visible = appeals_visible_to(desk.user)
    open_statuses = sorted(OPEN_STATUSES)
    if key == MINE:
        return visible.filter(assignee=desk.user, status__in=open_statuses)
    if key == NEXT_STEP:
        return visible.filter(assignee=desk.user).filter(_next_step())
    if key == REGISTERED_BY_ME:
        return visible.filter(registered_by=desk.user)
    if key == UNASSIGNED:
        return visible.filter(_agency_only(desk), assignee__isnull=True, status=AppealStatus.REGISTERED)
    if key == DUE_SOON:
        working_days = int(policy("DUE_SOON_WORKING_DAYS"))
        return appeals_due_within(visible.filter(_responsibility(desk)), working_days=working_days)
    if key == OVERDUE:
        return appeals_overdue(visible.filter(_responsibility(desk)))
    if key == APPROVAL:
        if not desk.is_supervisor:
            return visible.none()
        scope = visible if desk.agency is None else visible.filter(agency_id__in=agencies_approved_by(desk.agency))
        return appeals_awaiting_approval(scope)
    if key == TREE:
        if not desk.is_supervisor:
            return visible.none()
        return visible.filter(_subtree(desk))
    return visible


# Filters a queue applies when the URL does not set them (the menu's link sets none): the whole tree shows
# what is still running unless asked otherwise. The menu counts go through the same defaults.
QUEUE_DEFAULT_PARAMS: dict[str, dict[str, str]] = {TREE: {"open": "true"}}


def queue_filterset_for(
    desk: Desk,
    key: str,
    data: QueryDict,
    *,
    request: HttpRequest | None = None,
    visible: QuerySet[Appeal] | None = None,
) -> AppealFilterSet:
    """The FilterSet of queue `key` over `data` (the URL's parameters), with the queue's default sort and
    filters: the one place both the list page and its menu count are built from, so the two always agree."""
    data = data.copy()
    if not data.get("ordering"):
        data["ordering"] = QUEUES[key].ordering[0]
    defaults = QUEUE_DEFAULT_PARAMS.get(key, {})
    if defaults and not any(name in data for name in ("status", *defaults)):
        for name, value in defaults.items():
            data[name] = value
    return AppealFilterSet(data=data, queryset=queue_queryset(desk, key, visible=visible), request=request)


def capped_count_sql(querysets: dict[str, QuerySet], cap: int | None = None) -> dict[str, tuple[str, tuple] | None]:
    """The SQL (and parameters) of each queryset's first cap + 1 ids; None for a queryset that is empty by its
    conditions (.none())."""
    cap = COUNT_CAP if cap is None else cap
    compiled: dict[str, tuple[str, tuple] | None] = {}
    for key, queryset in querysets.items():
        try:
            compiled[key] = queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        except EmptyResultSet:
            compiled[key] = None
    return compiled


def capped_counts_of(compiled: dict[str, tuple[str, tuple] | None]) -> dict[str, int]:
    """Run the capped counts of `capped_count_sql` in one statement."""
    parts: list[str] = []
    params: list = []
    keys: list[str] = []
    counts: dict[str, int] = {}
    for key, query in compiled.items():
        if query is None:
            counts[key] = 0
            continue
        sql, sql_params = query
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped_{len(keys)})")  # noqa: S608 - compiled by the ORM
        params.extend(sql_params)
        keys.append(key)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
        counts.update(zip(keys, (int(value) for value in row), strict=True))
    return counts


def queue_count_sql(desk: Desk) -> dict[str, tuple[str, tuple] | None]:
    """The capped-count SQL of every queue of the side menu for this desk, compiled once a day per desk and
    kept as a roster (appeals/desk/rosters.py): only the text of the queries is kept, the counts are always
    read afresh. The queues' conditions depend on the user, their roles and agencies, and today's date."""
    agency = desk.agency.pk if desk.agency is not None else "all"

    def compile_queues() -> dict[str, tuple[str, tuple] | None]:
        visible = appeals_visible_to(desk.user)
        return capped_count_sql(
            {
                # What the menu's link (?queue=<key>) opens: the queue with its default filters.
                key: queue_filterset_for(desk, key, QueryDict(f"queue={key}"), visible=visible).qs
                for key in queue_keys(desk)
            }
        )

    return roster_cached(f"queue-sql:2:{desk.user.pk}:{agency}:{local_today().isoformat()}", compile_queues)
