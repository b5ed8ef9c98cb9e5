"""The appeals of the national dataset: a year of generated appeals with their events and answers, as rows ready
to be copied in bulk (national.py loads them)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from agencies.choices import AgencyKind, Region
from agencies.models import Category

from ..calendar.policy import due_date_for, extension_limit
from ..calendar.workdays import get_calendar
from ..listening.matching import applicant_key
from ..models.choices import AppealStatus, ApplicantType, EventKind, LeaveReason, Outcome, ResponseKind, ResponseStatus
from .demo import random_iin
from .demo_data import CATEGORIES, CHANNEL_MIX, FIRST_NAMES, KIND_MIX

# Appeals go mostly to local bodies; of the ministries, social ones get the most.
MINISTRY_WEIGHTS = [14, 10, 9, 8, 6, 6, 5, 5, 4, 4, 4, 4, 3, 3, 3, 2, 2, 2, 2, 1]

# Share of appeals per region, roughly by population.
REGION_WEIGHTS = {
    Region.ALMATY_CITY: 11, Region.ASTANA: 8, Region.SHYMKENT: 6, Region.TURKISTAN: 10, Region.ALMATY_REGION: 7,
    Region.KARAGANDA: 6, Region.ZHAMBYL: 6, Region.EAST_KAZAKHSTAN: 4, Region.AKTOBE: 5, Region.KOSTANAY: 4,
    Region.KYZYLORDA: 4, Region.MANGYSTAU: 4, Region.ATYRAU: 4, Region.WEST_KAZAKHSTAN: 3, Region.PAVLODAR: 4,
    Region.AKMOLA: 4, Region.NORTH_KAZAKHSTAN: 3, Region.ABAI: 3, Region.ZHETISU: 3, Region.ULYTAU: 1,
}  # fmt: skip

# Share of appeals per agency kind (the bodies themselves are picked by region and ministry weights).
APPEALS_PER_KIND = {
    AgencyKind.MINISTRY: 4,
    AgencyKind.DEPARTMENT: 30,
    AgencyKind.REGIONAL_AKIMAT: 14,
    AgencyKind.DISTRICT_AKIMAT: 34,
    AgencyKind.RURAL_AKIMAT: 18,
}

# Appeals still within their term: most are being worked on.
OPEN_TERM_MIX = {
    AppealStatus.REGISTERED: 14,
    AppealStatus.IN_PROGRESS: 46,
    AppealStatus.AWAITING_APPROVAL: 10,
    AppealStatus.ANSWERED: 14,
    AppealStatus.CLOSED: 3,
    AppealStatus.LEFT_WITHOUT_CONSIDERATION: 3,
    AppealStatus.REDIRECTED: 9,
    AppealStatus.TERMINATED: 1,
}

# Appeals past their due date: nearly all are finished; 3 % are overdue (and escalated).
PAST_TERM_MIX = {
    AppealStatus.IN_PROGRESS: 3,
    AppealStatus.ANSWERED: 52,
    AppealStatus.CLOSED: 24,
    AppealStatus.LEFT_WITHOUT_CONSIDERATION: 7,
    AppealStatus.REDIRECTED: 10,
    AppealStatus.TERMINATED: 4,
}

SURNAME_ROOTS = [
    "Абдрахман", "Ахмет", "Байжан", "Бекмухан", "Даурен", "Ермек", "Жаксылык", "Жумабай", "Иван", "Касым",
    "Кенжебек", "Кузнец", "Мухамеджан", "Нургали", "Нурлан", "Омар", "Оразбай", "Оспан", "Петр", "Садык",
    "Сейткали", "Смагул", "Смирн", "Темирхан", "Тулеген", "Утеп", "Шевчук", "Есим", "Алимжан", "Бакыт",
    "Габдуллин", "Досым", "Ержан", "Жанибек", "Исмаил", "Калиев", "Лесбек", "Мамыр", "Нуртай", "Рахим",
    "Сагын", "Талгат", "Уали", "Файзулл", "Хасен", "Шакир", "Ыбырай", "Аман", "Борис", "Волков",
]  # fmt: skip

SURNAME_ENDINGS = ["ов", "ова", "ев", "ева", "ин", "ина", "улы", "кызы"]

STREETS = ["Абая", "Республики", "Назарбаева", "Сатпаева", "Толе би", "Кабанбай батыра", "Желтоксан", "Мира"]


def national_surnames() -> list[str]:
    return [root + ending for root in SURNAME_ROOTS for ending in SURNAME_ENDINGS]


@dataclass
class NationalTree:
    """What the appeal generator needs to know about the tree and the staff (ids only)."""

    agencies: list[tuple[int, str, str, str, str]]  # (id, code, kind, region, path)
    executors: dict[int, list[int]] = field(default_factory=dict)
    registrars: dict[int, int] = field(default_factory=dict)
    supervisors: dict[int, int] = field(default_factory=dict)  # nearest supervisor up the tree
    heavy_executor: tuple[int, int] | None = None  # (agency id, user id)


APPEAL_COLUMNS = (
    "id", "number", "registered_at", "received_at", "kind", "channel", "language", "applicant_type", "applicant_name",
    "applicant_iin", "applicant_bin", "applicant_email", "applicant_phone", "applicant_address", "is_collective",
    "signatories", "is_repeated", "reports_crime", "region", "subject", "text", "status", "due_date",
    "original_due_date", "extension_count", "extension_requested_until", "outcome", "resolved_at", "first_action_at",
    "escalated_at", "external_id", "version", "created_at", "updated_at", "agency_id", "assignee_id", "category_id",
    "registered_by_id", "applicant_key",
)  # fmt: skip
EVENT_COLUMNS = ("id", "appeal_id", "actor_id", "kind", "from_status", "to_status", "payload", "created_at")
RESPONSE_COLUMNS = (
    "id", "appeal_id", "kind", "status", "text", "language", "outcome", "author_id", "submitted_at", "approved_by_id",
    "approved_at", "sent_at", "return_count", "created_at", "updated_at",
)  # fmt: skip
ANSWER_OUTCOMES_LIST = [Outcome.SATISFIED, Outcome.PARTIALLY_SATISFIED, Outcome.EXPLAINED, Outcome.REFUSED]
OPEN = frozenset({AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS, AppealStatus.AWAITING_APPROVAL})


@dataclass
class Batch:
    appeals: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    responses: list[tuple] = field(default_factory=list)


class AppealFactory:
    """Builds appeal, event and response rows (tuples in the column orders above) with consecutive ids."""

    def __init__(self, tree: NationalTree, *, seed: int, now: datetime, days: int, first_ids: tuple[int, int, int]):
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not security
        self.tree = tree
        self.now = now
        self.today = timezone.localdate(now)
        self.days = days
        self.cal = get_calendar()
        self.appeal_id, self.event_id, self.response_id = first_ids
        self.numbers: dict[tuple[int, int], int] = {}
        self.surnames = national_surnames()
        self._due: dict[tuple[date, str], date] = {}
        self._extended: dict[tuple[date, date], date] = {}
        self.categories = [
            (pk, subjects) for code, _ru, _kk, subjects in CATEGORIES
            for pk in Category.objects.filter(code=code).values_list("pk", flat=True)
        ]  # fmt: skip
        by_kind: dict[str, list[tuple]] = {}
        for row in tree.agencies:
            by_kind.setdefault(row[2], []).append(row)
        region_weight = {region: REGION_WEIGHTS.get(region, 1) for region in Region.values}
        self.agencies: list[tuple] = []
        weights: list[float] = []
        for kind, share in APPEALS_PER_KIND.items():
            rows = by_kind.get(kind, [])
            row_weights = []
            for row in rows:
                w = float(region_weight.get(row[3], 1)) if row[3] else 1.0
                if kind in (AgencyKind.MINISTRY, AgencyKind.DEPARTMENT):
                    ministry = int(row[1].split("-")[1][1:])
                    w *= MINISTRY_WEIGHTS[ministry - 1]
                row_weights.append(w)
            total = sum(row_weights) or 1.0
            self.agencies += rows
            weights += [share * w / total for w in row_weights]
        # The benchmarks' executor works in a busy city akimat: give it a larger share.
        if tree.heavy_executor:
            for i, row in enumerate(self.agencies):
                if row[0] == tree.heavy_executor[0]:
                    weights[i] = max(weights[i], 0.04 * sum(weights))
        cumulative, running = [], 0.0
        for w in weights:
            running += w
            cumulative.append(running)
        self.cum_weights = cumulative
        self.kinds, self.kind_weights = list(KIND_MIX), list(KIND_MIX.values())
        self.channels, self.channel_weights = list(CHANNEL_MIX), list(CHANNEL_MIX.values())

    # -- helpers
    def due(self, registered: datetime, kind: str) -> date:
        key = (timezone.localdate(registered), kind)
        value = self._due.get(key)
        if value is None:
            value = self._due[key] = due_date_for(kind=kind, registered_at=registered, cal=self.cal)
        return value

    def extended(self, registered: datetime, due: date) -> date:
        key = (timezone.localdate(registered), due)
        value = self._extended.get(key)
        if value is None:
            limit = extension_limit(registered)
            value = self.cal.working_day_on_or_before(min(self.cal.add_working_days(due, 15), limit))
            self._extended[key] = value = max(value, due)
        return value

    def batch(self, size: int) -> Batch:
        rng = self.rng
        out = Batch()
        agencies = rng.choices(self.agencies, cum_weights=self.cum_weights, k=size)
        kinds = rng.choices(self.kinds, weights=self.kind_weights, k=size)
        channels = rng.choices(self.channels, weights=self.channel_weights, k=size)
        for agency, kind, channel in zip(agencies, kinds, channels, strict=True):
            self._one(out, agency, kind, channel)
        return out

    def _one(self, out: Batch, agency: tuple, kind: str, channel: str) -> None:  # noqa: C901 - one appeal's life
        rng = self.rng
        agency_id, code, _akind, region, _path = agency
        appeal_id = self.appeal_id
        self.appeal_id += 1
        # Registered over the last `days` days, fewer on weekends, during office hours mostly.
        day_back = rng.random() * self.days
        registered = self.now - timedelta(days=day_back)
        if registered.weekday() >= 5 and rng.random() < 0.7:
            registered -= timedelta(days=2)
        registered = registered.replace(microsecond=0)
        local = timezone.localtime(registered)
        year = local.year
        serial = self.numbers.get((agency_id, year), 0) + 1
        self.numbers[(agency_id, year)] = serial
        number = f"{code.upper()}-{year}-{serial:06d}"
        due = original_due = self.due(registered, kind)
        # Status from the appeal's age.
        mix = OPEN_TERM_MIX if due >= self.today else PAST_TERM_MIX
        status = rng.choices(list(mix), weights=list(mix.values()))[0]
        executors = self.tree.executors.get(agency_id) or []
        if not executors and status != AppealStatus.REDIRECTED:
            status = AppealStatus.REGISTERED if due >= self.today else AppealStatus.REDIRECTED
        language = "kk" if rng.random() < 0.45 else "ru"
        category_id, subjects = rng.choice(self.categories)
        subject_ru, subject_kk = rng.choice(subjects)
        subject = subject_kk if language == "kk" else subject_ru
        roll = rng.random()
        applicant_type = (
            ApplicantType.LEGAL if roll < 0.05 else ApplicantType.ANONYMOUS if roll < 0.07 else ApplicantType.INDIVIDUAL
        )
        if applicant_type == ApplicantType.INDIVIDUAL:
            name = f"{rng.choice(self.surnames)} {rng.choice(FIRST_NAMES)}"
            iin, bin_ = random_iin(rng), ""
        elif applicant_type == ApplicantType.LEGAL:
            name, iin, bin_ = f"ТОО «{rng.choice(self.surnames)} и К»", "", _random_bin(rng)
        else:
            name, iin, bin_ = "", "", ""
            if status == AppealStatus.REGISTERED and due < self.today:
                status = AppealStatus.LEFT_WITHOUT_CONSIDERATION
        email = f"citizen{rng.randint(1, 10**6)}@mail.kz.local" if rng.random() < 0.7 else ""
        registrar = self.tree.registrars.get(agency_id)
        supervisor = self.tree.supervisors.get(agency_id)
        executor = None
        if executors:
            heavy = self.tree.heavy_executor
            busy = heavy and heavy[0] == agency_id and rng.random() < 0.6
            executor = heavy[1] if busy else rng.choice(executors)

        events = out.events
        at = registered
        horizon = self.now if due >= self.today else min(self.now, _end_of(due) + timedelta(days=rng.randint(-8, 3)))
        horizon = max(horizon, registered + timedelta(hours=2))
        span = (horizon - registered).total_seconds()

        def step(fraction: float) -> datetime:
            nonlocal at
            at = min(horizon, at + timedelta(seconds=max(60.0, span * fraction * rng.random())))
            return at

        def event(actor, ekind, from_status="", to_status="", payload=None):
            events.append((self.event_id, appeal_id, actor, ekind, from_status, to_status,
                           json.dumps(payload or {}, ensure_ascii=False), at))  # fmt: skip
            self.event_id += 1

        event(registrar, EventKind.REGISTERED, "", AppealStatus.REGISTERED, {"number": number})
        version = 1
        assignee = first_action = resolved = escalated = None
        outcome = ""
        extension_count = 0
        if status == AppealStatus.REDIRECTED:
            step(0.1)
            event(registrar or supervisor, EventKind.REDIRECTED, AppealStatus.REGISTERED, status,
                  {"reason": "Вне компетенции", "late": False})  # fmt: skip
            outcome, resolved, version = Outcome.REDIRECTED, at, version + 1
        elif status == AppealStatus.TERMINATED:
            step(0.3)
            event(supervisor, EventKind.TERMINATED, AppealStatus.REGISTERED, status, {"reason": "applicant_deceased"})
            outcome, resolved, version = Outcome.TERMINATED, at, version + 1
        elif status != AppealStatus.REGISTERED:
            step(0.1)
            assignee, first_action = executor, at
            event(executor, EventKind.TAKEN, AppealStatus.REGISTERED, AppealStatus.IN_PROGRESS, {"assignee": executor})
            version += 1
            if rng.random() < 0.04 and status != AppealStatus.LEFT_WITHOUT_CONSIDERATION:
                step(0.1)
                event(executor, EventKind.EXTENSION_REQUESTED, payload={"until": ""})
                step(0.05)
                due = self.extended(registered, original_due)
                event(supervisor, EventKind.EXTENSION_GRANTED, payload={"due_date": due.isoformat()})
                extension_count, version = 1, version + 2
            if status == AppealStatus.LEFT_WITHOUT_CONSIDERATION:
                step(0.3)
                reason = (
                    LeaveReason.ANONYMOUS if applicant_type == ApplicantType.ANONYMOUS
                    else rng.choice([LeaveReason.NO_SUBSTANCE, LeaveReason.WITHDRAWN])
                )  # fmt: skip
                event(supervisor, EventKind.LEFT_WITHOUT_CONSIDERATION, AppealStatus.IN_PROGRESS, status,
                      {"reason": reason})  # fmt: skip
                out.responses.append(
                    (self.response_id, appeal_id, ResponseKind.REFUSAL, ResponseStatus.SENT,
                     str(LeaveReason(reason).label), language, Outcome.LEFT_WITHOUT_CONSIDERATION, supervisor, None,
                     supervisor, at, at, 0, at, at)
                )  # fmt: skip
                self.response_id += 1
                outcome, resolved, version = Outcome.LEFT_WITHOUT_CONSIDERATION, at, version + 1
            elif status == AppealStatus.IN_PROGRESS:
                if rng.random() < 0.4:
                    step(0.3)
                    event(executor, EventKind.RESPONSE_SAVED, payload={"language": language})
                    out.responses.append(
                        (self.response_id, appeal_id, ResponseKind.ANSWER, ResponseStatus.DRAFT,
                         _answer(number, language), language, "", executor, None, None, None, None, 0, at, at)
                    )  # fmt: skip
                    self.response_id += 1
                if due < self.today:
                    step(0.1)
                    escalated = max(at, _end_of(due))
                    at = escalated
                    event(None, EventKind.ESCALATED, payload={"due_date": due.isoformat()})
            else:  # drafted and submitted: awaiting approval, answered, closed
                step(0.3)
                created = at
                event(executor, EventKind.RESPONSE_SAVED, payload={"language": language})
                step(0.15)
                submitted = at
                event(executor, EventKind.SUBMITTED, AppealStatus.IN_PROGRESS, AppealStatus.AWAITING_APPROVAL)
                version += 1
                returns = 0
                if rng.random() < 0.12:
                    step(0.1)
                    event(supervisor, EventKind.RETURNED, AppealStatus.AWAITING_APPROVAL, AppealStatus.IN_PROGRESS,
                          {"comment": "Уточните сроки"})  # fmt: skip
                    step(0.1)
                    submitted = at
                    event(executor, EventKind.SUBMITTED, AppealStatus.IN_PROGRESS, AppealStatus.AWAITING_APPROVAL)
                    returns, version = 1, version + 2
                if status == AppealStatus.AWAITING_APPROVAL:
                    out.responses.append(
                        (self.response_id, appeal_id, ResponseKind.ANSWER, ResponseStatus.SUBMITTED,
                         _answer(number, language), language, "", executor, submitted, None, None, None, returns,
                         created, at)
                    )  # fmt: skip
                else:
                    outcome = rng.choice(ANSWER_OUTCOMES_LIST)
                    step(0.2)
                    resolved = at
                    event(supervisor, EventKind.APPROVED, AppealStatus.AWAITING_APPROVAL, AppealStatus.ANSWERED,
                          {"outcome": outcome})  # fmt: skip
                    version += 1
                    out.responses.append(
                        (self.response_id, appeal_id, ResponseKind.ANSWER, ResponseStatus.SENT,
                         _answer(number, language), language, outcome, executor, submitted, supervisor, at, at,
                         returns, created, at)
                    )  # fmt: skip
                    if status == AppealStatus.CLOSED:
                        step(0.2)
                        event(executor, EventKind.CLOSED, AppealStatus.ANSWERED, AppealStatus.CLOSED)
                        version += 1
                self.response_id += 1
        updated = at
        phone = f"+7 70{rng.randint(0, 9)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        out.appeals.append(
            (
                appeal_id, number, registered, registered, kind, channel, language, applicant_type, name, iin, bin_,
                email, phone,
                f"ул. {rng.choice(STREETS)}, д. {rng.randint(1, 200)}", False, None, rng.random() < 0.06,
                False, region or Region.ASTANA, subject,
                subject + (". Шараларды қабылдауды сұраймын." if language == "kk" else ". Прошу принять меры."),
                status, due, original_due, extension_count, None, outcome, resolved, first_action, escalated, "",
                version, registered, updated, agency_id, assignee, category_id, registrar,
                applicant_key(iin=iin, bin=bin_, phone=phone, email=email),
            )
        )  # fmt: skip


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.max.time().replace(microsecond=0)))


def _random_bin(rng: random.Random) -> str:
    from ..models.validators import make_valid_number

    while True:
        number = make_valid_number(f"{rng.randint(0, 25):02d}{rng.randint(1, 12):02d}4{rng.randint(0, 999999):06d}")
        if number:
            return number


def _answer(number: str, language: str) -> str:
    if language == "kk":
        return f"Сіздің {number} өтінішіңіз қаралды. Тексеру нәтижесінде тиісті шаралар қабылданды."
    return f"Ваше обращение {number} рассмотрено. По результатам проверки приняты меры."
