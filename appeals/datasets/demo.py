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
    Channel,
    EventKind,
    LeaveReason,
    Outcome,
    ResponseKind,
    ResponseStatus,
)
from ..models.validators import make_valid_number

DEMO_PASSWORD = "demo12345"  # noqa: S105 - printed for the demo; never used outside seed_demo

# (code, kind, name_ru, name_kk, region, parent code)
AGENCIES = [
    ("pa", AgencyKind.ADMINISTRATION, "Администрация Президента РК", "ҚР Президентінің Әкімшілігі", "", None),
    (
        "mtszn",
        AgencyKind.MINISTRY,
        "Министерство труда и социальной защиты населения",
        "Еңбек және халықты әлеуметтік қорғау министрлігі",
        "",
        "pa",
    ),
    (
        "mtszn-ast",
        AgencyKind.DEPARTMENT,
        "Департамент труда и соцзащиты по г. Астана",
        "Астана қаласы бойынша еңбек және әлеуметтік қорғау департаменті",
        Region.ASTANA,
        "mtszn",
    ),
    (
        "mtszn-pvl",
        AgencyKind.DEPARTMENT,
        "Департамент труда и соцзащиты по Павлодарской области",
        "Павлодар облысы бойынша еңбек және әлеуметтік қорғау департаменті",
        Region.PAVLODAR,
        "mtszn",
    ),
    (
        "ast",
        AgencyKind.REGIONAL_AKIMAT,
        "Акимат города Астаны",
        "Астана қаласының әкімдігі",
        Region.ASTANA,
        "pa",
    ),
    (
        "ast-esil",
        AgencyKind.DISTRICT_AKIMAT,
        "Акимат района Есиль",
        "Есіл ауданының әкімдігі",
        Region.ASTANA,
        "ast",
    ),
    (
        "ast-saryarka",
        AgencyKind.DISTRICT_AKIMAT,
        "Акимат района Сарыарка",
        "Сарыарқа ауданының әкімдігі",
        Region.ASTANA,
        "ast",
    ),
    (
        "pvl",
        AgencyKind.REGIONAL_AKIMAT,
        "Акимат Павлодарской области",
        "Павлодар облысының әкімдігі",
        Region.PAVLODAR,
        "pa",
    ),
    (
        "pvl-city",
        AgencyKind.DISTRICT_AKIMAT,
        "Акимат города Павлодара",
        "Павлодар қаласының әкімдігі",
        Region.PAVLODAR,
        "pvl",
    ),
    (
        "pvl-ekb",
        AgencyKind.DISTRICT_AKIMAT,
        "Акимат города Экибастуза",
        "Екібастұз қаласының әкімдігі",
        Region.PAVLODAR,
        "pvl",
    ),
    (
        "pvl-ekb-bayet",
        AgencyKind.RURAL_AKIMAT,
        "Аппарат акима села Байет",
        "Байет ауылы әкімінің аппараты",
        Region.PAVLODAR,
        "pvl-ekb",
    ),
]

# (code, name_ru, name_kk, subjects as (ru, kk))
CATEGORIES = [
    (
        "utilities",
        "Коммунальные услуги",
        "Коммуналдық қызметтер",
        [
            ("Нет горячей воды в доме", "Үйде ыстық су жоқ"),
            ("Прорыв трубы водопровода во дворе", "Аулада су құбыры жарылды"),
            ("Холодные батареи в квартире", "Пәтердегі радиаторлар суық"),
            ("Перебои с электроснабжением", "Электр қуатының үзілуі"),
        ],
    ),
    (
        "roads",
        "Дороги и транспорт",
        "Жолдар және көлік",
        [
            ("Ямы на дороге по улице", "Көшедегі жолда шұңқырлар"),
            ("Не работает светофор на перекрёстке", "Қиылыстағы бағдаршам жұмыс істемейді"),
            ("Отмена автобусного маршрута", "Автобус бағытының тоқтатылуы"),
        ],
    ),
    (
        "housing",
        "Жилищные вопросы",
        "Тұрғын үй мәселелері",
        [
            ("Очередь на жильё", "Тұрғын үй кезегі"),
            ("Аварийное состояние дома", "Үйдің апатты жағдайы"),
            ("Протекает крыша многоквартирного дома", "Көппәтерлі үйдің шатыры ағады"),
        ],
    ),
    (
        "health",
        "Здравоохранение",
        "Денсаулық сақтау",
        [
            ("Нет записи к врачу в поликлинике", "Емханада дәрігерге жазылу мүмкін емес"),
            ("Лекарства по бесплатному обеспечению", "Тегін дәрі-дәрмекпен қамтамасыз ету"),
        ],
    ),
    (
        "education",
        "Образование",
        "Білім беру",
        [
            ("Место в детском саду", "Балабақшадан орын"),
            ("Подвоз детей в школу", "Балаларды мектепке тасымалдау"),
        ],
    ),
    (
        "social",
        "Социальные выплаты",
        "Әлеуметтік төлемдер",
        [
            ("Назначение пособия по уходу за ребёнком", "Бала күтімі бойынша жәрдемақы тағайындау"),
            ("Задержка выплаты пенсии", "Зейнетақы төлемінің кешігуі"),
            ("Адресная социальная помощь", "Атаулы әлеуметтік көмек"),
        ],
    ),
    (
        "land",
        "Земельные отношения",
        "Жер қатынастары",
        [
            ("Выделение земельного участка под ИЖС", "Жеке тұрғын үй құрылысына жер учаскесін бөлу"),
            ("Самозахват земли соседом", "Көршінің жерді заңсыз басып алуы"),
        ],
    ),
    (
        "law",
        "Правопорядок",
        "Құқық тәртібі",
        [
            ("Шум в ночное время", "Түнгі уақыттағы шу"),
            ("Незаконная торговля у школы", "Мектеп жанындағы заңсыз сауда"),
        ],
    ),
    (
        "ecology",
        "Экология и благоустройство",
        "Экология және абаттандыру",
        [
            ("Несвоевременный вывоз мусора", "Қоқысты уақытында шығармау"),
            ("Вырубка деревьев во дворе", "Аулада ағаштарды кесу"),
        ],
    ),
    (
        "labour",
        "Труд и занятость",
        "Еңбек және жұмыспен қамту",
        [
            ("Невыплата заработной платы", "Жалақының төленбеуі"),
            ("Незаконное увольнение", "Заңсыз жұмыстан шығару"),
        ],
    ),
]

# Regional routes: (category, region) -> agency code; "" region is the national default.
ROUTES = {
    ("utilities", Region.ASTANA): "ast",
    ("utilities", Region.PAVLODAR): "pvl",
    ("roads", Region.ASTANA): "ast",
    ("roads", Region.PAVLODAR): "pvl",
    ("housing", Region.ASTANA): "ast",
    ("housing", Region.PAVLODAR): "pvl",
    ("health", Region.ASTANA): "ast",
    ("health", Region.PAVLODAR): "pvl",
    ("education", Region.ASTANA): "ast",
    ("education", Region.PAVLODAR): "pvl",
    ("land", Region.ASTANA): "ast",
    ("land", Region.PAVLODAR): "pvl",
    ("law", Region.ASTANA): "ast",
    ("law", Region.PAVLODAR): "pvl",
    ("ecology", Region.ASTANA): "ast",
    ("ecology", Region.PAVLODAR): "pvl",
    ("social", Region.ASTANA): "mtszn-ast",
    ("social", Region.PAVLODAR): "mtszn-pvl",
    ("social", ""): "mtszn",
    ("labour", Region.ASTANA): "mtszn-ast",
    ("labour", Region.PAVLODAR): "mtszn-pvl",
    ("labour", ""): "mtszn",
}

# Canned responses offered to every agency: (category code or None, language, title, outcome, text)
CANNED = [
    (
        "utilities",
        "ru",
        "Коммунальные услуги: работы выполнены",
        "satisfied",
        "Уважаемый(ая) {applicant}!\n\nПо Вашему обращению № {number} от {registered} проведена проверка. "
        "Неисправность устранена, работы выполнены в полном объеме.",
    ),
    (
        "utilities",
        "kk",
        "Коммуналдық қызметтер: жұмыстар орындалды",
        "satisfied",
        "Құрметті {applicant}!\n\nСіздің {registered} күнгі № {number} өтінішіңіз бойынша тексеру жүргізілді. "
        "Ақау жойылды, жұмыстар толық көлемде орындалды.",
    ),
    (
        None,
        "ru",
        "Разъяснение порядка",
        "explained",
        "Уважаемый(ая) {applicant}!\n\nНа Ваше обращение № {number} по вопросу «{subject}» сообщаем следующее: ",
    ),
    (
        None,
        "kk",
        "Тәртібін түсіндіру",
        "explained",
        "Құрметті {applicant}!\n\n«{subject}» мәселесі бойынша № {number} өтінішіңізге мынаны хабарлаймыз: ",
    ),
]

# (username, last name, first name, language, agency code, roles)
STAFF = [
    ("pa.head", "Нурланов", "Ерлан", "kk", "pa", [Role.SUPERVISOR]),
    ("mtszn.head", "Абенова", "Гульнара", "ru", "mtszn", [Role.SUPERVISOR]),
    ("mtszn-ast.registrar", "Ким", "Елена", "ru", "mtszn-ast", [Role.REGISTRAR]),
    ("mtszn-ast.executor", "Жумабаев", "Арман", "kk", "mtszn-ast", [Role.EXECUTOR]),
    ("mtszn-pvl.executor", "Петренко", "Ольга", "ru", "mtszn-pvl", [Role.EXECUTOR, Role.REGISTRAR]),
    ("mtszn-pvl.head", "Садыков", "Марат", "ru", "mtszn-pvl", [Role.SUPERVISOR]),
    ("ast.head", "Темирханова", "Айгерим", "kk", "ast", [Role.SUPERVISOR]),
    ("ast.registrar", "Смагулова", "Дана", "kk", "ast", [Role.REGISTRAR]),
    ("ast.executor1", "Оспанов", "Бауыржан", "kk", "ast", [Role.EXECUTOR]),
    ("ast.executor2", "Иванова", "Мария", "ru", "ast", [Role.EXECUTOR]),
    ("ast-esil.head", "Кенжебеков", "Даурен", "kk", "ast-esil", [Role.SUPERVISOR]),
    ("ast-esil.executor", "Ахметова", "Салтанат", "kk", "ast-esil", [Role.EXECUTOR, Role.REGISTRAR]),
    ("ast-saryarka.executor", "Литвинов", "Сергей", "ru", "ast-saryarka", [Role.EXECUTOR, Role.REGISTRAR]),
    ("pvl.head", "Каирбеков", "Нурлан", "ru", "pvl", [Role.SUPERVISOR]),
    ("pvl.registrar", "Шевченко", "Ирина", "ru", "pvl", [Role.REGISTRAR]),
    ("pvl.executor1", "Бекова", "Асель", "kk", "pvl", [Role.EXECUTOR]),
    ("pvl.executor2", "Гончаров", "Андрей", "ru", "pvl", [Role.EXECUTOR]),
    ("pvl-city.executor", "Мусина", "Жанар", "ru", "pvl-city", [Role.EXECUTOR, Role.REGISTRAR]),
    ("pvl-ekb.head", "Тулегенов", "Серик", "kk", "pvl-ekb", [Role.SUPERVISOR]),
    ("pvl-ekb.executor", "Ермекова", "Камила", "kk", "pvl-ekb", [Role.EXECUTOR, Role.REGISTRAR]),
    ("pvl-ekb-bayet.executor", "Омаров", "Талгат", "kk", "pvl-ekb-bayet", [Role.EXECUTOR, Role.REGISTRAR]),
]

FIRST_NAMES = [
    "Айдос",
    "Гульмира",
    "Нурсултан",
    "Алия",
    "Ерболат",
    "Динара",
    "Сергей",
    "Наталья",
    "Асхат",
    "Жанна",
    "Тимур",
    "Ольга",
    "Бекзат",
    "Айгуль",
    "Виктор",
    "Самал",
]
LAST_NAMES = [
    "Сейткали",
    "Жаксылыков",
    "Иванов",
    "Нургалиева",
    "Бекмуханов",
    "Ким",
    "Абдрахманов",
    "Смирнова",
    "Касымов",
    "Утепова",
    "Ли",
    "Мухамеджанов",
    "Оразбаева",
    "Кузнецов",
]

# How the statuses of demo appeals are mixed (weights).
STATUS_MIX = {
    AppealStatus.REGISTERED: 12,
    AppealStatus.IN_PROGRESS: 30,
    AppealStatus.AWAITING_APPROVAL: 8,
    AppealStatus.ANSWERED: 25,
    AppealStatus.CLOSED: 10,
    AppealStatus.LEFT_WITHOUT_CONSIDERATION: 5,
    AppealStatus.REDIRECTED: 6,
    AppealStatus.TERMINATED: 4,
}
KIND_MIX = {
    AppealKind.APPLICATION: 69,
    AppealKind.REQUEST: 14,
    AppealKind.COMPLAINT: 6,
    AppealKind.PROPOSAL: 4,
    AppealKind.REPORT: 5,
    AppealKind.FEEDBACK: 2,
}
CHANNEL_MIX = {
    Channel.PORTAL: 60,
    Channel.EMAIL: 8,
    Channel.POST: 10,
    Channel.RECEPTION: 10,
    Channel.PHONE: 8,
    Channel.SOCIAL: 4,
}


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
    rng = ctx.rng
    status = plan["status"]
    at = appeal.registered_at
    now = timezone.now()

    def step(hours_max: float) -> datetime:
        nonlocal at
        at = min(now, at + timedelta(hours=rng.uniform(1, hours_max)))
        return at

    events.append(
        AppealEvent(
            appeal=appeal,
            actor_id=appeal.registered_by_id,
            kind=EventKind.REGISTERED,
            to_status=AppealStatus.REGISTERED,
            payload={"number": appeal.number},
            created_at=appeal.registered_at,
        )
    )
    supervisor = _supervisor_for(ctx, appeal.agency)
    changes: dict = {}
    if status == AppealStatus.REGISTERED:
        return
    if status == AppealStatus.REDIRECTED:
        late = rng.random() < 0.2
        events.append(
            AppealEvent(
                appeal=appeal,
                actor_id=appeal.registered_by_id or supervisor,
                kind=EventKind.REDIRECTED,
                from_status=AppealStatus.REGISTERED,
                to_status=AppealStatus.REDIRECTED,
                payload={"reason": "Вне компетенции", "late": late},
                created_at=step(30),
            )
        )
        changes.update(status=status, outcome=Outcome.REDIRECTED, resolved_at=at)
        _apply(appeal, changes)
        return
    if status == AppealStatus.TERMINATED:
        events.append(
            AppealEvent(
                appeal=appeal,
                actor_id=supervisor,
                kind=EventKind.TERMINATED,
                from_status=AppealStatus.REGISTERED,
                to_status=status,
                payload={"reason": "applicant_deceased"},
                created_at=step(48),
            )
        )
        changes.update(status=status, outcome=Outcome.TERMINATED, resolved_at=at)
        _apply(appeal, changes)
        return
    executor = plan["executor"]
    events.append(
        AppealEvent(
            appeal=appeal,
            actor_id=executor,
            kind=EventKind.TAKEN,
            from_status=AppealStatus.REGISTERED,
            to_status=AppealStatus.IN_PROGRESS,
            payload={"assignee": executor},
            created_at=step(20),
        )
    )
    changes.update(status=AppealStatus.IN_PROGRESS, assignee_id=executor, first_action_at=at)
    if status == AppealStatus.IN_PROGRESS:
        if rng.random() < 0.4:
            responses.append(
                AppealResponse(
                    appeal=appeal,
                    text=_answer_text(appeal),
                    language=appeal.language,
                    author_id=executor,
                    created_at=step(24),
                    updated_at=at,
                )
            )
            events.append(
                AppealEvent(
                    appeal=appeal,
                    actor_id=executor,
                    kind=EventKind.RESPONSE_SAVED,
                    payload={"language": appeal.language},
                    created_at=at,
                )
            )
        _apply(appeal, changes)
        return
    if status == AppealStatus.LEFT_WITHOUT_CONSIDERATION:
        reason = (
            LeaveReason.ANONYMOUS
            if appeal.applicant_type == ApplicantType.ANONYMOUS
            else rng.choice([LeaveReason.NO_SUBSTANCE, LeaveReason.WITHDRAWN, LeaveReason.REPEATED_NO_NEW_ARGUMENTS])
        )
        events.append(
            AppealEvent(
                appeal=appeal,
                actor_id=supervisor,
                kind=EventKind.LEFT_WITHOUT_CONSIDERATION,
                from_status=AppealStatus.IN_PROGRESS,
                to_status=status,
                payload={"reason": reason},
                created_at=step(72),
            )
        )
        responses.append(
            AppealResponse(
                appeal=appeal,
                kind=ResponseKind.REFUSAL,
                status=ResponseStatus.SENT,
                text=str(LeaveReason(reason).label),
                language=appeal.language,
                outcome=Outcome.LEFT_WITHOUT_CONSIDERATION,
                author_id=supervisor,
                approved_by_id=supervisor,
                approved_at=at,
                sent_at=at,
                created_at=at,
                updated_at=at,
            )
        )
        changes.update(status=status, outcome=Outcome.LEFT_WITHOUT_CONSIDERATION, resolved_at=at)
        _apply(appeal, changes)
        return
    # Drafted and submitted (awaiting approval, answered, closed).
    response = AppealResponse(
        appeal=appeal,
        text=_answer_text(appeal),
        language=appeal.language,
        author_id=executor,
        created_at=step(72),
        updated_at=at,
    )
    events.append(
        AppealEvent(
            appeal=appeal,
            actor_id=executor,
            kind=EventKind.RESPONSE_SAVED,
            payload={"language": appeal.language},
            created_at=at,
        )
    )
    events.append(
        AppealEvent(
            appeal=appeal,
            actor_id=executor,
            kind=EventKind.SUBMITTED,
            from_status=AppealStatus.IN_PROGRESS,
            to_status=AppealStatus.AWAITING_APPROVAL,
            created_at=step(24),
        )
    )
    response.status, response.submitted_at = ResponseStatus.SUBMITTED, at
    changes.update(status=AppealStatus.AWAITING_APPROVAL)
    if rng.random() < 0.15:
        events.append(
            AppealEvent(
                appeal=appeal,
                actor_id=supervisor,
                kind=EventKind.RETURNED,
                from_status=AppealStatus.AWAITING_APPROVAL,
                to_status=AppealStatus.IN_PROGRESS,
                payload={"comment": "Уточните сроки"},
                created_at=step(24),
            )
        )
        events.append(
            AppealEvent(
                appeal=appeal,
                actor_id=executor,
                kind=EventKind.SUBMITTED,
                from_status=AppealStatus.IN_PROGRESS,
                to_status=AppealStatus.AWAITING_APPROVAL,
                created_at=step(24),
            )
        )
        response.return_count = 1
    if status == AppealStatus.AWAITING_APPROVAL:
        responses.append(response)
        _apply(appeal, changes)
        return
    outcome = rng.choice([Outcome.SATISFIED, Outcome.PARTIALLY_SATISFIED, Outcome.EXPLAINED, Outcome.REFUSED])
    events.append(
        AppealEvent(
            appeal=appeal,
            actor_id=supervisor,
            kind=EventKind.APPROVED,
            from_status=AppealStatus.AWAITING_APPROVAL,
            to_status=AppealStatus.ANSWERED,
            payload={"outcome": outcome},
            created_at=step(24),
        )
    )
    response.status, response.outcome = ResponseStatus.SENT, outcome
    response.approved_by_id, response.approved_at, response.sent_at = supervisor, at, at
    responses.append(response)
    changes.update(status=AppealStatus.ANSWERED, outcome=outcome, resolved_at=at)
    if status == AppealStatus.CLOSED:
        events.append(
            AppealEvent(
                appeal=appeal,
                actor_id=executor,
                kind=EventKind.CLOSED,
                from_status=AppealStatus.ANSWERED,
                to_status=AppealStatus.CLOSED,
                created_at=step(48),
            )
        )
        changes.update(status=AppealStatus.CLOSED)
    _apply(appeal, changes)


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
