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
the statutory one in working days (appeals.calendar.policy.due_date_for) or an extension of it, finished
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
from datetime import UTC, datetime

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from agencies.choices import AgencyKind, Region, Role
from agencies.models import Agency, Category, CategoryRoute, Membership, User

from ..models import Appeal, AppealEvent, AppealResponse, RegistrationCounter
from .demo_data import CATEGORIES, FIRST_NAMES
from .national_appeals import (
    APPEAL_COLUMNS,
    EVENT_COLUMNS,
    RESPONSE_COLUMNS,
    AppealFactory,
    Batch,
    NationalTree,
    national_surnames,
)

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
    from ..models import ROLLUP_MODELS as rollups

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
