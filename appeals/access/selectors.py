"""Reads of appeals shared by pages, the API, exports and tasks. Access starts here.

`appeals_visible_to(user)` is the one access rule: a user sees the appeals of agencies where
they are a member; a supervisor sees the agency's whole subtree. Every page, API view and
export builds on it, and a single appeal is fetched with
`get_object_or_404(appeals_visible_to(user), pk=pk)`, so another agency's appeal is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection, connections, router
from django.db.models import BooleanField, Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from agencies.choices import Role
from agencies.models import User
from agencies.selectors import agency_ids_visible_to, user_memberships

from ..calendar import policy
from ..calendar.workdays import get_calendar, local_today
from ..models import Appeal, AppealEvent, AppealLink, AppealResponse, Attachment, Notice
from ..models.choices import OPEN_STATUSES, AppealKind, AppealStatus, EventKind, NoticeKind, NoticeState


def appeals_visible_to(user: User) -> QuerySet[Appeal]:
    """Every appeal `user` may see (none for an anonymous or inactive user)."""
    if not user.is_authenticated or not user.is_active:
        return Appeal.objects.none()
    if user.is_superuser:
        return Appeal.objects.all()
    agencies = agency_ids_visible_to(user)
    if not agencies:
        return Appeal.objects.none()
    return Appeal.objects.filter(agency_id__in=[pk for pk, _path in agencies])


def appeal_get_visible(user: User, pk: int) -> Appeal:
    """One appeal the user may see, with what the workspace shows, or Http404."""
    try:
        # With where an Open311 report says the problem is (kept beside the text, not in it).
        return appeals_for_display(appeals_visible_to(user)).select_related("open311").get(pk=pk)
    except (Appeal.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def appeals_for_display(queryset: QuerySet[Appeal]) -> QuerySet[Appeal]:
    """Join what lists and the workspace show next to each appeal (one query, whatever the page size)."""
    return queryset.select_related("agency", "agency__parent", "category", "assignee", "registered_by")


@dataclass(frozen=True, slots=True)
class QueueRow:
    """What a row of a queue page shows (appeals/desk/rows.py draws it): the appeal's columns, its agency's names
    and its executor's, read as plain values rather than three model instances per row."""

    pk: int
    number: str
    registered_at: datetime
    subject: str
    applicant_type: str
    applicant_name: str
    applicant_iin: str
    applicant_bin: str
    kind: str
    channel: str
    language: str
    is_repeated: bool
    escalated_at: datetime | None
    extension_count: int
    reports_crime: bool
    status: str
    due_date: date
    agency_id: int
    agency_name_kk: str
    agency_name_ru: str
    assignee_id: int | None
    assignee_username: str | None
    assignee_first_name: str | None
    assignee_last_name: str | None

    @property
    def is_open(self) -> bool:  # as Appeal.is_open (the deadline presenter reads it)
        return self.status in OPEN_STATUSES


# QueueRow's fields, in order, as values_list() names them.
_QUEUE_ROW_COLUMNS = (
    "pk",
    "number",
    "registered_at",
    "subject",
    "applicant_type",
    "applicant_name",
    "applicant_iin",
    "applicant_bin",
    "kind",
    "channel",
    "language",
    "is_repeated",
    "escalated_at",
    "extension_count",
    "reports_crime",
    "status",
    "due_date",
    "agency_id",
    "agency__name_kk",
    "agency__name_ru",
    "assignee_id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def appeals_queue_page(queryset: QuerySet[Appeal], *, offset: int, limit: int) -> list[QueueRow]:
    """`limit` rows of a sorted queue from `offset`, with what the rows show (two queries whatever the size).

    The page's ids are chosen on the appeals alone (filter, sort, LIMIT), then only those rows are read
    with their agency's and executor's names: joined in the first query, PostgreSQL looked up the agency
    and the executor of every matching appeal before the sort (3 300 of them for a ministry's filtered tree).
    """
    ids = list(queryset.values_list("pk", flat=True)[offset : offset + limit])
    if not ids:
        return []
    rows = {
        values[0]: QueueRow(*values)
        for values in Appeal.objects.filter(pk__in=ids).values_list(*_QUEUE_ROW_COLUMNS).order_by()
    }
    return [rows[pk] for pk in ids if pk in rows]


def appeals_open(queryset: QuerySet[Appeal]) -> QuerySet[Appeal]:
    return queryset.filter(status__in=sorted(OPEN_STATUSES))


def appeals_overdue(queryset: QuerySet[Appeal], *, today: date | None = None) -> QuerySet[Appeal]:
    """Open appeals whose due date has passed."""
    return appeals_open(queryset).filter(due_date__lt=today or local_today())


def due_soon_limit(*, working_days: int, today: date | None = None) -> date:
    """The last due date that counts as due within `working_days` working days of today."""
    return get_calendar().add_working_days(today or local_today(), working_days)


def appeals_due_within(queryset: QuerySet[Appeal], *, working_days: int, today: date | None = None) -> QuerySet[Appeal]:
    """Open appeals due today or within `working_days` working days (not yet overdue)."""
    today = today or local_today()
    limit = due_soon_limit(working_days=working_days, today=today)
    return appeals_open(queryset).filter(due_date__gte=today, due_date__lte=limit)


def appeals_awaiting_approval(queryset: QuerySet[Appeal]) -> QuerySet[Appeal]:
    return queryset.filter(status=AppealStatus.AWAITING_APPROVAL)


def appeals_search(queryset: QuerySet[Appeal], query: str) -> QuerySet[Appeal]:
    """Free-text search over the number, the applicant and the subject.

    On PostgreSQL: full-text search (the `russian` configuration, plus `simple` for names
    that do not stem) over the generated, GIN-indexed `search_document` column; a query that
    looks like a registration number also matches by prefix; twelve digits match an IIN/BIN.
    Elsewhere: a plain substring match.
    """
    query = " ".join(query.split())[:200]
    if not query:
        return queryset
    number_like = Q(number__istartswith=query)
    identifier = Q(applicant_iin=query) | Q(applicant_bin=query) if query.isdigit() and len(query) == 12 else Q()
    if connection.vendor == "postgresql":
        matches = RawSQL(
            "appeals_appeal.search_document @@ "
            "(websearch_to_tsquery('russian'::regconfig, %s) || websearch_to_tsquery('simple'::regconfig, %s))",
            (query, query),
            output_field=BooleanField(),
        )
        return queryset.filter(Q(matches) | number_like | identifier)
    variants = {query, query.lower(), query.capitalize(), query.upper()}
    text_match = Q()
    for variant in variants:
        text_match |= Q(subject__contains=variant) | Q(applicant_name__contains=variant)
    return queryset.filter(text_match | number_like | identifier)


def appeal_timeline(appeal: Appeal) -> QuerySet[AppealEvent]:
    """The audit trail of an appeal, oldest first, with the actors."""
    return AppealEvent.objects.filter(appeal=appeal).select_related("actor").order_by("created_at", "id")


def appeal_responses(appeal: Appeal) -> QuerySet[AppealResponse]:
    return (
        AppealResponse.objects.filter(appeal=appeal)
        .select_related("author", "approved_by")
        .order_by("created_at", "id")
    )


def appeal_connections(appeal: Appeal) -> tuple[list[AppealLink], list[Appeal]]:
    """The links of `appeal` (either way) and the appeals it was redirected from or to, repeats or is repeated by,
    escalated from or to, in one query, each with its number, status and agency's names only (what the workspace
    shows of them). Two ORM queries joining the appeals' fifty columns twice were a tenth of the workspace's time.

    Visibility is not decided here: the caller asks appeals_visible_to which of them the user may open.
    """
    link_table, appeal_table = AppealLink._meta.db_table, Appeal._meta.db_table
    agency_table = Appeal._meta.get_field("agency").related_model._meta.db_table
    earlier = [pk for pk in (appeal.redirected_from_id, appeal.repeat_of_id, appeal.escalated_from_id) if pk]
    earlier_sql = f" OR a.id IN ({', '.join(['%s'] * len(earlier))})" if earlier else ""
    columns = "a.id, a.number, a.status, a.agency_id, ag.name_kk, ag.name_ru"
    sql = (  # table names from the models, values as parameters
        f"SELECT l.id, l.kind, l.comment, l.from_appeal_id, l.to_appeal_id, {columns}, NULL, NULL, NULL "  # noqa: S608
        f"FROM {link_table} l JOIN {appeal_table} a ON a.id = "
        f"CASE WHEN l.from_appeal_id = %s THEN l.to_appeal_id ELSE l.from_appeal_id END "
        f"JOIN {agency_table} ag ON ag.id = a.agency_id WHERE l.from_appeal_id = %s OR l.to_appeal_id = %s "
        f"UNION ALL "
        f"SELECT NULL, NULL, NULL, NULL, NULL, {columns}, a.redirected_from_id, a.repeat_of_id, a.escalated_from_id "
        f"FROM {appeal_table} a JOIN {agency_table} ag ON ag.id = a.agency_id "
        f"WHERE a.redirected_from_id = %s OR a.repeat_of_id = %s OR a.escalated_from_id = %s{earlier_sql} "
        f"ORDER BY 1, 6"
    )
    with connections[router.db_for_read(AppealLink)].cursor() as cursor:
        cursor.execute(sql, [appeal.pk] * 6 + earlier)
        rows = cursor.fetchall()
    agency_model = Appeal._meta.get_field("agency").related_model
    links: list[AppealLink] = []
    related: list[Appeal] = []
    for link_id, kind, comment, from_id, to_id, pk, number, status, agency_id, name_kk, name_ru, *sources in rows:
        other = Appeal(pk=pk, number=number, status=status, agency_id=agency_id)
        other.agency = agency_model(pk=agency_id, name_kk=name_kk, name_ru=name_ru)
        if link_id is None:
            other.redirected_from_id, other.repeat_of_id, other.escalated_from_id = sources
            related.append(other)
            continue
        link = AppealLink(pk=link_id, kind=kind, comment=comment, from_appeal_id=from_id, to_appeal_id=to_id)
        link.from_appeal, link.to_appeal = (appeal, other) if from_id == appeal.pk else (other, appeal)
        links.append(link)
    return links, related


def appeals_page_links(ids: list[int]) -> tuple[dict[int, list[Appeal]], dict[int, list[Attachment]]]:
    """For a page of appeals (the API list): the appeals each was redirected to (number and agency) and its
    attachments, {appeal id: [...]}, in one query of the columns the list shows rather than two of every column."""
    redirected_to: dict[int, list[Appeal]] = {}
    attachments: dict[int, list[Attachment]] = {}
    if not ids:
        return redirected_to, attachments
    appeal_table, attachment_table = Appeal._meta.db_table, Attachment._meta.db_table
    agency_model = Appeal._meta.get_field("agency").related_model
    marks = ", ".join(["%s"] * len(ids))
    sql = (  # table names from the models, values as parameters
        f"SELECT 1, a.redirected_from_id, a.id, a.number, ag.id, ag.code, ag.name_kk, ag.name_ru, NULL, NULL "  # noqa: S608
        f"FROM {appeal_table} a JOIN {agency_model._meta.db_table} ag ON ag.id = a.agency_id "
        f"WHERE a.redirected_from_id IN ({marks}) "
        f"UNION ALL "
        f"SELECT 2, f.appeal_id, f.id, f.original_name, NULL, f.content_type, NULL, NULL, f.size, f.created_at "
        f"FROM {attachment_table} f WHERE f.appeal_id IN ({marks}) "
        f"ORDER BY 1, 10, 3"
    )
    with connections[router.db_for_read(Appeal)].cursor() as cursor:
        cursor.execute(sql, [*ids, *ids])
        rows = cursor.fetchall()
    for source, owner, pk, text, agency_id, code, name_kk, name_ru, size, created_at in rows:
        if source == 1:
            other = Appeal(pk=pk, number=text, agency_id=agency_id, redirected_from_id=owner)
            other.agency = agency_model(pk=agency_id, code=code, name_kk=name_kk, name_ru=name_ru)
            redirected_to.setdefault(owner, []).append(other)
        else:
            item = Attachment(pk=pk, appeal_id=owner, original_name=text, content_type=code, size=size)
            item.created_at = _aware(created_at)
            attachments.setdefault(owner, []).append(item)
    return redirected_to, attachments


def _aware(value):
    """A timestamp read by a raw query: SQLite gives text or a naive datetime where the ORM gives an aware one."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def appeals_of_same_applicant(appeal: Appeal, *, visible: QuerySet[Appeal]) -> QuerySet[Appeal]:
    """The applicant's other appeals (by IIN or BIN) that the viewer may see, newest first."""
    if appeal.applicant_iin:
        condition = Q(applicant_iin=appeal.applicant_iin)
    elif appeal.applicant_bin:
        condition = Q(applicant_bin=appeal.applicant_bin)
    else:
        return visible.none()
    return visible.filter(condition).exclude(pk=appeal.pk).select_related("agency").order_by("-registered_at")


def appeals_open_duplicates(
    *, visible: QuerySet[Appeal], iin: str = "", bin: str = "", subject: str = ""
) -> QuerySet[Appeal]:
    """Open appeals of the same applicant, for the duplicate warning at registration."""
    if not iin and not bin:
        return visible.none()
    condition = Q(applicant_iin=iin) if iin else Q(applicant_bin=bin)
    qs = appeals_open(visible.filter(condition))
    words = [w for w in subject.split() if len(w) > 3][:5]
    if words:
        by_subject = Q()
        for word in words:
            by_subject |= Q(subject__icontains=word)
        qs = qs.filter(by_subject)
    return qs.select_related("agency").order_by("-registered_at")


# --- Deadline reminders and notices --------------------------------------------------------------------
def reminder_stages(*, today: date) -> dict[date, int]:
    """Today's reminder stage of each due date an open appeal may have in the scan's window.

    The stage depends on the due date alone (working days left), so the scan needs it for the
    few dates of the coming working days and the distinct due dates of overdue appeals (one
    query, over the overdue part of the `appeal_open_due` index).
    """
    cal = get_calendar()
    limit = cal.add_working_days(today, policy.furthest_reminder_working_days())
    dates = set(appeals_open(Appeal.objects.filter(due_date__lt=today)).order_by().values_list("due_date", flat=True))
    day = today
    while day <= limit:
        dates.add(day)
        day += timedelta(days=1)
    stages = {}
    for due in dates:
        stage = policy.reminder_stage(cal.working_days_left(due, today))
        if stage is not None:
            stages[due] = stage
    return stages


def appeals_due_for_reminder(*, now: datetime | None = None) -> QuerySet[Appeal]:
    """Open appeals whose assignee is owed a reminder now, in (due_date, id) order, with `reminder_stage`.

    On a working day: an assigned appeal due within the furthest reminder, or overdue, whose
    active assignee has not had the reminder of today's stage yet (appeals.calendar.policy.reminder_stage).
    None on a day off. The range is read on the `appeal_open_due` index and "not had it yet" is an
    anti-join probing the outbox's `notice_appeal_user` index, so a second scan reads the window
    once and returns nothing.
    """
    today = timezone.localdate(now) if now else local_today()
    if not get_calendar().is_working_day(today):
        return Appeal.objects.none()
    stages = reminder_stages(today=today)
    stage = Case(
        *[When(due_date=due, then=Value(value)) for due, value in sorted(stages.items())],
        default=Value(None),
        output_field=IntegerField(),
    )
    reminded = Notice.objects.filter(
        appeal=OuterRef("pk"),
        user=OuterRef("assignee"),
        kind__in=[NoticeKind.DUE_REMINDER, NoticeKind.OVERDUE_REMINDER],
        due_date=OuterRef("due_date"),
        days_left=OuterRef("reminder_stage"),
    )
    return (
        appeals_open(Appeal.objects.filter(due_date__lte=max(stages)))
        .filter(assignee__is_active=True)
        .exclude(assignee__email="")
        .annotate(reminder_stage=stage)
        .filter(reminder_stage__isnull=False)
        .filter(~Exists(reminded))
        .order_by("due_date", "id")
    )


def appeals_to_escalate(*, now: datetime | None = None) -> QuerySet[Appeal]:
    """Open appeals overdue and not escalated yet, in (due_date, id) order (the `appeal_open_due` index)."""
    today = timezone.localdate(now) if now else local_today()
    return appeals_open(Appeal.objects.filter(due_date__lt=today, escalated_at__isnull=True)).order_by("due_date", "id")


def after_due_date_and_id(due_date: date, pk: int) -> RawSQL:
    """Keyset pagination in (due_date, id) order: a row comparison the index serves as a range."""
    table = Appeal._meta.db_table
    return RawSQL(f'("{table}"."due_date", "{table}"."id") > (%s, %s)', (due_date, pk), output_field=BooleanField())  # noqa: S611 - no user input


def appeals_nearing_complaint_forward(*, today: date, last_day: date) -> QuerySet[Appeal]:
    """Open complaints still to go up to the higher body by a day in [today, last_day] whose registrars have not
    been reminded yet (the `appeal_complaint_forward` index), in (forward_due_date, id) order."""
    reminded = Notice.objects.filter(
        appeal=OuterRef("pk"), kind=NoticeKind.COMPLAINT_FORWARD, due_date=OuterRef("due_date")
    )
    return (
        appeals_open(
            Appeal.objects.filter(
                kind=AppealKind.COMPLAINT, forward_due_date__gte=today, forward_due_date__lte=last_day
            )
        )
        .filter(~Exists(reminded))
        .order_by("forward_due_date", "id")
    )


def appeals_public_open311() -> QuerySet[Appeal]:
    """The appeals anyone may follow without a key (Open311 GeoReport v2 reads are public): those submitted
    through Open311 (a report of a problem in a public place, by its nature), never one that reports a crime.
    Only their public fields are ever shown (appeals/api/open311.py)."""
    return Appeal.objects.filter(open311__isnull=False, reports_crime=False)


def appeals_nearing_redirect_limit(*, registered_from: datetime, registered_before: datetime) -> QuerySet[Appeal]:
    """Unassigned appeals registered in [from, before) whose registrars have not been reminded of the
    redirect limit yet (the `appeal_unassigned_registered` index; the window is computed by
    appeals.reminders.redirect_limit_window)."""
    reminded = Notice.objects.filter(
        appeal=OuterRef("pk"), kind=NoticeKind.REDIRECT_LIMIT, due_date=OuterRef("due_date")
    )
    return (
        Appeal.objects.filter(
            status=AppealStatus.REGISTERED,
            assignee__isnull=True,
            registered_at__gte=registered_from,
            registered_at__lt=registered_before,
        )
        .filter(~Exists(reminded))
        .order_by("registered_at", "id")
    )


def digest_due_limit(today: date) -> date:
    """The last due date a supervisor's digest lists (due within N working days, or overdue)."""
    return get_calendar().add_working_days(today, int(policy.policy("DIGEST_DUE_WITHIN_WORKING_DAYS")))


def supervised_agencies_q(user: User, prefix: str = "agency__") -> Q | None:
    """The subtrees `user` supervises, as a filter (None when they supervise nothing)."""
    condition = None
    for membership in user_memberships(user):
        if membership.role == Role.SUPERVISOR:
            term = Q(**{f"{prefix}path__startswith": membership.agency.path})
            condition = term if condition is None else condition | term
    return condition


def appeals_for_digest(user: User, *, today: date) -> QuerySet[Appeal]:
    """The open appeals of the supervisor's subtrees due within the digest's working days, or overdue."""
    condition = supervised_agencies_q(user)
    if condition is None or not user.is_active:
        return Appeal.objects.none()
    return appeals_open(Appeal.objects.filter(condition)).filter(due_date__lte=digest_due_limit(today))


def agency_paths_with_appeals_due(*, until: date) -> set[str]:
    """The tree paths of agencies having open appeals due by `until` (or overdue): one query."""
    paths = appeals_open(Appeal.objects.filter(due_date__lte=until)).values_list("agency__path", flat=True)
    return set(paths.order_by().distinct())


def appeal_notices(appeal: Appeal) -> QuerySet[Notice]:
    """The notices written for an appeal, newest first, with their recipients (one query)."""
    return Notice.objects.filter(appeal=appeal).select_related("user").order_by("-created_at", "-id")


def notices_due_for_sending(*, now: datetime) -> QuerySet[Notice]:
    """Pending notices whose time has come and that no live worker holds (the `notice_pending_due` index)."""
    return (
        Notice.objects.filter(state=NoticeState.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at", "id")
    )


# --- Reveals of personal data (issue 8) -------------------------------------------------------------------
def reveals_visible_to(user: User) -> QuerySet[AppealEvent]:
    """Every reveal of an applicant's full personal data in the agencies the user supervises (a superuser: all),
    newest first, with who and which appeal (one query)."""
    if not user.is_authenticated or not user.is_active:
        return AppealEvent.objects.none()
    events = AppealEvent.objects.filter(kind=EventKind.PERSONAL_DATA_REVEALED)
    if not user.is_superuser:
        condition = supervised_agencies_q(user, prefix="appeal__agency__")
        if condition is None:
            return AppealEvent.objects.none()
        events = events.filter(condition)
    return events.select_related("actor", "appeal", "appeal__agency").order_by("-created_at", "-id")


def ordered(queryset):
    """A stable order for paging (queue pages, exports, the API list): the chosen sort, then the id."""
    order = list(queryset.query.order_by)
    if not order:
        return queryset.order_by("-registered_at", "-pk")
    last = order[-1]
    if isinstance(last, str) and last.lstrip("-") in ("pk", "id"):
        return queryset
    tie = "-pk" if isinstance(last, str) and last.startswith("-") else "pk"
    return queryset.order_by(*order, tie)
