"""The appeal lifecycle: every write to an appeal goes through a function here.

Each service is keyword-only and runs in one transaction, in the same order of steps:
  1. check the actor's role and the status against ACTION_RULES / ALLOWED_TRANSITIONS;
  2. compare-and-set the row on its `version` (a concurrent change makes the update miss);
  3. write exactly one AppealEvent;
  4. queue email with transaction.on_commit, so nothing is sent for a rolled-back change.
Views, the admin, the API and Celery tasks only call these functions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from agencies.choices import Region, Role
from agencies.models import Agency, Category, User
from agencies.selectors import category_route, user_memberships, user_roles_for

from ..calendar import policy
from ..calendar.workdays import get_calendar, invalidate_calendar
from ..dashboard.rollups import rollups_reassign
from ..desk.canned import unknown_placeholders
from ..listening.matching import applicant_key, match_on_commit
from ..models import (
    Appeal,
    AppealEvent,
    AppealLink,
    AppealResponse,
    Attachment,
    CalendarOverride,
    CannedResponse,
    RegistrationCounter,
    SavedView,
)
from ..models.choices import (
    ALLOWED_TRANSITIONS,
    ANSWER_OUTCOMES,
    OPEN_STATUSES,
    AppealAction,
    AppealKind,
    AppealStatus,
    ApplicantType,
    Channel,
    EventKind,
    Language,
    LeaveReason,
    LinkKind,
    Outcome,
    ResponseKind,
    ResponseStatus,
    TerminateReason,
)
from ..models.validators import validate_bin, validate_iin
from ..notices import notifications


# --- Errors -----------------------------------------------------------------------------------------
class AppealError(ValidationError):
    """A domain rule refused the change (bad input). Nothing was written."""


class AppealPermissionError(AppealError):
    """The actor's role does not allow this action on this appeal."""


class AppealTransitionError(AppealError):
    """The action is not possible from the appeal's current status."""


class AppealConflictError(AppealTransitionError):
    """Someone else changed the appeal since it was loaded."""


# --- Who may do what, from which status -------------------------------------------------------------
_ANY_STAFF = frozenset({Role.REGISTRAR, Role.EXECUTOR, Role.SUPERVISOR})
_ALL = frozenset(AppealStatus.values)


@dataclass(frozen=True)
class ActionRule:
    from_statuses: frozenset[str]
    roles: frozenset[str]
    to_status: str | None = None  # None: the status stays as it is
    assignee_only: bool = False  # an executor must be the assignee (supervisors may act anyway)


ACTION_RULES: dict[str, ActionRule] = {
    AppealAction.TAKE: ActionRule(
        frozenset({AppealStatus.REGISTERED}), frozenset({Role.EXECUTOR}), AppealStatus.IN_PROGRESS
    ),
    AppealAction.ASSIGN: ActionRule(
        frozenset({AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS}),
        frozenset({Role.SUPERVISOR}),
        AppealStatus.IN_PROGRESS,
    ),
    AppealAction.REDIRECT: ActionRule(
        frozenset({AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS}),
        frozenset({Role.REGISTRAR, Role.SUPERVISOR}),
        AppealStatus.REDIRECTED,
    ),
    AppealAction.REQUEST_EXTENSION: ActionRule(
        frozenset({AppealStatus.IN_PROGRESS}), frozenset({Role.EXECUTOR}), None, assignee_only=True
    ),
    AppealAction.GRANT_EXTENSION: ActionRule(OPEN_STATUSES, frozenset({Role.SUPERVISOR})),
    AppealAction.NOTE: ActionRule(_ALL, _ANY_STAFF),
    AppealAction.DRAFT: ActionRule(
        frozenset({AppealStatus.IN_PROGRESS}),
        frozenset({Role.EXECUTOR, Role.SUPERVISOR}),
        None,
        assignee_only=True,
    ),
    AppealAction.SUBMIT: ActionRule(
        frozenset({AppealStatus.IN_PROGRESS}),
        frozenset({Role.EXECUTOR, Role.SUPERVISOR}),
        AppealStatus.AWAITING_APPROVAL,
        assignee_only=True,
    ),
    AppealAction.RETURN: ActionRule(
        frozenset({AppealStatus.AWAITING_APPROVAL}), frozenset({Role.SUPERVISOR}), AppealStatus.IN_PROGRESS
    ),
    AppealAction.APPROVE: ActionRule(
        frozenset({AppealStatus.AWAITING_APPROVAL}), frozenset({Role.SUPERVISOR}), AppealStatus.ANSWERED
    ),
    AppealAction.LEAVE: ActionRule(
        OPEN_STATUSES, frozenset({Role.SUPERVISOR}), AppealStatus.LEFT_WITHOUT_CONSIDERATION
    ),
    AppealAction.TERMINATE: ActionRule(
        frozenset({AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS}),
        frozenset({Role.SUPERVISOR}),
        AppealStatus.TERMINATED,
    ),
    AppealAction.CLOSE: ActionRule(
        frozenset({AppealStatus.ANSWERED}),
        frozenset({Role.EXECUTOR, Role.SUPERVISOR}),
        AppealStatus.CLOSED,
        assignee_only=True,
    ),
    AppealAction.REOPEN: ActionRule(
        frozenset(
            {
                AppealStatus.ANSWERED,
                AppealStatus.LEFT_WITHOUT_CONSIDERATION,
                AppealStatus.TERMINATED,
                AppealStatus.CLOSED,
            }
        ),
        frozenset({Role.SUPERVISOR}),
        AppealStatus.IN_PROGRESS,
    ),
    AppealAction.ESCALATE: ActionRule(OPEN_STATUSES, frozenset({Role.SUPERVISOR})),
    AppealAction.LINK: ActionRule(_ALL, _ANY_STAFF),
    AppealAction.MERGE: ActionRule(
        frozenset({AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS}),
        frozenset({Role.SUPERVISOR}),
        AppealStatus.TERMINATED,
    ),
}


def actor_roles(actor: User | None, appeal: Appeal) -> frozenset[str]:
    """The actor's roles for this appeal's agency (a superuser holds them all)."""
    if actor is None:
        return frozenset()
    if actor.is_superuser and actor.is_active:
        return frozenset(Role.values)
    return user_roles_for(actor, appeal.agency)


def _rule_allows(actor: User | None, appeal: Appeal, action: str, roles: frozenset[str]) -> str | None:
    """None when allowed, else the code of the reason: 'status' or 'role'."""
    rule = ACTION_RULES[action]
    if appeal.status not in rule.from_statuses:
        return "status"
    if not roles & rule.roles:
        return "role"
    if rule.assignee_only and Role.SUPERVISOR not in roles and appeal.assignee_id != getattr(actor, "pk", None):
        return "role"
    return None


def appeal_can(*, user: User | None, appeal: Appeal, action: str) -> bool:
    """Whether `user` may do `action` to `appeal` now (templates and the API use it to offer actions)."""
    if action not in ACTION_RULES:
        return False
    return _rule_allows(user, appeal, action, actor_roles(user, appeal)) is None


def appeal_available_actions(*, user: User | None, appeal: Appeal, memo: dict | None = None) -> frozenset[str]:
    """Every action `user` may take on `appeal` now.

    `memo`, a dict kept over a list of appeals, shares the answer between appeals that the rules cannot
    tell apart (the same agency, status and whether the user is the assignee).
    """
    key = (appeal.agency_id, appeal.status, appeal.assignee_id == getattr(user, "pk", None))
    if memo is not None and key in memo:
        return memo[key]
    roles = actor_roles(user, appeal)
    allowed = frozenset(action for action in ACTION_RULES if _rule_allows(user, appeal, action, roles) is None)
    if memo is not None:
        memo[key] = allowed
    return allowed


def _check(actor: User | None, appeal: Appeal, action: str) -> ActionRule:
    rule = ACTION_RULES[action]
    reason = _rule_allows(actor, appeal, action, actor_roles(actor, appeal))
    if reason == "status":
        raise AppealTransitionError(
            _("“%(action)s” is not possible while the appeal is “%(status)s”."),
            code="transition",
            params={"action": AppealAction(action).label, "status": AppealStatus(appeal.status).label},
        )
    if reason == "role":
        raise AppealPermissionError(
            _("You may not “%(action)s” on this appeal."),
            code="permission",
            params={"action": AppealAction(action).label},
        )
    if rule.to_status and rule.to_status != appeal.status:
        # The action table and the workflow must agree; a mismatch is a programming error.
        assert rule.to_status in ALLOWED_TRANSITIONS[appeal.status], (appeal.status, rule.to_status)
    return rule


# --- Building blocks --------------------------------------------------------------------------------


def _save(appeal: Appeal, **changes: Any) -> None:
    """Compare-and-set: write `changes` only if nobody changed the appeal since it was loaded."""
    now = timezone.now()
    changes["updated_at"] = now
    updated = Appeal.objects.filter(pk=appeal.pk, version=appeal.version).update(version=F("version") + 1, **changes)
    if updated != 1:
        raise AppealConflictError(
            _("Someone else has just changed this appeal. Reload it and try again."), code="conflict"
        )
    for field, value in changes.items():
        setattr(appeal, field, value)
    appeal.version += 1


def _event(
    appeal: Appeal,
    *,
    actor: User | None,
    kind: str,
    from_status: str = "",
    to_status: str = "",
    **payload: Any,
) -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        payload={k: v for k, v in payload.items() if v is not None},
    )


def _move(
    appeal: Appeal,
    *,
    actor: User | None,
    action: str,
    event_kind: str,
    payload: dict[str, Any] | None = None,
    **changes: Any,
) -> AppealEvent:
    """Check, compare-and-set and audit one action; the status moves as ACTION_RULES says."""
    rule = _check(actor, appeal, action)
    from_status = appeal.status
    to_status = changes.pop("status", rule.to_status) or from_status
    if to_status != from_status:
        if to_status not in ALLOWED_TRANSITIONS[from_status]:
            raise AppealTransitionError(
                _("The appeal cannot move from “%(from)s” to “%(to)s”."),
                code="transition",
                params={"from": AppealStatus(from_status).label, "to": AppealStatus(to_status).label},
            )
        changes["status"] = to_status
    if (
        actor is not None
        and appeal.first_action_at is None
        and appeal.assignee_id is not None
        and actor.pk == appeal.assignee_id
    ):
        changes.setdefault("first_action_at", timezone.now())
    _save(appeal, **changes)
    event = _event(
        appeal,
        actor=actor,
        kind=event_kind,
        from_status=from_status if to_status != from_status else "",
        to_status=to_status if to_status != from_status else "",
        **(payload or {}),
    )
    notifications.appeal_changed(appeal, event)
    return event


def _next_numbers(appeals: list[Appeal], year: int) -> dict[int, Iterator[str]]:
    """Reserve the next registration numbers (AGENCY-YYYY-NNNNNN) of each agency of `appeals` in `year`.

    One statement creates or bumps every counter row and returns the new values:
    INSERT … ON CONFLICT (agency, year) DO UPDATE SET last = last + n RETURNING. The row lock it
    takes lasts until the caller's transaction ends, so a concurrent registration waits for it and
    then bumps the committed value: two registrations can never read the same number, not even for
    the first appeal of an agency in a year (no separate "create the row" step to race on). The rows
    are written in agency order, so two batches over the same agencies cannot deadlock.
    PostgreSQL and SQLite (3.35+) share this syntax.
    """
    counts = Counter(appeal.agency_id for appeal in appeals)
    codes = {appeal.agency_id: appeal.agency.code.upper() for appeal in appeals}
    ids = sorted(counts)
    if not ids:
        return {}
    meta = RegistrationCounter._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    agency_col, year_col, last_col = (quote(meta.get_field(name).column) for name in ("agency", "year", "last_number"))
    values = ", ".join(["(%s, %s, %s)"] * len(ids))
    sql = (
        f"INSERT INTO {table} ({agency_col}, {year_col}, {last_col}) VALUES {values} "  # noqa: S608 - names quoted
        f"ON CONFLICT ({agency_col}, {year_col}) DO UPDATE SET {last_col} = {table}.{last_col} + excluded.{last_col} "
        f"RETURNING {agency_col}, {last_col}"
    )
    params: list[int] = []
    for agency_id in ids:
        params += [agency_id, year, counts[agency_id]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        last = dict(cursor.fetchall())
    return {i: iter([f"{codes[i]}-{year}-{n:06d}" for n in range(last[i] - counts[i] + 1, last[i] + 1)]) for i in ids}


def _next_number(agency: Agency, year: int) -> str:
    """The next registration number of `agency` in `year`."""
    return next(_next_numbers([Appeal(agency=agency)], year)[agency.pk])


def _challenge_block(appeal: Appeal, language: str) -> str:
    """The paragraph every answer ends with: how to challenge the decision (in the answer's language)."""
    with translation.override(language):
        parent = appeal.agency.parent
        higher = parent.name if parent else _("the higher body")
        return _(
            "You may challenge this decision by a pre-trial complaint to %(higher)s within three months "
            "of learning of it (Administrative Procedural and Process Code of the Republic of Kazakhstan), "
            "and then in court."
        ) % {"higher": higher}


def _with_challenge_block(appeal: Appeal, text: str, language: str) -> str:
    block = _challenge_block(appeal, language)
    return text if block in text else f"{text.rstrip()}\n\n{block}"


# --- Registration ------------------------------------------------------------------------------------
@dataclass
class ApplicantData:
    type: str = ApplicantType.INDIVIDUAL
    name: str = ""
    iin: str = ""
    bin: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""


# The choices a registration is checked against, as sets (a TextChoices' `.values` builds a list on each call;
# the history import checks millions of rows).
_KINDS = frozenset(AppealKind.values)
_CHANNELS = frozenset(Channel.values)
_LANGUAGES = frozenset(Language.values)
_REGIONS = frozenset(Region.values)
_APPLICANT_TYPES = frozenset(ApplicantType.values)


def _validate_registration(
    *,
    applicant: ApplicantData,
    kind: str,
    channel: str,
    language: str,
    region: str,
    subject: str,
    text: str,
) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if kind not in _KINDS:
        add("kind", _("Choose one of the kinds of appeal."))
    if channel not in _CHANNELS:
        add("channel", _("Choose one of the channels."))
    if language not in _LANGUAGES:
        add("language", _("An appeal is in Kazakh or Russian."))
    if region not in _REGIONS:
        add("region", _("Choose one of the regions."))
    if not subject.strip():
        add("subject", _("Write the subject of the appeal."))
    elif len(subject) > int(policy.policy("SUBJECT_MAX_LENGTH")):
        add(
            "subject",
            _("The subject is longer than %(max)s characters.") % {"max": policy.policy("SUBJECT_MAX_LENGTH")},
        )
    if len(text) > int(policy.policy("TEXT_MAX_LENGTH")):
        add(
            "text",
            _("The text is longer than %(max)s characters.") % {"max": policy.policy("TEXT_MAX_LENGTH")},
        )

    if applicant.type not in _APPLICANT_TYPES:
        add("applicant_type", _("Choose individual, legal entity or anonymous."))
    elif applicant.type == ApplicantType.ANONYMOUS:
        if applicant.name or applicant.iin or applicant.bin:
            add("applicant_type", _("An anonymous appeal carries no name, IIN or BIN."))
    else:
        if not applicant.name.strip():
            add("applicant_name", _("Write the applicant's full name or the organisation's name."))
        if applicant.type == ApplicantType.INDIVIDUAL:
            if applicant.bin:
                add("applicant_bin", _("An individual has an IIN, not a BIN."))
            if applicant.iin:
                try:
                    validate_iin(applicant.iin)
                except ValidationError as exc:
                    errors.setdefault("applicant_iin", []).extend(exc.messages)
        if applicant.type == ApplicantType.LEGAL:
            if applicant.iin:
                add("applicant_iin", _("A legal entity has a BIN, not an IIN."))
            if applicant.bin:
                try:
                    validate_bin(applicant.bin)
                except ValidationError as exc:
                    errors.setdefault("applicant_bin", []).extend(exc.messages)
    if errors:
        raise AppealError(errors)


@dataclass
class Registration:
    """One appeal to register: what `appeal_register` takes, for `appeals_register_many`."""

    kind: str
    channel: str
    language: str
    region: str
    subject: str
    agency: Agency | None = None
    text: str = ""
    applicant: ApplicantData | None = None
    category: Category | None = None
    received_at: datetime | None = None
    is_collective: bool = False
    signatories: int | None = None
    reports_crime: bool = False
    repeat_of: Appeal | None = None
    escalated_from: Appeal | None = None
    external_id: str = ""
    extra_fields: dict[str, Any] | None = None
    event_payload: dict[str, Any] | None = None


@transaction.atomic
def appeal_register(*, actor: User | None, **fields: Any) -> Appeal:
    """Register an appeal: a number, the statutory due date, one `registered` event, the receipt.

    `actor` is the registrar (None for an integration); `fields` are those of `Registration`.
    Without `agency`, the competent agency is found from the category and region. Registration
    is never refused for the matter itself: an appeal without substance or an anonymous one is
    registered and then left without consideration by a supervisor.
    """
    return appeals_register_many(actor=actor, registrations=[Registration(**fields)])[0]


class RegistrationBatchError(AppealError):
    """Some appeals of a batch were refused; `errors` maps each one's index to its AppealError. Nothing was written."""

    def __init__(self, errors: dict[int, AppealError]):
        self.errors = errors
        super().__init__({str(index): error.messages for index, error in errors.items()})


@transaction.atomic
def appeals_register_many(*, actor: User | None, registrations: list[Registration]) -> list[Appeal]:
    """Register several appeals at once, all or none, in a constant number of queries per agency set.

    Each appeal is checked as `appeal_register` checks it; if any is refused, `RegistrationBatchError`
    names them all (a single registration raises its own AppealError) and nothing is written.
    """
    now = timezone.now()
    cal = get_calendar()
    appeals: list[Appeal] = []
    payloads: list[dict[str, Any]] = []
    errors: dict[int, AppealError] = {}
    allowed: dict[int, bool] = {}
    for index, registration in enumerate(registrations):
        try:
            appeal, payload = _registration_build(registration, actor=actor, now=now, cal=cal, allowed=allowed)
        except AppealPermissionError:
            raise
        except AppealError as exc:
            errors[index] = exc
            continue
        appeals.append(appeal)
        payloads.append(payload)
    if errors:
        if len(registrations) == 1:
            raise errors[0]
        raise RegistrationBatchError(errors)

    numbers = _next_numbers(appeals, timezone.localdate(now).year)
    for appeal in appeals:
        appeal.number = next(numbers[appeal.agency_id])
    Appeal.objects.bulk_create(appeals)
    events = AppealEvent.objects.bulk_create(
        [
            AppealEvent(
                appeal=appeal,
                actor=actor,
                kind=EventKind.REGISTERED,
                to_status=AppealStatus.REGISTERED,
                payload={
                    k: v
                    for k, v in {
                        "number": appeal.number,
                        "agency": appeal.agency_id,
                        "due_date": appeal.due_date.isoformat(),
                        "forward_by": appeal.forward_due_date.isoformat() if appeal.forward_due_date else None,
                        **payload,
                    }.items()
                    if v is not None
                },
            )
            for appeal, payload in zip(appeals, payloads, strict=True)
        ]
    )
    notifications.appeals_changed(list(zip(appeals, events, strict=True)))
    notifications.applicant_notices_on_commit(appeals, notifications.APPLICANT_RECEIPT)
    match_on_commit(appeals)  # repeats and escalations, found after commit (appeals.listening)
    return appeals


def _registration_build(
    registration: Registration, *, actor: User | None, now: datetime, cal, allowed: dict[int, bool]
) -> tuple[Appeal, dict[str, Any]]:
    """The checked, unsaved appeal of one registration (without its number) and its event's details."""
    applicant = registration.applicant or ApplicantData()
    applicant.iin = (applicant.iin or "").strip()
    applicant.bin = (applicant.bin or "").strip()
    applicant.name = (applicant.name or "").strip()
    kind = registration.kind
    _validate_registration(
        applicant=applicant,
        kind=kind,
        channel=registration.channel,
        language=registration.language,
        region=registration.region,
        subject=registration.subject,
        text=registration.text,
    )
    agency = registration.agency
    category = registration.category
    if agency is None:
        agency = category_route(category=category, region=registration.region) if category is not None else None
        if agency is None:
            raise AppealError({"agency": [_("No agency handles this category in this region; choose the agency.")]})
    if not agency.is_active:
        raise AppealError({"agency": [_("This agency no longer accepts appeals.")]})
    if actor is not None:
        if agency.pk not in allowed:
            allowed[agency.pk] = Role.REGISTRAR in actor_roles(actor, _placeholder(agency))
        if not allowed[agency.pk]:
            raise AppealPermissionError(
                _("Only a registrar of this agency may register its appeals."), code="permission"
            )
    due = policy.due_date_for(kind=kind, registered_at=now, cal=cal)
    appeal = Appeal(
        forward_due_date=complaint_forward_by(kind=kind, agency=agency, registered_at=now, cal=cal),
        agency=agency,
        registered_at=now,
        received_at=registration.received_at or now,
        registered_by=actor,
        kind=kind,
        channel=registration.channel,
        language=registration.language,
        applicant_type=applicant.type,
        applicant_name=applicant.name,
        applicant_iin=applicant.iin,
        applicant_bin=applicant.bin,
        applicant_email=applicant.email.strip(),
        applicant_phone=applicant.phone.strip(),
        applicant_address=applicant.address.strip(),
        applicant_key=applicant_key(iin=applicant.iin, bin=applicant.bin, phone=applicant.phone, email=applicant.email),
        is_collective=registration.is_collective,
        signatories=registration.signatories,
        is_repeated=registration.repeat_of is not None,
        reports_crime=registration.reports_crime,
        region=registration.region,
        category=category,
        subject=registration.subject.strip(),
        text=registration.text,
        status=AppealStatus.REGISTERED,
        due_date=due,
        original_due_date=due,
        repeat_of=registration.repeat_of,
        escalated_from=registration.escalated_from,
        external_id=registration.external_id,
        created_at=now,
        updated_at=now,
        **(registration.extra_fields or {}),
    )
    return appeal, dict(registration.event_payload or {})


def complaint_forward_by(*, kind: str, agency: Agency, registered_at: datetime, cal=None) -> date | None:
    """When a complaint must be with the higher body: one registered in a body that has a higher body (its
    parent) challenges that body's act and goes up with the case file within N working days (DOMAIN.md).
    None for any other appeal, and for a complaint registered at the top of the tree (reviewed there)."""
    if kind != AppealKind.COMPLAINT or agency.parent_id is None:
        return None
    return policy.complaint_forward_deadline(registered_at, cal)


def _placeholder(agency: Agency) -> Appeal:
    """An unsaved appeal of `agency`, to ask for the actor's roles before the appeal exists."""
    return Appeal(agency=agency)


# --- Handling -----------------------------------------------------------------------------------------
def _require_executor(appeal: Appeal, executor: User) -> None:
    if not executor.is_active or Role.EXECUTOR not in user_roles_for(executor, appeal.agency):
        raise AppealError({"executor": [_("The executor must be an active executor of the appeal's agency.")]})


@transaction.atomic
def appeal_take(*, appeal: Appeal, actor: User) -> Appeal:
    """An executor takes an unassigned appeal of their agency into work."""
    now = timezone.now()
    previous = appeal.assignee_id
    _move(
        appeal,
        actor=actor,
        action=AppealAction.TAKE,
        event_kind=EventKind.TAKEN,
        assignee=actor,
        first_action_at=appeal.first_action_at or now,
        payload={"assignee": actor.pk},
    )
    rollups_reassign(appeal=appeal, previous_id=previous, assignee_id=actor.pk)
    return appeal


@transaction.atomic
def appeal_assign(*, appeal: Appeal, executor: User, actor: User) -> Appeal:
    """A supervisor assigns (or reassigns) the appeal to an executor of its agency."""
    _check(actor, appeal, AppealAction.ASSIGN)
    _require_executor(appeal, executor)
    if appeal.assignee_id == executor.pk:
        raise AppealError({"executor": [_("The appeal is already assigned to this executor.")]})
    previous = appeal.assignee_id
    _move(
        appeal,
        actor=actor,
        action=AppealAction.ASSIGN,
        event_kind=EventKind.ASSIGNED,
        assignee=executor,
        payload={"assignee": executor.pk, "previous_assignee": previous},
    )
    rollups_reassign(appeal=appeal, previous_id=previous, assignee_id=executor.pk)
    notifications.staff_notice_on_commit(appeal, notifications.STAFF_ASSIGNED, recipient=executor)
    return appeal


@transaction.atomic
def appeal_redirect(
    *,
    appeal: Appeal,
    to_agency: Agency,
    actor: User,
    reason: str,
    part_text: str = "",
) -> Appeal:
    """Send the appeal (or, with `part_text`, a part of it) to the competent agency.

    The target registers it at once and its own term starts. A whole redirect closes the
    appeal here; a partial one leaves it open here. A redirect after the limit of DOMAIN.md
    still goes through and is recorded as late. Returns the appeal opened in the target agency.
    """
    _check(actor, appeal, AppealAction.REDIRECT)
    if not reason.strip():
        raise AppealError({"reason": [_("Explain why the matter is outside this agency's competence.")]})
    if to_agency.pk == appeal.agency_id:
        raise AppealError({"to_agency": [_("Choose another agency than the one handling the appeal.")]})
    if not to_agency.is_active:
        raise AppealError({"to_agency": [_("This agency no longer accepts appeals.")]})
    partial = bool(part_text.strip())

    now = timezone.now()
    # A complaint sent up to a higher body (an ancestor) is the complaint going up with its case file: its
    # own clock (COMPLAINT_FORWARD_WORKING_DAYS) decides whether it is late; there the review term runs.
    forwarding = not partial and appeal.kind == AppealKind.COMPLAINT and appeal.agency.path.startswith(to_agency.path)
    if forwarding:
        limit = appeal.forward_due_date or policy.complaint_forward_deadline(appeal.registered_at)
    else:
        limit = policy.redirect_deadline(appeal.registered_at)
    late = timezone.localdate(now) > limit
    due = policy.due_date_for(kind=appeal.kind, registered_at=now)
    forward_by = None if forwarding else complaint_forward_by(kind=appeal.kind, agency=to_agency, registered_at=now)
    new_appeal = Appeal.objects.create(
        forward_due_date=forward_by,
        number=_next_number(to_agency, timezone.localdate(now).year),
        agency=to_agency,
        registered_at=now,
        received_at=appeal.received_at,
        registered_by=None,
        kind=appeal.kind,
        channel=appeal.channel,
        language=appeal.language,
        applicant_type=appeal.applicant_type,
        applicant_name=appeal.applicant_name,
        applicant_iin=appeal.applicant_iin,
        applicant_bin=appeal.applicant_bin,
        applicant_email=appeal.applicant_email,
        applicant_phone=appeal.applicant_phone,
        applicant_address=appeal.applicant_address,
        applicant_key=appeal.applicant_key,
        is_collective=appeal.is_collective,
        signatories=appeal.signatories,
        is_repeated=appeal.is_repeated,
        reports_crime=appeal.reports_crime,
        region=appeal.region,
        category=appeal.category,
        subject=appeal.subject,
        text=part_text.strip() if partial else appeal.text,
        status=AppealStatus.REGISTERED,
        due_date=due,
        original_due_date=due,
        redirected_from=appeal,
        repeat_of=appeal.repeat_of,
        escalated_from=appeal.escalated_from,
        integration_id=appeal.integration_id,  # the submitting system follows the appeal to the new body
        created_at=now,
        updated_at=now,
    )
    Attachment.objects.bulk_create(
        [
            Attachment(
                appeal=new_appeal,
                file=a.file.name,
                original_name=a.original_name,
                content_type=a.content_type,
                size=a.size,
                uploaded_by_id=a.uploaded_by_id,
            )
            for a in appeal.attachments.all()
        ]
    )
    registered_event = _event(
        new_appeal,
        actor=None,
        kind=EventKind.REGISTERED,
        to_status=AppealStatus.REGISTERED,
        number=new_appeal.number,
        agency=to_agency.pk,
        due_date=due.isoformat(),
        redirected_from=appeal.number,
        partial=partial or None,
        forward_by=forward_by.isoformat() if forward_by else None,
        forwarded_complaint=forwarding or None,
    )
    notifications.appeal_changed(new_appeal, registered_event)
    payload = {
        "to_agency": to_agency.pk,
        "to_number": new_appeal.number,
        "reason": reason.strip(),
        "late": late,
        "limit": limit.isoformat(),
    }
    if forwarding:
        payload["forwarded"] = True
    if partial:
        _move(
            appeal,
            actor=actor,
            action=AppealAction.REDIRECT,
            event_kind=EventKind.PART_REDIRECTED,
            status=appeal.status,
            payload={**payload, "part": part_text.strip()[:500]},
        )
    else:
        _move(
            appeal,
            actor=actor,
            action=AppealAction.REDIRECT,
            event_kind=EventKind.REDIRECTED,
            outcome=Outcome.REDIRECTED,
            resolved_at=now,
            extension_requested_until=None,
            payload=payload,
        )
    _record_notice(
        appeal,
        kind=ResponseKind.REDIRECT_NOTICE,
        text=_redirect_notice_text(appeal, new_appeal, partial),
        author=actor,
    )
    notifications.applicant_notice_on_commit(
        appeal, notifications.APPLICANT_REDIRECT, extra={"new_appeal": new_appeal.pk}
    )
    return new_appeal


def _redirect_notice_text(appeal: Appeal, new_appeal: Appeal, partial: bool) -> str:
    with translation.override(appeal.language):
        if partial:
            message = _(
                "Part of your appeal %(number)s is outside the competence of %(from)s and has been sent to "
                "%(to)s, where it is registered under number %(new)s."
            )
        else:
            message = _(
                "Your appeal %(number)s is outside the competence of %(from)s and has been sent to %(to)s, "
                "where it is registered under number %(new)s."
            )
        return message % {
            "number": appeal.number,
            "from": appeal.agency.name,
            "to": new_appeal.agency.name,
            "new": new_appeal.number,
        }


def _record_notice(appeal: Appeal, *, kind: str, text: str, author: User | None, outcome: str = "") -> AppealResponse:
    """Keep the notice the applicant is sent among the appeal's responses (it is sent on commit)."""
    now = timezone.now()
    return AppealResponse.objects.create(
        appeal=appeal,
        kind=kind,
        status=ResponseStatus.SENT,
        text=text,
        language=appeal.language,
        outcome=outcome,
        author=author,
        approved_by=author,
        approved_at=now,
        sent_at=now,
    )


@transaction.atomic
def appeal_request_extension(*, appeal: Appeal, actor: User, until: date, reason: str) -> Appeal:
    """The executor asks the supervisor for more time, with the reason (facts to establish)."""
    _check(actor, appeal, AppealAction.REQUEST_EXTENSION)
    if appeal.extension_requested_until is not None:
        raise AppealError(
            _("An extension until %(until)s is already requested and awaits the supervisor's decision.")
            % {"until": date_format(appeal.extension_requested_until, "d.m.Y")}
        )
    _validate_extension(appeal, until, reason)
    _move(
        appeal,
        actor=actor,
        action=AppealAction.REQUEST_EXTENSION,
        event_kind=EventKind.EXTENSION_REQUESTED,
        extension_requested_until=until,
        payload={"until": until.isoformat(), "reason": reason.strip()},
    )
    return appeal


def _validate_extension(appeal: Appeal, until: date, reason: str) -> None:
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("An extension needs a reasoned decision: write which facts must be established.")]
    limit = policy.extension_limit(appeal.registered_at)
    if until <= appeal.due_date:
        due = date_format(appeal.due_date, "d.m.Y")
        errors["until"] = [_("The new due date must be after the current one (%(due)s).") % {"due": due}]
    elif until > limit:
        errors["until"] = [
            _("The whole term may not exceed %(months)s months from registration: the latest date is %(limit)s.")
            % {"months": policy.policy("EXTENSION_MAX_MONTHS"), "limit": date_format(limit, "d.m.Y")}
        ]
    elif not get_calendar().is_working_day(until):
        errors["until"] = [_("The new due date must be a working day.")]
    if errors:
        raise AppealError(errors)


@transaction.atomic
def appeal_grant_extension(*, appeal: Appeal, actor: User, until: date, reason: str) -> Appeal:
    """A supervisor extends the term by a reasoned decision; the applicant is told."""
    _check(actor, appeal, AppealAction.GRANT_EXTENSION)
    _validate_extension(appeal, until, reason)
    previous = appeal.due_date
    _move(
        appeal,
        actor=actor,
        action=AppealAction.GRANT_EXTENSION,
        event_kind=EventKind.EXTENSION_GRANTED,
        due_date=until,
        extension_count=appeal.extension_count + 1,
        extension_requested_until=None,
        payload={
            "from_due_date": previous.isoformat(),
            "to_due_date": until.isoformat(),
            "reason": reason.strip(),
        },
    )
    with translation.override(appeal.language):
        text = _(
            "The term for considering your appeal %(number)s has been extended to %(until)s. Reason: %(reason)s"
        ) % {"number": appeal.number, "until": until.strftime("%d.%m.%Y"), "reason": reason.strip()}
    _record_notice(appeal, kind=ResponseKind.EXTENSION_NOTICE, text=text, author=actor)
    notifications.applicant_notice_on_commit(appeal, notifications.APPLICANT_EXTENSION)
    return appeal


@transaction.atomic
def appeal_add_note(*, appeal: Appeal, actor: User, text: str) -> AppealEvent:
    """An internal note, seen by staff only."""
    _check(actor, appeal, AppealAction.NOTE)
    if not text.strip():
        raise AppealError({"text": [_("Write the note.")]})
    if len(text) > 5000:
        raise AppealError({"text": [_("A note is at most 5000 characters.")]})
    return _move(
        appeal,
        actor=actor,
        action=AppealAction.NOTE,
        event_kind=EventKind.NOTE_ADDED,
        payload={"text": text.strip()},
    )


def appeal_working_answer(appeal: Appeal) -> AppealResponse | None:
    """The answer being drafted or approved, if any."""
    return (
        AppealResponse.objects.filter(appeal=appeal, kind=ResponseKind.ANSWER)
        .exclude(status=ResponseStatus.SENT)
        .first()
    )


@transaction.atomic
def appeal_save_response(
    *, appeal: Appeal, actor: User, text: str, language: str | None = None, outcome: str = ""
) -> AppealResponse:
    """Create or edit the draft answer. It is written in the appeal's language unless said otherwise."""
    _check(actor, appeal, AppealAction.DRAFT)
    language = language or appeal.language
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = [_("Write the answer.")]
    elif len(text) > int(policy.policy("TEXT_MAX_LENGTH")):
        errors["text"] = [
            _("The answer is longer than %(max)s characters.") % {"max": policy.policy("TEXT_MAX_LENGTH")}
        ]
    if language not in Language.values:
        errors["language"] = [_("An answer is in Kazakh or Russian.")]
    if outcome and outcome not in ANSWER_OUTCOMES:
        errors["outcome"] = [_("Choose the outcome of an answer on the merits.")]
    if errors:
        raise AppealError(errors)
    response = appeal_working_answer(appeal)
    _move(
        appeal,
        actor=actor,
        action=AppealAction.DRAFT,
        event_kind=EventKind.RESPONSE_SAVED,
        payload={"language": language, "created": response is None},
    )
    now = timezone.now()
    if response is None:
        response = AppealResponse.objects.create(
            appeal=appeal,
            kind=ResponseKind.ANSWER,
            text=text,
            language=language,
            outcome=outcome,
            author=actor,
        )
    else:
        AppealResponse.objects.filter(pk=response.pk).update(
            text=text,
            language=language,
            outcome=outcome,
            author=actor,
            status=ResponseStatus.DRAFT if response.status == ResponseStatus.DRAFT else response.status,
            updated_at=now,
        )
        response.refresh_from_db()
    return response


@transaction.atomic
def appeal_submit(*, appeal: Appeal, actor: User) -> Appeal:
    """The executor submits the drafted answer to the supervisor for approval."""
    _check(actor, appeal, AppealAction.SUBMIT)
    response = appeal_working_answer(appeal)
    if response is None or not response.text.strip():
        raise AppealError({"text": [_("Draft the answer before submitting it for approval.")]})
    _move(
        appeal,
        actor=actor,
        action=AppealAction.SUBMIT,
        event_kind=EventKind.SUBMITTED,
        payload={"response": response.pk},
    )
    AppealResponse.objects.filter(pk=response.pk).update(
        status=ResponseStatus.SUBMITTED, submitted_at=timezone.now(), updated_at=timezone.now()
    )
    return appeal


@transaction.atomic
def appeal_return(*, appeal: Appeal, actor: User, comment: str) -> Appeal:
    """The supervisor returns the answer for rework, saying what to change."""
    _check(actor, appeal, AppealAction.RETURN)
    if not comment.strip():
        raise AppealError({"comment": [_("Say what must be reworked.")]})
    response = appeal_working_answer(appeal)
    _move(
        appeal,
        actor=actor,
        action=AppealAction.RETURN,
        event_kind=EventKind.RETURNED,
        payload={"comment": comment.strip(), "response": response.pk if response else None},
    )
    if response is not None:
        AppealResponse.objects.filter(pk=response.pk).update(
            status=ResponseStatus.RETURNED, return_count=F("return_count") + 1, updated_at=timezone.now()
        )
    if appeal.assignee_id:
        notifications.staff_notice_on_commit(appeal, notifications.STAFF_RETURNED, recipient=appeal.assignee)
    return appeal


@transaction.atomic
def appeal_approve(*, appeal: Appeal, actor: User, outcome: str = "") -> AppealResponse:
    """The supervisor approves the answer; it is sent to the applicant with the challenge block."""
    _check(actor, appeal, AppealAction.APPROVE)
    response = appeal_working_answer(appeal)
    if response is None:
        raise AppealError({"text": [_("There is no answer to approve.")]})
    outcome = outcome or response.outcome
    if outcome not in ANSWER_OUTCOMES:
        raise AppealError({"outcome": [_("Choose the outcome of the answer.")]})
    now = timezone.now()
    _move(
        appeal,
        actor=actor,
        action=AppealAction.APPROVE,
        event_kind=EventKind.APPROVED,
        outcome=outcome,
        resolved_at=now,
        extension_requested_until=None,
        payload={
            "response": response.pk,
            "outcome": outcome,
            "on_time": timezone.localdate(now) <= appeal.due_date,
        },
    )
    final_text = _with_challenge_block(appeal, response.text, response.language)
    AppealResponse.objects.filter(pk=response.pk).update(
        status=ResponseStatus.SENT,
        text=final_text,
        outcome=outcome,
        approved_by=actor,
        approved_at=now,
        sent_at=now,
        updated_at=now,
    )
    response.refresh_from_db()
    notifications.applicant_notice_on_commit(appeal, notifications.APPLICANT_ANSWER, extra={"response": response.pk})
    return response


@transaction.atomic
def appeal_leave_without_consideration(*, appeal: Appeal, actor: User, reason: str, comment: str = "") -> Appeal:
    """Leave the appeal without consideration, for a reason of the law, told to the applicant."""
    _check(actor, appeal, AppealAction.LEAVE)
    if reason not in LeaveReason.values:
        raise AppealError({"reason": [_("Choose a reason the law allows.")]})
    if appeal.reports_crime:
        raise AppealError(
            {
                "reason": [
                    _(
                        "An appeal reporting a crime or a threat to security is never left without "
                        "consideration: redirect it to the competent law-enforcement body."
                    )
                ]
            }
        )
    now = timezone.now()
    _move(
        appeal,
        actor=actor,
        action=AppealAction.LEAVE,
        event_kind=EventKind.LEFT_WITHOUT_CONSIDERATION,
        outcome=Outcome.LEFT_WITHOUT_CONSIDERATION,
        resolved_at=now,
        extension_requested_until=None,
        payload={"reason": reason, "comment": comment.strip() or None},
    )
    with translation.override(appeal.language):
        text = _("Your appeal %(number)s is left without consideration: %(reason)s.") % {
            "number": appeal.number,
            "reason": str(LeaveReason(reason).label),
        }
        if comment.strip():
            text = f"{text}\n\n{comment.strip()}"
    _record_notice(
        appeal,
        kind=ResponseKind.REFUSAL,
        text=_with_challenge_block(appeal, text, appeal.language),
        author=actor,
        outcome=Outcome.LEFT_WITHOUT_CONSIDERATION,
    )
    notifications.applicant_notice_on_commit(appeal, notifications.APPLICANT_LEFT)
    return appeal


@transaction.atomic
def appeal_terminate(*, appeal: Appeal, actor: User, reason: str, comment: str = "") -> Appeal:
    """Stop handling the appeal (merged, applicant died, entity liquidated...)."""
    _check(actor, appeal, AppealAction.TERMINATE)
    if reason not in TerminateReason.values:
        raise AppealError({"reason": [_("Choose the reason for terminating.")]})
    if reason == TerminateReason.OTHER and not comment.strip():
        raise AppealError({"comment": [_("Explain the reason.")]})
    _move(
        appeal,
        actor=actor,
        action=AppealAction.TERMINATE,
        event_kind=EventKind.TERMINATED,
        outcome=Outcome.TERMINATED,
        resolved_at=timezone.now(),
        extension_requested_until=None,
        payload={"reason": reason, "comment": comment.strip() or None},
    )
    return appeal


@transaction.atomic
def appeal_close(*, appeal: Appeal, actor: User) -> Appeal:
    """Close the case file of an answered appeal."""
    _move(appeal, actor=actor, action=AppealAction.CLOSE, event_kind=EventKind.CLOSED)
    return appeal


@transaction.atomic
def appeal_reopen(*, appeal: Appeal, actor: User, reason: str) -> Appeal:
    """Reopen a finished appeal (its answer was challenged, or it was closed in error).

    It goes back to its executor (or to the unassigned queue) with a new statutory term.
    """
    _check(actor, appeal, AppealAction.REOPEN)
    if not reason.strip():
        raise AppealError({"reason": [_("Say why the appeal is reopened.")]})
    now = timezone.now()
    due = policy.due_date_for(kind=appeal.kind, registered_at=now)
    to_status = AppealStatus.IN_PROGRESS if appeal.assignee_id else AppealStatus.REGISTERED
    previous_due = appeal.due_date
    _move(
        appeal,
        actor=actor,
        action=AppealAction.REOPEN,
        event_kind=EventKind.REOPENED,
        status=to_status,
        outcome="",
        resolved_at=None,
        escalated_at=None,
        due_date=due,
        payload={
            "reason": reason.strip(),
            "from_due_date": previous_due.isoformat(),
            "to_due_date": due.isoformat(),
        },
    )
    return appeal


@transaction.atomic
def appeal_escalate(*, appeal: Appeal, actor: User | None = None) -> Appeal:
    """Raise an overdue appeal to the supervisors up the tree. `actor=None` is the scheduled scan."""
    if actor is not None:
        _check(actor, appeal, AppealAction.ESCALATE)
    if appeal.status not in OPEN_STATUSES:
        raise AppealTransitionError(_("Only an open appeal can be escalated."), code="transition")
    if appeal.escalated_at is not None:
        raise AppealTransitionError(_("The appeal has already been escalated."), code="transition")
    if not appeal.is_overdue:
        raise AppealTransitionError(_("Only an overdue appeal is escalated."), code="transition")
    _save(appeal, escalated_at=timezone.now())
    event = _event(
        appeal,
        actor=actor,
        kind=EventKind.ESCALATED,
        due_date=appeal.due_date.isoformat(),
        overdue_working_days=-get_calendar().working_days_left(appeal.due_date, timezone.localdate()),
    )
    notifications.appeal_changed(appeal, event)
    notifications.staff_notice_on_commit(appeal, notifications.STAFF_ESCALATED)
    return appeal


# --- Attachments -----------------------------------------------------------------------------------------
_SIGNATURES: tuple[tuple[bytes, str, tuple[str, ...]], ...] = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword", (".doc",)),
)
ATTACHMENT_EXTENSIONS = tuple(ext for _sig, _ct, exts in _SIGNATURES for ext in exts) + (".txt",)


def sniff_content_type(head: bytes, filename: str) -> str | None:
    """The type of a file judged by its first bytes (and, for text, that it decodes); None if not allowed."""
    name = filename.lower()
    for signature, content_type, extensions in _SIGNATURES:
        if head.startswith(signature) and name.endswith(extensions):
            return content_type
    if name.endswith(".txt") and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a multibyte character cut at the end of the sample is fine
                return None
        return "text/plain"
    return None


def validate_upload(upload: UploadedFile) -> str:
    """Check size and type (by content); returns the content type to store."""
    max_bytes = int(policy.policy("ATTACHMENT_MAX_BYTES"))
    if upload.size is None or upload.size > max_bytes:
        raise AppealError({"file": [_("A file may be at most %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)}]})
    if upload.size == 0:
        raise AppealError({"file": [_("The file is empty.")]})
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    content_type = sniff_content_type(head, upload.name or "")
    if content_type is None:
        raise AppealError(
            {"file": [_("Allowed files: PDF, PNG, JPEG, DOC, DOCX and plain text, whose content matches the name.")]}
        )
    return content_type


@transaction.atomic
def appeal_add_attachment(*, appeal: Appeal, actor: User | None, upload: UploadedFile) -> Attachment:
    content_type = validate_upload(upload)
    if appeal.attachments.count() >= int(policy.policy("ATTACHMENT_MAX_COUNT")):
        raise AppealError(
            {"file": [_("An appeal carries at most %(n)s files.") % {"n": policy.policy("ATTACHMENT_MAX_COUNT")}]}
        )
    if actor is not None:
        _check(actor, appeal, AppealAction.NOTE)
    original_name = (upload.name or "file").replace("/", "_").replace("\\", "_")[-255:]
    attachment = Attachment(
        appeal=appeal,
        original_name=original_name,
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(original_name, upload, save=False)
    attachment.save()
    _event(appeal, actor=actor, kind=EventKind.ATTACHMENT_ADDED, attachment=attachment.pk, name=original_name)
    return attachment


# --- Links, merges and personal data ------------------------------------------------------------------
def _same_applicant(first: Appeal, second: Appeal) -> bool:
    """Whether two appeals come from the same applicant: the same IIN, or the same BIN."""
    if first.applicant_iin:
        return first.applicant_iin == second.applicant_iin
    if first.applicant_bin:
        return first.applicant_bin == second.applicant_bin
    return False


def _existing_link(first: Appeal, second: Appeal) -> AppealLink | None:
    return AppealLink.objects.filter(
        Q(from_appeal=first, to_appeal=second) | Q(from_appeal=second, to_appeal=first)
    ).first()


@transaction.atomic
def appeal_link(*, appeal: Appeal, other: Appeal, actor: User, comment: str = "") -> AppealLink:
    """Link two related appeals; both show the link. Each appeal's timeline gets one `linked` event.

    The caller passes `other` fetched through `appeals_visible_to(actor)`.
    """
    _check(actor, appeal, AppealAction.LINK)
    _check(actor, other, AppealAction.LINK)
    if other.pk == appeal.pk:
        raise AppealError({"other": [_("An appeal cannot be linked to itself.")]})
    if _existing_link(appeal, other) is not None:
        raise AppealError({"other": [_("These appeals are already linked.")]})
    if len(comment) > 500:
        raise AppealError({"comment": [_("A comment is at most 500 characters.")]})
    link = AppealLink.objects.create(
        from_appeal=appeal, to_appeal=other, kind=LinkKind.RELATED, comment=comment.strip(), created_by=actor
    )
    for this, that in ((appeal, other), (other, appeal)):
        _save(this)
        event = _event(
            this, actor=actor, kind=EventKind.LINKED, link=LinkKind.RELATED, other=that.number, other_id=that.pk
        )
        notifications.appeal_changed(this, event)
    return link


@transaction.atomic
def appeal_merge(*, appeal: Appeal, into: Appeal, actor: User, comment: str = "") -> AppealLink:
    """Mark `appeal` a duplicate of `into` (the same applicant's open appeal) and stop handling it here.

    Both numbers are kept: the duplicate is terminated as merged and linked to `into`, which
    carries the case on; the applicant is told under the duplicate's number.
    """
    _check(actor, appeal, AppealAction.MERGE)
    _check(actor, into, AppealAction.LINK)
    if into.pk == appeal.pk:
        raise AppealError({"into": [_("An appeal cannot be merged into itself.")]})
    if not _same_applicant(appeal, into):
        raise AppealError({"into": [_("Only appeals of the same applicant (the same IIN or BIN) can be merged.")]})
    if into.status not in OPEN_STATUSES:
        raise AppealError({"into": [_("Merge into an appeal that is still being considered.")]})
    if _existing_link(appeal, into) is not None:
        raise AppealError({"into": [_("These appeals are already linked.")]})
    if len(comment) > 500:
        raise AppealError({"comment": [_("A comment is at most 500 characters.")]})
    link = AppealLink.objects.create(
        from_appeal=appeal, to_appeal=into, kind=LinkKind.DUPLICATE, comment=comment.strip(), created_by=actor
    )
    _move(
        appeal,
        actor=actor,
        action=AppealAction.MERGE,
        event_kind=EventKind.MERGED,
        outcome=Outcome.TERMINATED,
        resolved_at=timezone.now(),
        extension_requested_until=None,
        payload={
            "reason": TerminateReason.MERGED.value,
            "into": into.number,
            "into_id": into.pk,
            "comment": comment.strip() or None,
        },
    )
    _save(into)
    event = _event(into, actor=actor, kind=EventKind.MERGED, merged_from=appeal.number, merged_from_id=appeal.pk)
    notifications.appeal_changed(into, event)
    with translation.override(appeal.language):
        text = _(
            "Your appeal %(number)s repeats your appeal %(into)s on the same matter. The two are merged: "
            "you will receive one answer, under number %(into)s."
        ) % {"number": appeal.number, "into": into.number}
    _record_notice(appeal, kind=ResponseKind.INTERIM, text=text, author=actor)
    notifications.applicant_notice_on_commit(appeal, notifications.APPLICANT_MERGED)
    return link


PERSONAL_DATA_FIELDS = ("iin", "bin", "contacts")


@transaction.atomic
def appeal_reveal_personal_data(*, appeal: Appeal, actor: User, field: str = "iin") -> AppealEvent:
    """Record that `actor` looked at the applicant's full IIN/BIN (the value itself is never stored here)."""
    if field not in PERSONAL_DATA_FIELDS:
        raise AppealError({"field": [_("Unknown personal data field.")]})
    if not actor_roles(actor, appeal):
        raise AppealPermissionError(_("You may not see this applicant's personal data."), code="permission")
    return _event(appeal, actor=actor, kind=EventKind.PERSONAL_DATA_REVEALED, field=field)


# --- Saved views and canned responses -------------------------------------------------------------------
SAVED_VIEW_MAX_PER_USER = 50


@transaction.atomic
def saved_view_create(*, owner: User, name: str, query: str, share_with: Agency | None = None) -> SavedView:
    """Save the current filters and sort (`query`, a query string) under `name`, for the owner or an agency."""
    name = " ".join(name.split())
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Name the view.")]
    elif len(name) > 80:
        errors["name"] = [_("A name is at most 80 characters.")]
    elif SavedView.objects.filter(owner=owner, name=name).exists():
        errors["name"] = [_("You already have a view with this name.")]
    if len(query) > 2000:
        errors["query"] = [_("Too many filters to save.")]
    if share_with is not None and share_with.pk not in {m.agency_id for m in user_memberships(owner)}:
        errors["share_with"] = [_("A view can be shared only with an agency you belong to.")]
    if SavedView.objects.filter(owner=owner).count() >= SAVED_VIEW_MAX_PER_USER:
        errors["name"] = [_("You have %(n)s saved views already; delete one first.") % {"n": SAVED_VIEW_MAX_PER_USER}]
    if errors:
        raise AppealError(errors)
    return SavedView.objects.create(owner=owner, name=name, query=query, agency=share_with)


@transaction.atomic
def saved_view_delete(*, saved_view: SavedView, actor: User) -> None:
    if saved_view.owner_id != actor.pk:
        raise AppealPermissionError(_("Only the owner may delete a saved view."), code="permission")
    saved_view.delete()


def canned_response_can_edit(*, user: User, agency: Agency | None) -> bool:
    """Supervisors keep their agency's templates; templates for every agency are the administrators'."""
    if user.is_superuser and user.is_active:
        return True
    if agency is None:
        return False
    return Role.SUPERVISOR in user_roles_for(user, agency)


@transaction.atomic
def canned_response_save(
    *,
    actor: User,
    canned: CannedResponse | None = None,
    agency: Agency | None,
    category: Category | None,
    language: str,
    title: str,
    text: str,
    outcome: str = "",
    is_active: bool = True,
) -> CannedResponse:
    """Create or edit a canned response; its placeholders must be ones the desk can fill."""
    if canned is not None and not canned_response_can_edit(user=actor, agency=canned.agency):
        raise AppealPermissionError(_("You may not edit this canned response."), code="permission")
    if not canned_response_can_edit(user=actor, agency=agency):
        raise AppealPermissionError(
            _("Only a supervisor of the agency may keep its canned responses."), code="permission"
        )
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Give the template a title.")]
    if not text.strip():
        errors["text"] = [_("Write the text of the template.")]
    elif unknown := unknown_placeholders(text):
        errors["text"] = [
            _("Unknown placeholders: %(names)s.") % {"names": ", ".join("{" + name + "}" for name in unknown)}
        ]
    if language not in Language.values:
        errors["language"] = [_("An answer is in Kazakh or Russian.")]
    if outcome and outcome not in ANSWER_OUTCOMES:
        errors["outcome"] = [_("Choose the outcome of an answer on the merits.")]
    if errors:
        raise AppealError(errors)
    canned = canned or CannedResponse(created_by=actor)
    canned.agency = agency
    canned.category = category
    canned.language = language
    canned.title = title.strip()
    canned.text = text.strip()
    canned.outcome = outcome
    canned.is_active = is_active
    canned.updated_at = timezone.now()
    canned.save()
    return canned


# --- The calendar ------------------------------------------------------------------------------------------
@transaction.atomic
def calendar_override_save(*, override: CalendarOverride) -> CalendarOverride:
    """Save a decree day-move. Deadlines computed from now on take it into account.

    Due dates already set are not moved: a due date is fixed when it is set, and changed
    only by an audited extension, redirect or reopening.
    """
    override.full_clean()
    override.save()
    invalidate_calendar()  # this process at once; others within the calendar's refresh interval
    transaction.on_commit(invalidate_calendar)
    return override


@transaction.atomic
def calendar_override_delete(*, override: CalendarOverride) -> None:
    override.delete()
    invalidate_calendar()
    transaction.on_commit(invalidate_calendar)


def calendar_missing_next_year(today: date | None = None) -> int | None:
    """From 1 November, the next year when it has no override entered yet (the decree comes each autumn)."""
    today = today or timezone.localdate()
    if today.month < 11:
        return None
    next_year = today.year + 1
    if CalendarOverride.objects.filter(date__year=next_year).exists():
        return None
    return next_year


# --- The applicant's rating of the answer (the dashboard's average rating) -------------------------
RATABLE_STATUSES = frozenset({AppealStatus.ANSWERED, AppealStatus.CLOSED})


@transaction.atomic
def appeal_record_rating(*, appeal: Appeal, rating: int, actor: User | None) -> Appeal:
    """Record the applicant's rating (1 to 5) of the answer, as they told staff or an integration sent it.

    A later rating replaces the earlier one; both are in the audit trail.
    """
    if actor is not None and not actor_roles(actor, appeal):
        raise AppealPermissionError(_("You may not record a rating on this appeal."), code="permission")
    if appeal.status not in RATABLE_STATUSES:
        raise AppealTransitionError(_("Only an answered appeal can be rated."), code="transition")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise AppealError({"rating": [_("The rating is a whole number from 1 to 5.")]})
    previous = appeal.applicant_rating
    _save(appeal, applicant_rating=rating, applicant_rated_at=timezone.now())
    _event(appeal, actor=actor, kind=EventKind.RATED, rating=rating, previous=previous)
    return appeal
