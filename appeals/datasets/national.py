"""The national dataset: about 3 000 agencies in a four-level tree over the 20 regions, 30 000 staff
and a year of appeals (1 000 000 by default) with their responses and audit trail.

It sizes a deployment and feeds `make bench` (benchmarks/). On PostgreSQL the rows are built in
Python and streamed with COPY (psycopg 3), the secondary indexes of the three big tables are
dropped during the load and rebuilt after it, and the identity sequences are moved past the
loaded ids. A million appeals load in a few minutes on two cores.

The dataset owns its database: it refuses to load next to appeals that are not its own, and a
second run replaces its appeals (TRUNCATE) while keeping the agency tree and the staff it made
before. On SQLite (and any other database) it uses bulk_create, which is fine for a few thousand
appeals and slow beyond that.

Every appeal keeps the model's rules: the number is unique per agency and year, the due date is
the statutory one in working days (appeals.policy.due_date_for) or an extension of it, finished
appeals have `resolved_at` and an outcome, open ones have neither, the version counts the state
changes, and each change has its AppealEvent.
"""

from __future__ import annotations

import io
import json
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from agencies.choices import AgencyKind, Region, Role
from agencies.models import Agency, Category, CategoryRoute, Membership, User

from ..calendar.policy import due_date_for, extension_limit
from ..calendar.workdays import get_calendar
from ..listening.matching import applicant_key
from ..models import Appeal, AppealEvent, AppealResponse, RegistrationCounter
from ..models.choices import AppealStatus, ApplicantType, EventKind, LeaveReason, Outcome, ResponseKind, ResponseStatus
from .demo import CATEGORIES, CHANNEL_MIX, FIRST_NAMES, KIND_MIX, random_iin

# Every staff member of the national dataset signs in with this password (BENCHMARKS.md says so).
NATIONAL_PASSWORD = "national12345"  # noqa: S105 - a documented demo password of a benchmark dataset
CODE_PREFIX = "nat"  # the root's code; every national agency's code starts with "nat-" below it
USER_PREFIX = "nat."  # every national username starts with it

# Personas the benchmarks sign in as (documented in BENCHMARKS.md).
BENCH_EXECUTOR = "nat.executor"  # an executor of the busiest city akimat, with a heavy personal queue
BENCH_MINISTRY_SUPERVISOR = "nat.ministry"  # the head of the labour ministry (20 regional departments)
BENCH_REGISTRAR = "nat.registrar"

MINISTRIES = [
    ("Министерство труда и социальной защиты населения", "Еңбек және халықты әлеуметтік қорғау министрлігі"),
    ("Министерство здравоохранения", "Денсаулық сақтау министрлігі"),
    ("Министерство просвещения", "Оқу-ағарту министрлігі"),
    ("Министерство внутренних дел", "Ішкі істер министрлігі"),
    ("Министерство промышленности и строительства", "Өнеркәсіп және құрылыс министрлігі"),
    ("Министерство транспорта", "Көлік министрлігі"),
    ("Министерство сельского хозяйства", "Ауыл шаруашылығы министрлігі"),
    ("Министерство экологии и природных ресурсов", "Экология және табиғи ресурстар министрлігі"),
    ("Министерство юстиции", "Әділет министрлігі"),
    ("Министерство финансов", "Қаржы министрлігі"),
    ("Министерство энергетики", "Энергетика министрлігі"),
    ("Министерство цифрового развития", "Цифрлық даму министрлігі"),
    ("Министерство культуры и информации", "Мәдениет және ақпарат министрлігі"),
    ("Министерство национальной экономики", "Ұлттық экономика министрлігі"),
    ("Министерство науки и высшего образования", "Ғылым және жоғары білім министрлігі"),
    ("Министерство туризма и спорта", "Туризм және спорт министрлігі"),
    ("Министерство водных ресурсов", "Су ресурстары министрлігі"),
    ("Министерство по чрезвычайным ситуациям", "Төтенше жағдайлар министрлігі"),
    ("Министерство торговли и интеграции", "Сауда және интеграция министрлігі"),
    ("Министерство иностранных дел", "Сыртқы істер министрлігі"),
]
# Appeals go mostly to local bodies; of the ministries, social ones get the most.
MINISTRY_WEIGHTS = [14, 10, 9, 8, 6, 6, 5, 5, 4, 4, 4, 4, 3, 3, 3, 2, 2, 2, 2, 1]
# Share of appeals per region, roughly by population.
REGION_WEIGHTS = {
    Region.ALMATY_CITY: 11, Region.ASTANA: 8, Region.SHYMKENT: 6, Region.TURKISTAN: 10, Region.ALMATY_REGION: 7,
    Region.KARAGANDA: 6, Region.ZHAMBYL: 6, Region.EAST_KAZAKHSTAN: 4, Region.AKTOBE: 5, Region.KOSTANAY: 4,
    Region.KYZYLORDA: 4, Region.MANGYSTAU: 4, Region.ATYRAU: 4, Region.WEST_KAZAKHSTAN: 3, Region.PAVLODAR: 4,
    Region.AKMOLA: 4, Region.NORTH_KAZAKHSTAN: 3, Region.ABAI: 3, Region.ZHETISU: 3, Region.ULYTAU: 1,
}  # fmt: skip
DISTRICTS_PER_REGION = 10
RURAL_PER_DISTRICT = 12
# Staff per agency kind (30 000 in all with the tree above).
STAFF_PER_KIND = {
    AgencyKind.ADMINISTRATION: 10,
    AgencyKind.MINISTRY: 40,
    AgencyKind.REGIONAL_AKIMAT: 60,
    AgencyKind.DEPARTMENT: 14,
    AgencyKind.DISTRICT_AKIMAT: 20,
    AgencyKind.RURAL_AKIMAT: 8,
}
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


def national_exists() -> bool:
    return Agency.objects.filter(code=CODE_PREFIX).exists()


def national_counts() -> dict[str, int]:
    """How big the loaded national dataset is (agencies of the national tree, appeals in the database)."""
    agencies = Agency.objects.filter(code__startswith=CODE_PREFIX).count()
    return {"agencies": agencies, "appeals": appeals_count()}


def appeals_count() -> int:
    return Appeal.objects.count()


def foreign_appeals_exist() -> bool:
    """Whether the database holds appeals of agencies outside the national tree."""
    return Appeal.objects.exclude(agency__code__startswith=CODE_PREFIX).exists()


# --- the tree and the staff ----------------------------------------------------------------------------
def _region_label(region: str) -> str:
    return str(Region(region).label)


def _tree_plan() -> list[dict]:
    """The agencies as dicts with code, kind, names, region and parent code, parents first."""
    regions = list(Region.values)
    plan = [
        {
            "code": CODE_PREFIX,
            "kind": AgencyKind.ADMINISTRATION,
            "name_ru": "Администрация Президента РК (национальный набор)",
            "name_kk": "ҚР Президентінің Әкімшілігі (ұлттық жиын)",
            "region": "",
            "parent": None,
        }
    ]
    for m, (name_ru, name_kk) in enumerate(MINISTRIES, start=1):
        ministry = f"{CODE_PREFIX}-m{m:02d}"
        plan.append(
            {"code": ministry, "kind": AgencyKind.MINISTRY, "name_ru": name_ru, "name_kk": name_kk, "region": "",
             "parent": CODE_PREFIX}
        )  # fmt: skip
        for r, region in enumerate(regions, start=1):
            label = _region_label(region)
            plan.append(
                {
                    "code": f"{ministry}-r{r:02d}",
                    "kind": AgencyKind.DEPARTMENT,
                    "name_ru": f"Департамент: {name_ru} — {label}",
                    "name_kk": f"Департамент: {name_kk} — {label}",
                    "region": region,
                    "parent": ministry,
                }
            )
    for r, region in enumerate(regions, start=1):
        label = _region_label(region)
        akimat = f"{CODE_PREFIX}-a{r:02d}"
        plan.append(
            {"code": akimat, "kind": AgencyKind.REGIONAL_AKIMAT, "name_ru": f"Акимат: {label}",
             "name_kk": f"Әкімдік: {label}", "region": region, "parent": CODE_PREFIX}
        )  # fmt: skip
        for d in range(1, DISTRICTS_PER_REGION + 1):
            district = f"{akimat}-d{d:02d}"
            plan.append(
                {"code": district, "kind": AgencyKind.DISTRICT_AKIMAT, "name_ru": f"Акимат района № {d} — {label}",
                 "name_kk": f"№ {d} аудан әкімдігі — {label}", "region": region, "parent": akimat}
            )  # fmt: skip
            for s in range(1, RURAL_PER_DISTRICT + 1):
                plan.append(
                    {"code": f"{district}-s{s:02d}", "kind": AgencyKind.RURAL_AKIMAT,
                     "name_ru": f"Аппарат акима сельского округа № {s}, район № {d} — {label}",
                     "name_kk": f"№ {s} ауылдық округ әкімінің аппараты, № {d} аудан — {label}",
                     "region": region, "parent": district}
                )  # fmt: skip
    return plan


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - a model's table name
        return int(cursor.fetchone()[0])


def reset_sequences(models) -> None:
    """Move the id sequences past the ids written by COPY (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - a model's table name
                f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))"
            )


def build_tree(*, seed: int, out: Callable[[str], None]) -> None:
    """Create the agencies, the categories with their routes, and the staff (once; skipped when present)."""
    if national_exists():
        out("  the national tree and staff are already loaded: kept")
        return
    now = timezone.now()
    plan = _tree_plan()
    next_id = _next_id(Agency._meta.db_table)
    ids: dict[str, int] = {}
    paths: dict[str, str] = {}
    agencies = []
    for offset, row in enumerate(plan):
        pk = next_id + offset
        ids[row["code"]] = pk
        parent = row["parent"]
        paths[row["code"]] = (paths[parent] if parent else "/") + f"{pk}/"
        agencies.append(
            Agency(
                pk=pk,
                code=row["code"],
                kind=row["kind"],
                name_ru=row["name_ru"],
                name_kk=row["name_kk"],
                region=row["region"],
                parent_id=ids[parent] if parent else None,
                path=paths[row["code"]],
                depth=paths[row["code"]].count("/") - 2,
                email=f"{row['code']}@gov.kz.local",
                created_at=now,
            )
        )
    with transaction.atomic():
        Agency.objects.bulk_create(agencies, batch_size=1000)
        reset_sequences([Agency])
        out(f"  agencies: {len(agencies)}")
        _categories_and_routes(ids)
        _staff(agencies, seed=seed, out=out)


def _categories_and_routes(ids: dict[str, int]) -> None:
    for code, name_ru, name_kk, _subjects in CATEGORIES:
        Category.objects.update_or_create(code=code, defaults={"name_ru": name_ru, "name_kk": name_kk})
    categories = {c.code: c for c in Category.objects.filter(code__in=[c[0] for c in CATEGORIES])}
    social = {"social", "labour"}
    for r, region in enumerate(Region.values, start=1):
        for code, category in categories.items():
            agency_id = ids[f"{CODE_PREFIX}-m01-r{r:02d}"] if code in social else ids[f"{CODE_PREFIX}-a{r:02d}"]
            CategoryRoute.objects.update_or_create(category=category, region=region, defaults={"agency_id": agency_id})
    for code in social:
        if code in categories:
            CategoryRoute.objects.update_or_create(
                category=categories[code], region="", defaults={"agency_id": ids[f"{CODE_PREFIX}-m01"]}
            )


def _staff(agencies: list[Agency], *, seed: int, out: Callable[[str], None]) -> None:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    password = make_password(NATIONAL_PASSWORD)  # hashed once: every national user shares it
    now = timezone.now()
    surnames = national_surnames()
    users: list[User] = []
    memberships: list[tuple[int, int, str]] = []  # (user index, agency id, role)
    named = {
        f"{CODE_PREFIX}-m01": [(BENCH_MINISTRY_SUPERVISOR, Role.SUPERVISOR)],
        f"{CODE_PREFIX}-a02": [(BENCH_EXECUTOR, Role.EXECUTOR), (BENCH_REGISTRAR, Role.REGISTRAR)],
    }
    for agency in agencies:
        size = STAFF_PER_KIND[agency.kind]
        roles = [Role.SUPERVISOR, Role.REGISTRAR] + [Role.EXECUTOR] * (size - 2)
        for username, role in named.get(agency.code, []):
            roles.remove(role)
            users.append(_user(username, rng, surnames, password, now))
            memberships.append((len(users) - 1, agency.pk, role))
        for k, role in enumerate(roles, start=1):
            users.append(_user(f"{USER_PREFIX}{agency.code[len(CODE_PREFIX) + 1 :] or 'root'}.{k}", rng, surnames,
                               password, now))  # fmt: skip
            memberships.append((len(users) - 1, agency.pk, role))
    next_id = _next_id(User._meta.db_table)
    for offset, user in enumerate(users):
        user.pk = next_id + offset
    User.objects.bulk_create(users, batch_size=2000)
    Membership.objects.bulk_create(
        [Membership(user_id=users[i].pk, agency_id=a, role=role, created_at=now) for i, a, role in memberships],
        batch_size=2000,
    )
    reset_sequences([User, Membership])
    out(f"  staff: {len(users)} (password for all: {NATIONAL_PASSWORD})")


def _user(username: str, rng: random.Random, surnames: list[str], password: str, now: datetime) -> User:
    return User(
        username=username,
        password=password,
        last_name=rng.choice(surnames),
        first_name=rng.choice(FIRST_NAMES),
        email=f"{username}@gov.kz.local",
        language=rng.choice(["kk", "ru"]),
        date_joined=now,
    )


def load_tree() -> NationalTree:
    """The national tree and its staff, as ids (a few queries)."""
    rows = list(
        Agency.objects.filter(code__startswith=CODE_PREFIX, is_active=True)
        .order_by("path")
        .values_list("pk", "code", "kind", "region", "path")
    )
    tree = NationalTree(agencies=rows)
    direct_supervisor: dict[int, int] = {}
    executors: dict[int, list[int]] = {}
    heavy = User.objects.filter(username=BENCH_EXECUTOR).values_list("pk", flat=True).first()
    for user_id, agency_id, role in (
        Membership.objects.filter(agency__code__startswith=CODE_PREFIX, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", "agency_id", "role")
    ):
        if role == Role.EXECUTOR:
            executors.setdefault(agency_id, []).append(user_id)
            if user_id == heavy:
                tree.heavy_executor = (agency_id, user_id)
        elif role == Role.REGISTRAR:
            tree.registrars.setdefault(agency_id, user_id)
        else:
            direct_supervisor.setdefault(agency_id, user_id)
    tree.executors = executors
    for pk, _code, _kind, _region, path in rows:
        for ancestor in reversed([int(part) for part in path.strip("/").split("/")]):
            if ancestor in direct_supervisor:
                tree.supervisors[pk] = direct_supervisor[ancestor]
                break
    return tree


# --- the appeals -------------------------------------------------------------------------------------
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


# --- loading -----------------------------------------------------------------------------------------
def _text_value(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _copy(cursor, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(map(_text_value, row)))
        buffer.write("\n")
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def _secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of `tables` that back no constraint (safe to drop and rebuild)."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
          AND i.indexdef NOT LIKE 'CREATE UNIQUE%%'
        """,
        [tables],
    )
    return list(cursor.fetchall())


TABLES = [Appeal._meta.db_table, AppealEvent._meta.db_table, AppealResponse._meta.db_table]


def wipe_appeals(*, out: Callable[[str], None]) -> None:
    """Remove every appeal and what hangs on it, and the dashboard's roll-ups made from them (the dataset owns
    the database: checked by the caller)."""
    from ..models import (
        AppealAssigneeDurationRollup,
        AppealAssigneeRollup,
        AppealDailyRollup,
        AppealDurationRollup,
        RollupDay,
    )

    rollups = [RollupDay, AppealDailyRollup, AppealDurationRollup, AppealAssigneeRollup, AppealAssigneeDurationRollup]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # TRUNCATE is not a row operation: the audit trail's append-only trigger does not apply.
            cursor.execute(
                "TRUNCATE appeals_appeal, appeals_appealevent, appeals_appealresponse, appeals_notice, "
                "appeals_registrationcounter, " + ", ".join(model._meta.db_table for model in rollups) + " CASCADE"
            )
    else:
        from ..models import Notice

        for model in rollups:
            model.objects.all().delete()
        Notice.objects.all().delete()
        AppealEvent.objects.all()._raw_delete(AppealEvent.objects.db)
        AppealResponse.objects.all().delete()
        Appeal.objects.all().delete()
        RegistrationCounter.objects.all().delete()
    out("  previous appeals removed")


def load_appeals(
    count: int, *, seed: int, days: int = 365, batch_size: int = 20_000, out: Callable[[str], None] = print
) -> dict[str, int]:
    """Generate `count` appeals over the last `days` days into the national tree. Returns the row counts."""
    tree = load_tree()
    if not tree.agencies:
        raise RuntimeError("load the national tree first")
    now = timezone.now().replace(microsecond=0)
    postgres = connection.vendor == "postgresql"
    first_ids = (_next_id(t) for t in TABLES)
    factory = AppealFactory(tree, seed=seed, now=now, days=days, first_ids=tuple(first_ids))
    totals = {"appeals": 0, "events": 0, "responses": 0}
    started = time.monotonic()
    dropped: list[tuple[str, str]] = []
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                if count >= 50_000:  # rebuilding the indexes once beats updating them row by row
                    dropped = _secondary_indexes(cursor, TABLES)
                    for name, _definition in dropped:
                        cursor.execute(f'DROP INDEX "{name}"')
                cursor.execute("SET LOCAL synchronous_commit = off")
                # Check the foreign keys row by row as COPY goes: no queue of deferred checks that
                # would hold the rebuilt indexes back ("pending trigger events").
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for made, batch in _batches(factory, count, batch_size):
            _write(batch, postgres=postgres)
            totals["appeals"] += len(batch.appeals)
            totals["events"] += len(batch.events)
            totals["responses"] += len(batch.responses)
            rate = made / max(time.monotonic() - started, 1e-6)
            out(
                f"  appeals: {made}/{count} ({rate:,.0f}/s; events {totals['events']}, responses {totals['responses']})"
            )
        if dropped:
            out(f"  rebuilding {len(dropped)} indexes…")
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
                for name, definition in dropped:
                    t0 = time.monotonic()
                    cursor.execute(definition)
                    out(f"    {name}: {time.monotonic() - t0:.1f} s")
        counters = [
            RegistrationCounter(agency_id=agency_id, year=year, last_number=last)
            for (agency_id, year), last in factory.numbers.items()
        ]
        existing = {
            (c.agency_id, c.year): c for c in RegistrationCounter.objects.filter(agency__code__startswith=CODE_PREFIX)
        }
        for counter in counters:
            old = existing.get((counter.agency_id, counter.year))
            if old is not None:
                old.last_number = max(old.last_number, counter.last_number)
                old.save(update_fields=["last_number"])
        RegistrationCounter.objects.bulk_create(
            [c for c in counters if (c.agency_id, c.year) not in existing], batch_size=2000
        )
        reset_sequences([Appeal, AppealEvent, AppealResponse, RegistrationCounter])
    if postgres:
        # VACUUM sets the visibility map (index-only scans for the capped counts) and ANALYZE the
        # statistics, extended ones included; outside a transaction.
        out("  vacuuming and analysing the tables…")
        with connection.cursor() as cursor:
            for table in [*TABLES, Agency._meta.db_table, Membership._meta.db_table, User._meta.db_table]:
                if connection.in_atomic_block:
                    cursor.execute(f"ANALYZE {table}")
                else:
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
    out(f"  done in {time.monotonic() - started:.0f} s")
    return totals


def _batches(factory: AppealFactory, count: int, batch_size: int) -> Iterator[tuple[int, Batch]]:
    """The batches, each made in a thread while the one before is written: Python builds the next
    rows on one core while PostgreSQL ingests these on the other (COPY, the search vector, the checks)."""
    ahead: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand_over(item) -> None:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def produce() -> None:
        made = 0
        try:
            while made < count and not stop.is_set():
                size = min(batch_size, count - made)
                batch = factory.batch(size)
                made += size
                hand_over((made, batch))
        except BaseException as exc:  # noqa: BLE001 - raised again in the loading thread
            hand_over(exc)
            return
        hand_over(None)

    producer = threading.Thread(target=produce, name="national-batches", daemon=True)
    producer.start()
    try:
        while (item := ahead.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        producer.join(timeout=5)


def _write(batch: Batch, *, postgres: bool) -> None:
    if postgres:
        with connection.cursor() as cursor:
            _copy(cursor, TABLES[0], APPEAL_COLUMNS, batch.appeals)
            _copy(cursor, TABLES[1], EVENT_COLUMNS, batch.events)
            _copy(cursor, TABLES[2], RESPONSE_COLUMNS, batch.responses)
        return
    Appeal.objects.bulk_create([_model(Appeal, APPEAL_COLUMNS, row) for row in batch.appeals], batch_size=500)
    AppealEvent.objects.bulk_create(
        [_model(AppealEvent, EVENT_COLUMNS, row[:6] + (json.loads(row[6]), row[7])) for row in batch.events],
        batch_size=1000,
    )
    AppealResponse.objects.bulk_create(
        [_model(AppealResponse, RESPONSE_COLUMNS, row) for row in batch.responses], batch_size=1000
    )


def _model(model, columns: tuple[str, ...], row: tuple):
    return model(**dict(zip(columns, row, strict=True)))
