"""Registration: checking what arrives, the registration numbers (AGENCY-YYYY-NNNNNN, reserved in one
statement), one appeal or a batch all-or-none, the `registered` events and the receipts."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.choices import Region, Role
from agencies.models import Agency, Category, User
from agencies.selectors import category_route

from ..access.menucounts import appeals_changed
from ..calendar import policy
from ..calendar.workdays import get_calendar
from ..infra import handoff
from ..listening.matching import applicant_key
from ..models import (
    Appeal,
    AppealEvent,
    RegistrationCounter,
)
from ..models.choices import (
    AppealKind,
    AppealStatus,
    ApplicantType,
    Channel,
    EventKind,
    Language,
)
from ..models.validators import validate_bin, validate_iin
from ..notices import notifications
from .rules import AppealError, AppealPermissionError, actor_roles
from .terms import complaint_forward_by

logger = logging.getLogger(__name__)


def next_numbers(appeals: list[Appeal], year: int) -> dict[int, Iterator[str]]:
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


def next_number(agency: Agency, year: int) -> str:
    """The next registration number of `agency` in `year`."""
    return next(next_numbers([Appeal(agency=agency)], year)[agency.pk])


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


def appeals_register_many(*, actor: User | None, registrations: list[Registration]) -> list[Appeal]:
    """Register several appeals at once, all or none, in a constant number of queries per agency set.

    Each appeal is checked as `appeal_register` checks it; if any is refused, `RegistrationBatchError`
    names them all (a single registration raises its own AppealError) and nothing is written.
    The checks come before any write, so the writes need no savepoint of their own inside a caller's
    transaction (the intake's): they commit or roll back with it (on their own: in one transaction).
    """
    now = timezone.now()
    appeals, payloads = _registrations_checked(registrations, actor=actor, now=now)
    with transaction.atomic(savepoint=False):
        numbers = next_numbers(appeals, timezone.localdate(now).year)
        for appeal in appeals:
            appeal.number = next(numbers[appeal.agency_id])
        Appeal.objects.bulk_create(appeals)
        appeals_changed()  # bulk_create sends no signal: the side menu's counts are renewed here
        events = AppealEvent.objects.bulk_create(
            [
                AppealEvent(
                    appeal=appeal,
                    actor=actor,
                    kind=EventKind.REGISTERED,
                    to_status=AppealStatus.REGISTERED,
                    payload=_registered_payload(appeal, payload),
                )
                for appeal, payload in zip(appeals, payloads, strict=True)
            ]
        )
        notifications.appeals_changed(list(zip(appeals, events, strict=True)))
        receipts = notifications.applicant_notices_written(appeals, notifications.APPLICANT_RECEIPT)
        _hand_over_on_commit(appeals, receipts)
    return appeals


def _hand_over_on_commit(appeals: list[Appeal], receipt_ids: list[int]) -> None:
    """Once the registration commits, one message to the workers (`appeals_registered` in appeals.tasks) for what
    follows it: matter matching of its appeals (repeats and escalations, appeals.listening) and its receipts sent
    (appeals.notices.outbox). One message rather than one for each: the broker's publishing costs the request as
    much as a query."""
    match_ids = [appeal.pk for appeal in appeals if appeal.applicant_key]
    if match_ids or receipt_ids:
        transaction.on_commit(partial(_hand_over, match_ids, receipt_ids))


def _hand_over(match_ids: list[int], receipt_ids: list[int]) -> None:
    task = handoff.task("appeals_registered")  # appeals.tasks, connected at start
    try:
        task.delay(match_ids, receipt_ids)
    except Exception:
        if task.app.conf.task_always_eager:
            raise  # run inline (tests): a failure here is a bug to see
        # A broker outage must not fail a committed registration: the receipts stay pending and the catch-up
        # sends them (appeals.notices.outbox); `manage.py match_appeals` matches the appeals.
        logger.warning(
            "The broker refused the registration of appeals %s: the catch-up sends them (receipts) and "
            "manage.py match_appeals matches them.",
            match_ids[:20],
            exc_info=True,
        )


def _registrations_checked(
    registrations: list[Registration], *, actor: User | None, now: datetime
) -> tuple[list[Appeal], list[dict[str, Any]]]:
    """The checked, unsaved appeals (without numbers) and their events' details; raises before any write."""
    cal = get_calendar()
    appeals: list[Appeal] = []
    payloads: list[dict[str, Any]] = []
    errors: dict[int, AppealError] = {}
    allowed: dict[int, bool] = {}
    for index, registration in enumerate(registrations):
        try:
            appeal, payload = registration_build(registration, actor=actor, now=now, cal=cal, allowed=allowed)
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
    return appeals, payloads


def _registered_payload(appeal: Appeal, extra: dict[str, Any]) -> dict[str, Any]:
    """The `registered` event's details: the number, agency and terms, and what the caller adds."""
    payload = {
        "number": appeal.number,
        "agency": appeal.agency_id,
        "due_date": appeal.due_date.isoformat(),
        "forward_by": appeal.forward_due_date.isoformat() if appeal.forward_due_date else None,
        **extra,
    }
    return {k: v for k, v in payload.items() if v is not None}


def registration_build(
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


def _placeholder(agency: Agency) -> Appeal:
    """An unsaved appeal of `agency`, to ask for the actor's roles before the appeal exists."""
    return Appeal(agency=agency)
