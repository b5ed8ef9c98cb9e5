"""The demo dataset: an agency tree over two regions, staff with demo logins, and appeals in
every status with due dates around today, in Kazakh and Russian.

`seed_base()` builds the tree, the categories and the staff once; `seed_appeals(n)` adds n
appeals with bulk inserts (the large volumes of the benchmarks use it too).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from agencies.choices import AgencyKind, Region, Role
from agencies.models import Agency, Category, CategoryRoute, Membership, User
from agencies.services import agency_save

from ..calendar.policy import complaint_forward_deadline, due_date_for
from ..calendar.workdays import get_calendar
from ..listening.matching import applicant_key
from ..models import Appeal, AppealEvent, AppealResponse, CannedResponse, RegistrationCounter
from ..models.choices import (
    AppealKind,
    AppealStatus,
    ApplicantType,
    EventKind,
    LeaveReason,
    Outcome,
    ResponseKind,
    ResponseStatus,
)
from ..models.validators import make_valid_number
from .demo_data import (
    AGENCIES,
    CANNED,
    CATEGORIES,
    CHANNEL_MIX,
    DEMO_PASSWORD,
    FIRST_NAMES,
    KIND_MIX,
    LAST_NAMES,
    ROUTES,
    STAFF,
    STATUS_MIX,
)


def _pick(rng: random.Random, mix: dict) -> str:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def random_iin(rng: random.Random) -> str:
    while True:
        year = rng.randint(40, 99)
        number = make_valid_number(
            f"{year:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.choice('34')}{rng.randint(0, 9999):04d}"
        )
        if number:
            return number


def demo_exists() -> bool:
    return Agency.objects.filter(code="pa").exists()


@transaction.atomic
def seed_base(*, out: Callable[[str], None] = print) -> list[tuple[str, str]]:
    """Agencies, categories with routes, and staff. Returns the demo logins (username, description)."""
    by_code: dict[str, Agency] = {}
    for code, kind, name_ru, name_kk, region, parent in AGENCIES:
        agency = Agency.objects.filter(code=code).first() or Agency(code=code)
        agency.kind, agency.name_ru, agency.name_kk, agency.region = kind, name_ru, name_kk, region
        agency.parent = by_code.get(parent) if parent else None
        agency.email = f"{code}@gov.kz.local"
        by_code[code] = agency_save(agency=agency)
    out(f"  agencies: {len(by_code)}")

    for code, name_ru, name_kk, _subjects in CATEGORIES:
        Category.objects.update_or_create(code=code, defaults={"name_ru": name_ru, "name_kk": name_kk})
    categories = {c.code: c for c in Category.objects.all()}
    for (category, region), agency_code in ROUTES.items():
        CategoryRoute.objects.update_or_create(
            category=categories[category], region=region, defaults={"agency": by_code[agency_code]}
        )
    out(f"  categories: {len(CATEGORIES)}, routes: {len(ROUTES)}")

    logins = []
    password = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 is slow on purpose
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "email": "admin@otinish.local"}
    )
    if created:
        admin.password = password
        admin.save()
    logins.append(("admin", "administrator (Django admin)"))
    for username, last, first, language, agency_code, roles in STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "last_name": last,
                "first_name": first,
                "language": language,
                "email": f"{username}@gov.kz.local",
            },
        )
        if created:
            user.password = password
            user.save()
        for role in roles:
            Membership.objects.get_or_create(user=user, agency=by_code[agency_code], role=role)
        logins.append((username, f"{', '.join(str(Role(r).label) for r in roles)} · {by_code[agency_code].name_ru}"))
    out(f"  staff: {len(STAFF) + 1}")
    for category_code, language, title, outcome, text in CANNED:
        CannedResponse.objects.get_or_create(
            title=title,
            language=language,
            agency=None,
            defaults={"category": categories.get(category_code), "outcome": outcome, "text": text},
        )
    out(f"  canned responses: {len(CANNED)}")
    return logins


@dataclass
class _Context:
    rng: random.Random
    agencies: list[Agency]
    executors: dict[int, list[int]]
    supervisors: dict[int, int]
    registrars: dict[int, int]
    categories: list[tuple[Category, list[tuple[str, str]]]]
    numbers: dict[tuple[int, int], int]


def _context(seed: int) -> _Context:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    agencies = list(Agency.objects.filter(is_active=True).exclude(kind=AgencyKind.ADMINISTRATION))
    executors: dict[int, list[int]] = defaultdict(list)
    supervisors: dict[int, int] = {}
    registrars: dict[int, int] = {}
    for m in Membership.objects.all():
        if m.role == Role.EXECUTOR:
            executors[m.agency_id].append(m.user_id)
        elif m.role == Role.SUPERVISOR:
            supervisors.setdefault(m.agency_id, m.user_id)
        else:
            registrars.setdefault(m.agency_id, m.user_id)
    by_code = {c.code: c for c in Category.objects.all()}
    categories = [(by_code[code], subjects) for code, _ru, _kk, subjects in CATEGORIES if code in by_code]
    numbers = {
        (row["agency_id"], row["year"]): row["last"]
        for row in RegistrationCounter.objects.values("agency_id", "year").annotate(last=Max("last_number"))
    }
    return _Context(rng, agencies, executors, supervisors, registrars, categories, numbers)


def _supervisor_for(ctx: _Context, agency: Agency) -> int | None:
    for agency_id in [agency.pk, *reversed(agency.ancestor_ids)]:
        if agency_id in ctx.supervisors:
            return ctx.supervisors[agency_id]
    return None


def seed_appeals(
    count: int,
    *,
    days: int = 60,
    seed: int = 2026,
    batch_size: int = 2000,
    out: Callable[[str], None] = print,
) -> int:
    """Add `count` appeals registered over the last `days` days, with responses and events."""
    ctx = _context(seed)
    if not ctx.agencies:
        raise RuntimeError("seed the agencies first")
    cal = get_calendar()
    now = timezone.now()
    made = 0
    while made < count:
        size = min(batch_size, count - made)
        with transaction.atomic():
            appeals = [_make_appeal(ctx, cal, now, days) for _ in range(size)]
            responses: list[AppealResponse] = []
            events: list[AppealEvent] = []
            for appeal, plan in appeals:
                _history(ctx, appeal, plan, responses, events)
            Appeal.objects.bulk_create([a for a, _plan in appeals], batch_size=1000)
            AppealResponse.objects.bulk_create(responses, batch_size=1000)
            AppealEvent.objects.bulk_create(events, batch_size=2000)
            for (agency_id, year), last in ctx.numbers.items():
                RegistrationCounter.objects.update_or_create(
                    agency_id=agency_id, year=year, defaults={"last_number": last}
                )
        made += size
        out(f"  appeals: {made}/{count}")
    return made


def _make_appeal(ctx: _Context, cal, now: datetime, days: int) -> tuple[Appeal, dict]:
    rng = ctx.rng
    agency = rng.choice(ctx.agencies)
    category, subjects = rng.choice(ctx.categories)
    subject_ru, subject_kk = rng.choice(subjects)
    language = "kk" if rng.random() < 0.45 else "ru"
    registered = now - timedelta(days=rng.random() * days, minutes=rng.randint(0, 600))
    kind = _pick(rng, KIND_MIX)
    due = due_date_for(kind=kind, registered_at=registered, cal=cal)
    status = _pick(rng, STATUS_MIX)
    executors = ctx.executors.get(agency.pk, [])
    if not executors and status != AppealStatus.REGISTERED:
        status = AppealStatus.REGISTERED
    # Appeals registered more than their term ago are mostly finished, as in life.
    if (
        due < timezone.localdate(now) - timedelta(days=5)
        and status in (AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS)
        and rng.random() < 0.8
    ):
        status = AppealStatus.ANSWERED
    applicant_type = ApplicantType.INDIVIDUAL
    roll = rng.random()
    if roll < 0.05:
        applicant_type = ApplicantType.LEGAL
    elif roll < 0.07:
        applicant_type = ApplicantType.ANONYMOUS
    year = timezone.localdate(registered).year
    ctx.numbers[(agency.pk, year)] = ctx.numbers.get((agency.pk, year), 0) + 1
    name = f"{rng.choice(LAST_NAMES)} {rng.choice(FIRST_NAMES)}"
    appeal = Appeal(
        number=f"{agency.code.upper()}-{year}-{ctx.numbers[(agency.pk, year)]:06d}",
        agency=agency,
        registered_at=registered,
        received_at=registered,
        registered_by_id=ctx.registrars.get(agency.pk),
        kind=kind,
        channel=_pick(rng, CHANNEL_MIX),
        language=language,
        applicant_type=applicant_type,
        applicant_name=""
        if applicant_type == ApplicantType.ANONYMOUS
        else (f"ТОО «{rng.choice(LAST_NAMES)} и К»" if applicant_type == ApplicantType.LEGAL else name),
        applicant_iin=random_iin(rng) if applicant_type == ApplicantType.INDIVIDUAL else "",
        applicant_email=f"citizen{rng.randint(1, 10**6)}@mail.kz.local" if rng.random() < 0.7 else "",
        applicant_phone=f"+7 70{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
        applicant_address=f"{agency.name_ru}, ул. Абая, д. {rng.randint(1, 200)}",
        region=agency.region or Region.ASTANA,
        category=category,
        subject=subject_kk if language == "kk" else subject_ru,
        text=(subject_kk if language == "kk" else subject_ru)
        + ". "
        + ("Шараларды қабылдауды сұраймын." if language == "kk" else "Прошу принять меры."),
        status=AppealStatus.REGISTERED,
        due_date=due,
        original_due_date=due,
        # A complaint in a body with a higher body goes up there within 3 working days (services do the same).
        forward_due_date=complaint_forward_deadline(registered, cal)
        if kind == AppealKind.COMPLAINT and agency.parent_id
        else None,
        is_repeated=rng.random() < 0.06,
        created_at=registered,
        updated_at=registered,
    )
    appeal.applicant_key = applicant_key(
        iin=appeal.applicant_iin, phone=appeal.applicant_phone, email=appeal.applicant_email
    )
    plan = {"status": status, "executor": rng.choice(executors) if executors else None}
    return appeal, plan


def _history(ctx: _Context, appeal: Appeal, plan: dict, responses: list, events: list) -> None:
    """Walk the appeal to its planned status, recording events and responses as the services would."""
    story = _Story(ctx, appeal, responses, events)
    story.event(
        appeal.registered_by_id,
        EventKind.REGISTERED,
        to_status=AppealStatus.REGISTERED,
        at=appeal.registered_at,
        payload={"number": appeal.number},
    )
    story.supervisor = _supervisor_for(ctx, appeal.agency)
    status = plan["status"]
    if status == AppealStatus.REGISTERED:
        return
    if status in (AppealStatus.REDIRECTED, AppealStatus.TERMINATED):
        story.ended_unanswered(status)
    else:
        story.taken(plan["executor"])
        if status == AppealStatus.IN_PROGRESS:
            story.in_progress()
        elif status == AppealStatus.LEFT_WITHOUT_CONSIDERATION:
            story.left_without_consideration()
        else:
            story.answered(status)
    _apply(appeal, story.changes)


class _Story:
    """One demo appeal walked from its registration: its events and responses, each a random while after the last."""

    def __init__(self, ctx: _Context, appeal: Appeal, responses: list, events: list):
        self.rng = ctx.rng
        self.appeal = appeal
        self.responses = responses
        self.events = events
        self.at = appeal.registered_at
        self.now = timezone.now()
        self.supervisor: int | None = None
        self.executor: int | None = None
        self.changes: dict = {}

    def step(self, hours_max: float) -> datetime:
        self.at = min(self.now, self.at + timedelta(hours=self.rng.uniform(1, hours_max)))
        return self.at

    def event(
        self,
        actor_id,
        kind: str,
        *,
        at: datetime,
        from_status: str = "",
        to_status: str = "",
        payload: dict | None = None,
    ) -> None:
        self.events.append(
            AppealEvent(
                appeal=self.appeal,
                actor_id=actor_id,
                kind=kind,
                from_status=from_status,
                to_status=to_status,
                payload=payload if payload is not None else {},
                created_at=at,
            )
        )

    def ended_unanswered(self, status: str) -> None:
        """Redirected by the registrar (or a supervisor), or terminated by a supervisor, before anyone took it."""
        if status == AppealStatus.REDIRECTED:
            late = self.rng.random() < 0.2
            self.event(
                self.appeal.registered_by_id or self.supervisor,
                EventKind.REDIRECTED,
                at=self.step(30),
                from_status=AppealStatus.REGISTERED,
                to_status=status,
                payload={"reason": "Вне компетенции", "late": late},
            )
            outcome = Outcome.REDIRECTED
        else:
            self.event(
                self.supervisor,
                EventKind.TERMINATED,
                at=self.step(48),
                from_status=AppealStatus.REGISTERED,
                to_status=status,
                payload={"reason": "applicant_deceased"},
            )
            outcome = Outcome.TERMINATED
        self.changes.update(status=status, outcome=outcome, resolved_at=self.at)

    def taken(self, executor: int) -> None:
        self.executor = executor
        self.event(
            executor,
            EventKind.TAKEN,
            at=self.step(20),
            from_status=AppealStatus.REGISTERED,
            to_status=AppealStatus.IN_PROGRESS,
            payload={"assignee": executor},
        )
        self.changes.update(status=AppealStatus.IN_PROGRESS, assignee_id=executor, first_action_at=self.at)

    def in_progress(self) -> None:
        """Still being worked: sometimes with a draft answer."""
        if self.rng.random() < 0.4:
            appeal = self.appeal
            self.responses.append(
                AppealResponse(
                    appeal=appeal,
                    text=_answer_text(appeal),
                    language=appeal.language,
                    author_id=self.executor,
                    created_at=self.step(24),
                    updated_at=self.at,
                )
            )
            self.event(self.executor, EventKind.RESPONSE_SAVED, at=self.at, payload={"language": appeal.language})

    def left_without_consideration(self) -> None:
        appeal, status = self.appeal, AppealStatus.LEFT_WITHOUT_CONSIDERATION
        reason = (
            LeaveReason.ANONYMOUS
            if appeal.applicant_type == ApplicantType.ANONYMOUS
            else self.rng.choice(
                [LeaveReason.NO_SUBSTANCE, LeaveReason.WITHDRAWN, LeaveReason.REPEATED_NO_NEW_ARGUMENTS]
            )
        )
        self.event(
            self.supervisor,
            EventKind.LEFT_WITHOUT_CONSIDERATION,
            at=self.step(72),
            from_status=AppealStatus.IN_PROGRESS,
            to_status=status,
            payload={"reason": reason},
        )
        at = self.at
        self.responses.append(
            AppealResponse(
                appeal=appeal,
                kind=ResponseKind.REFUSAL,
                status=ResponseStatus.SENT,
                text=str(LeaveReason(reason).label),
                language=appeal.language,
                outcome=Outcome.LEFT_WITHOUT_CONSIDERATION,
                author_id=self.supervisor,
                approved_by_id=self.supervisor,
                approved_at=at,
                sent_at=at,
                created_at=at,
                updated_at=at,
            )
        )
        self.changes.update(status=status, outcome=Outcome.LEFT_WITHOUT_CONSIDERATION, resolved_at=at)

    def answered(self, status: str) -> None:
        """Drafted and submitted (sometimes returned once); then, unless awaiting approval, approved (and closed)."""
        appeal, executor = self.appeal, self.executor
        response = AppealResponse(
            appeal=appeal,
            text=_answer_text(appeal),
            language=appeal.language,
            author_id=executor,
            created_at=self.step(72),
            updated_at=self.at,
        )
        self.event(executor, EventKind.RESPONSE_SAVED, at=self.at, payload={"language": appeal.language})
        self.submitted()
        response.status, response.submitted_at = ResponseStatus.SUBMITTED, self.at
        self.changes.update(status=AppealStatus.AWAITING_APPROVAL)
        if self.rng.random() < 0.15:
            self.event(
                self.supervisor,
                EventKind.RETURNED,
                at=self.step(24),
                from_status=AppealStatus.AWAITING_APPROVAL,
                to_status=AppealStatus.IN_PROGRESS,
                payload={"comment": "Уточните сроки"},
            )
            self.submitted()
            response.return_count = 1
        if status == AppealStatus.AWAITING_APPROVAL:
            self.responses.append(response)
            return
        outcome = self.rng.choice([Outcome.SATISFIED, Outcome.PARTIALLY_SATISFIED, Outcome.EXPLAINED, Outcome.REFUSED])
        self.event(
            self.supervisor,
            EventKind.APPROVED,
            at=self.step(24),
            from_status=AppealStatus.AWAITING_APPROVAL,
            to_status=AppealStatus.ANSWERED,
            payload={"outcome": outcome},
        )
        at = self.at
        response.status, response.outcome = ResponseStatus.SENT, outcome
        response.approved_by_id, response.approved_at, response.sent_at = self.supervisor, at, at
        self.responses.append(response)
        self.changes.update(status=AppealStatus.ANSWERED, outcome=outcome, resolved_at=at)
        if status == AppealStatus.CLOSED:
            self.event(
                executor,
                EventKind.CLOSED,
                at=self.step(48),
                from_status=AppealStatus.ANSWERED,
                to_status=AppealStatus.CLOSED,
            )
            self.changes.update(status=AppealStatus.CLOSED)

    def submitted(self) -> None:
        self.event(
            self.executor,
            EventKind.SUBMITTED,
            at=self.step(24),
            from_status=AppealStatus.IN_PROGRESS,
            to_status=AppealStatus.AWAITING_APPROVAL,
        )


def _apply(appeal: Appeal, changes: dict) -> None:
    """Give the (not yet inserted) appeal its final state."""
    for field, value in changes.items():
        setattr(appeal, field, value)
    appeal.version = 1 + len(changes)
    appeal.updated_at = max(appeal.registered_at, changes.get("resolved_at") or appeal.registered_at)


def _answer_text(appeal: Appeal) -> str:
    if appeal.language == "kk":
        return (
            f"Сіздің {appeal.number} өтінішіңіз қаралды. Тексеру нәтижесінде тиісті шаралар қабылданды; "
            "жұмыстар ағымдағы айдың соңына дейін аяқталады."
        )
    return (
        f"Ваше обращение {appeal.number} рассмотрено. По результатам проверки приняты меры; "
        "работы будут завершены до конца текущего месяца."
    )
