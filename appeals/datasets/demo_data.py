"""The demo's fixed data: its agencies, categories and routes, canned responses, staff, names, and the mix of
statuses, kinds and channels of its generated appeals (used by demo.py and national.py)."""

from __future__ import annotations

from agencies.choices import AgencyKind, Region, Role

from ..models.choices import (
    AppealKind,
    AppealStatus,
    Channel,
)

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
