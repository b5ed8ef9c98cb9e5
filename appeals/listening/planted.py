"""Planted data: a year of realistic noise with known patterns in it, and the ground truth beside the rows.

`planted_tree()` makes (or finds) a small agency tree under a Presidential Administration: regional akimats,
each with two district akimats, and the categories. `planted_rows(tree, seed=…, today=…)` returns the
rows, in the history import's format (appeals.listening.imports: the API intake contract plus
registered_at, number, status, answered_at, answer_text, outcome), and what was planted in the month before
`today` (the period to read: `period=month&date=<planted.period_date>`):

- noise: every (region, category) pair at its own monthly level (6 to 14) with a mild season, Poisson, over
  twelve months, each appeal from a person of its own, by the usual channel mix;
- HOTSPOTS pairs with a burst in the month, from many different people;
- a NEW topic (a category never seen in a region before);
- a LONG-STANDING problem: a pair at about 2.4 times its level for the last four months;
- a social-media spike: a pair whose rise in the month comes through social media only;
- repeats: people writing again to the same body on the same matter, worded differently each time (ru/kk);
- the same people writing on unrelated matters, and on the same kind of matter at another address (must not be
  linked);
- escalations: people whose district akimat did not answer, writing on the same matter to the Presidential
  Administration (or to the regional akimat above it) in the month.

Deterministic for a seed (random.Random(seed)); nothing is written to the database but the tree.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agencies.choices import AgencyKind
from agencies.models import Agency, Category
from agencies.services import agency_save

from ..calendar.policy import add_months
from ..models.validators import make_valid_number

ALMATY = ZoneInfo("Asia/Almaty")
REGIONS = ("pavlodar", "kostanay", "atyrau", "turkistan")
CATEGORIES = {
    "pl-roads": ("Дороги", "Жолдар"),
    "pl-water": ("Водоснабжение", "Сумен жабдықтау"),
    "pl-heating": ("Отопление", "Жылу"),
    "pl-housing": ("Жильё", "Тұрғын үй"),
    "pl-transport": ("Транспорт", "Көлік"),
    "pl-lighting": ("Освещение", "Жарық"),
    "pl-ecology": ("Экология", "Экология"),  # never seen in the noise: the new topic
}
NOISE_CATEGORIES = tuple(c for c in CATEGORIES if c != "pl-ecology")
CHANNELS = {"portal": 60, "email": 12, "phone": 10, "reception": 8, "post": 5, "social": 5}
STREETS = (
    "Абая",
    "Сатпаева",
    "Толе би",
    "Жибек жолы",
    "Кабанбай батыра",
    "Богенбай батыра",
    "Желтоксан",
    "Момышулы",
    "Назарбаева",
    "Ауэзова",
    "Гагарина",
    "Пушкина",
    "Шевченко",
    "Торайгырова",
    "Жамбыла",
)
# What people write about, per category: (Russian subject, Russian text, Kazakh subject, Kazakh text).
TOPICS = {
    "pl-roads": (
        "Яма на дороге по улице {street}",
        "На улице {street} возле дома {house} глубокая яма, машины ломаются. Прошу отремонтировать дорогу.",
        "{street} көшесіндегі жолда шұңқыр",
        "{street} көшесі {house} үйдің жанында терең шұңқыр бар. Жолды жөндеуді сұраймын.",
    ),
    "pl-water": (
        "Нет холодной воды, улица {street}, {house}",
        "В доме {house} по улице {street} нет холодной воды. Просим восстановить водоснабжение.",
        "{street} көшесі {house} үйде суық су жоқ",
        "{street} көшесі {house} үйде суық су жоқ. Сумен жабдықтауды қалпына келтіруді сұраймыз.",
    ),
    "pl-heating": (
        "Холодные батареи, {street} {house}",
        "В квартирах дома {house} на улице {street} батареи холодные. Просим наладить отопление.",
        "{street} {house} үйде батареялар суық",
        "{street} көшесі {house} үйдің пәтерлерінде батареялар суық. Жылытуды реттеуді сұраймыз.",
    ),
    "pl-housing": (
        "Протекает крыша дома {house} по улице {street}",
        "Крыша дома {house} на улице {street} протекает, вода в подъезде. Просим провести ремонт крыши.",
        "{street} көшесі {house} үйдің шатыры ағады",
        "{street} көшесі {house} үйдің шатыры ағып тұр, кіреберісте су. Шатырды жөндеуді сұраймыз.",
    ),
    "pl-transport": (
        "Автобус не ходит по улице {street}",
        "Автобус по улице {street} у дома {house} не ходит с утра, люди не могут доехать. Прошу наладить маршрут.",
        "{street} көшесінде автобус жүрмейді",
        "{street} көшесі {house} үйдің жанында автобус жүрмейді. Бағытты реттеуді сұраймын.",
    ),
    "pl-lighting": (
        "Не горят фонари на улице {street}",
        "На улице {street} у дома {house} не горят фонари, вечером темно и опасно. Прошу починить освещение.",
        "{street} көшесінде шамдар жанбайды",
        "{street} көшесі {house} үйдің жанында шамдар жанбайды, кешке қараңғы. Жарықты жөндеуді сұраймын.",
    ),
    "pl-ecology": (
        "Свалка мусора у дома {house} на улице {street}",
        "У дома {house} на улице {street} образовалась стихийная свалка, запах и крысы. Прошу убрать мусор.",
        "{street} көшесінде қоқыс үйіндісі",
        "{street} көшесі {house} үйдің жанында қоқыс үйіндісі пайда болды. Қоқысты шығаруды сұраймын.",
    ),
}
# A repeat or an escalation says it again, in other words (the first is the original wording).
AGAIN_RU = (
    "Повторно обращаюсь: {text} Ответа до сих пор нет.",
    "Я уже писал(а) об этом. {street}, дом {house}: проблема не решена. {text}",
    "Прошу наконец принять меры. Ранее обращался по адресу {street} {house}, ничего не сделано. {text}",
)
AGAIN_KK = (
    "Қайта жазып отырмын: {text} Жауап әлі жоқ.",
    "Бұл туралы бұрын жазғанмын. {street} көшесі {house}: мәселе шешілмеді. {text}",
)
FIRST_NAMES = ("Айгерим", "Ерлан", "Данияр", "Гульнара", "Асель", "Нурлан", "Марат", "Жанар", "Ольга", "Сергей")
LAST_NAMES = ("Сейткали", "Ахметов", "Иванова", "Касымов", "Омарова", "Петров", "Жумабаев", "Ким", "Смагулова")


@dataclass(frozen=True)
class PlantedTree:
    top: str  # the Presidential Administration's code
    regional: dict[str, str]  # region -> the regional akimat's code
    districts: dict[str, tuple[str, str]]  # region -> its two district akimats' codes


@dataclass
class Planted:
    rows: list[dict]
    today: date
    period_date: date  # a day of the month to read
    period_start: date
    period_end: date
    # kind -> what was planted: (category code, region) for pair kinds; appeal numbers for repeat (the later
    # appeals) and escalation (the lower bodies' appeals that citizens took higher).
    truth: dict[str, set] = field(default_factory=dict)


def _agency(code: str, **fields) -> Agency:
    found = Agency.objects.filter(code=code).first()
    return found or agency_save(agency=Agency(code=code, **fields))  # the service sets the tree path


def planted_tree(prefix: str = "pl", *, top: Agency | None = None) -> PlantedTree:
    """The planted agencies and categories (made once, found after), under `top` (by default a Presidential
    Administration of their own)."""
    top = top or _agency(
        f"{prefix}-pa",
        name_ru="Администрация Президента (PL)",
        name_kk="Президент Әкімшілігі (PL)",
        kind=AgencyKind.ADMINISTRATION,
    )
    regional, districts = {}, {}
    for region in REGIONS:
        akimat = _agency(
            f"{prefix}-akimat-{region}",
            name_ru=f"Акимат {region} (PL)",
            name_kk=f"{region} әкімдігі (PL)",
            parent=top,
            kind=AgencyKind.REGIONAL_AKIMAT,
            region=region,
        )
        regional[region] = akimat.code
        codes = []
        for n in (1, 2):
            district = _agency(
                f"{prefix}-district-{region}-{n}",
                name_ru=f"Акимат района {n}, {region} (PL)",
                name_kk=f"{n} аудан әкімдігі, {region} (PL)",
                parent=akimat,
                kind=AgencyKind.DISTRICT_AKIMAT,
                region=region,
            )
            codes.append(district.code)
        districts[region] = (codes[0], codes[1])
    for code, (name_ru, name_kk) in CATEGORIES.items():
        Category.objects.get_or_create(code=code, defaults={"name_ru": name_ru, "name_kk": name_kk})
    return PlantedTree(top=top.code, regional=regional, districts=districts)


class _Writer:
    def __init__(self, rng: random.Random, tree: PlantedTree, now: datetime, prefix: str) -> None:
        self.rng, self.tree, self.now, self.prefix = rng, tree, now, prefix
        self.rows: list[dict] = []
        self.iins: set[str] = set()

    def person(self, home: dict | None = None, region: str = "") -> dict:
        """A new applicant (a unique IIN); `home`: the matter at their own address (the postal address)."""
        while True:
            year = self.rng.randint(50, 99)
            number = make_valid_number(
                f"{year:02d}{self.rng.randint(1, 12):02d}{self.rng.randint(1, 28):02d}"
                f"{self.rng.choice('34')}{self.rng.randint(0, 9999):04d}"
            )
            if number and number not in self.iins:
                self.iins.add(number)
                break
        name = f"{self.rng.choice(LAST_NAMES)} {self.rng.choice(FIRST_NAMES)}"
        person = {"type": "individual", "full_name": name, "iin": number}
        if home is not None:
            person["address"] = f"{region}, {home['street']} {home['house']}"
        return person

    def matter(self, category: str) -> dict:
        return {"category": category, "street": self.rng.choice(STREETS), "house": self.rng.randint(1, 180)}

    def add(
        self,
        *,
        when: datetime,
        agency: str,
        region: str,
        matter: dict,
        applicant: dict,
        again: int = 0,
        channel: str | None = None,
        language: str | None = None,
        answered: bool | None = None,
    ) -> str:
        language = language or ("kk" if self.rng.random() < 0.35 else "ru")
        subject_ru, text_ru, subject_kk, text_kk = TOPICS[matter["category"]]
        fill = {"street": matter["street"], "house": matter["house"]}
        if language == "ru":
            subject, text = subject_ru.format(**fill), text_ru.format(**fill)
            if again:
                text = AGAIN_RU[(again - 1) % len(AGAIN_RU)].format(text=text, **fill)
                subject = ("Повторно: " if again % 2 else "Опять: ") + subject
        else:
            subject, text = subject_kk.format(**fill), text_kk.format(**fill)
            if again:
                text = AGAIN_KK[(again - 1) % len(AGAIN_KK)].format(text=text, **fill)
                subject = "Қайталап: " + subject
        number = f"{self.prefix.upper()}-{len(self.rows) + 1:06d}"
        age = (self.now - when).days
        if answered is None:
            answered = age > 25 and self.rng.random() < 0.9
        row = {
            "external_id": f"{self.prefix}-planted-{len(self.rows) + 1}",
            "number": number,
            "kind": "application",
            "channel": channel or self.rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0],
            "language": language,
            "applicant": applicant,
            "region": region,
            "category": matter["category"],
            "agency": agency,
            "subject": subject,
            "text": text,
            "registered_at": when.isoformat(),
        }
        if answered:
            done = when + timedelta(days=self.rng.randint(3, 20), hours=self.rng.randint(0, 5))
            row.update(
                status="answered",
                answered_at=min(done, self.now - timedelta(hours=1)).isoformat(),
                outcome=self.rng.choice(["explained", "satisfied", "partially_satisfied", "refused"]),
                answer_text="Ваше обращение рассмотрено." if language == "ru" else "Өтінішіңіз қаралды.",
            )
        self.rows.append(row)
        return number

    def moment(self, start: date, end: date) -> datetime:
        day = start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))
        moment = datetime.combine(day, time(self.rng.randint(9, 17), self.rng.randint(0, 59)), tzinfo=ALMATY)
        latest = self.now - timedelta(hours=1)  # today's appeals: registered before now
        return moment if moment <= latest else latest - timedelta(minutes=self.rng.randint(0, 300))

    def district(self, region: str) -> str:
        return self.tree.districts[region][0 if self.rng.random() < 0.55 else 1]


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def planted_rows(
    tree: PlantedTree,
    *,
    seed: int = 15,
    today: date = date(2026, 7, 10),
    now: datetime | None = None,
    current: bool = False,
    prefix: str = "pl",
) -> Planted:
    """The rows and the truth. The patterns are in the month before `today`, or with `current` in the month
    of `today` so far (the dashboard's default period: the demo)."""
    rng = random.Random(seed)  # noqa: S311 - seeded planted data, not a secret
    if current:
        period_start, period_end = today.replace(day=1), today
    else:
        period_end = today.replace(day=1) - timedelta(days=1)
        period_start = period_end.replace(day=1)
    first = add_months(period_start, -11)  # twelve months, the read one the last
    months = [(add_months(first, i), add_months(first, i + 1) - timedelta(days=1)) for i in range(12)]
    # The long-standing problem: the last four complete months (and on into the current one).
    last_complete = len(months) - 1 if period_end == months[-1][1] else len(months) - 2
    now = now or datetime.combine(today, time(12), tzinfo=ALMATY)
    w = _Writer(rng, tree, now, prefix)

    def within(start: date, end: date) -> tuple[date, date]:
        return max(start, period_start), min(end, period_end)

    truth: dict[str, set] = {
        k: set() for k in ("hotspot", "new", "long_standing", "channel_driven", "repeat", "escalation")
    }

    pairs = [(c, r) for r in REGIONS for c in NOISE_CATEGORIES]
    rng.shuffle(pairs)
    hotspots, (long_pair, social_pair) = pairs[:3], pairs[3:5]
    new_pair = ("pl-ecology", rng.choice(REGIONS))
    truth["hotspot"] = set(hotspots)
    truth["long_standing"] = {long_pair}
    truth["channel_driven"] = {social_pair}
    truth["new"] = {new_pair}

    # Noise: each pair at its own level, a mild season (more in winter), one person per appeal.
    level = {pair: rng.uniform(6, 14) for pair in pairs}
    for m, (start, end) in enumerate(months):
        for pair in pairs:
            category, region = pair
            until = min(end, period_end)
            share = ((until - start).days + 1) / ((end - start).days + 1)
            lam = share * level[pair] * (1 + 0.1 * math.cos(2 * math.pi * (start.month - 1) / 12))
            if pair == long_pair and m >= last_complete - 3:
                lam *= 2.4
            for _ in range(_poisson(rng, lam)):
                w.add(
                    when=w.moment(start, until),
                    agency=w.district(region),
                    region=region,
                    matter=w.matter(category),
                    applicant=w.person(),
                )

    # The month's patterns.
    for category, region in hotspots:
        for _ in range(25 + rng.randint(0, 8)):
            w.add(
                when=w.moment(period_start, period_end),
                agency=w.district(region),
                region=region,
                matter=w.matter(category),
                applicant=w.person(),
            )
    for _ in range(16):
        w.add(
            when=w.moment(period_start, period_end),
            agency=w.district(new_pair[1]),
            region=new_pair[1],
            matter=w.matter(new_pair[0]),
            applicant=w.person(),
        )
    for _ in range(26):
        w.add(
            when=w.moment(period_start, period_end),
            agency=w.district(social_pair[1]),
            region=social_pair[1],
            matter=w.matter(social_pair[0]),
            applicant=w.person(),
            channel="social",
        )

    # Repeats: the first appeal in the months before, one or two more to the same body in the read month.
    for i in range(14):
        category, region = rng.choice(pairs)
        matter, body = w.matter(category), w.district(region)
        person = w.person(matter, region)
        start = add_months(period_start, -rng.randint(1, 4))
        w.add(
            when=w.moment(start, start + timedelta(days=20)),
            agency=body,
            region=region,
            matter=matter,
            applicant=person,
            answered=i % 2 == 0,
        )
        for again in range(1, 2 + (i % 2)):
            language = "kk" if (i + again) % 3 == 0 else "ru"
            when = w.moment(
                *within(period_start + timedelta(days=(again - 1) * 12), period_start + timedelta(days=again * 12))
            )
            truth["repeat"].add(
                w.add(
                    when=when,
                    agency=body,
                    region=region,
                    matter=matter,
                    applicant=person,
                    again=again,
                    language=language,
                    answered=False,
                )
            )
    # Escalations: the district did not answer; months later the person writes higher on the same matter.
    for i in range(10):
        category, region = rng.choice(pairs)
        matter = w.matter(category)
        person = w.person(matter, region)
        start = add_months(period_start, -rng.randint(1, 3))
        lower = w.add(
            when=w.moment(start, start + timedelta(days=15)),
            agency=w.district(region),
            region=region,
            matter=matter,
            applicant=person,
            answered=False,
        )
        higher = tree.top if i % 3 else tree.regional[region]
        w.add(
            when=w.moment(period_start, period_end),
            agency=higher,
            region=region,
            matter=matter,
            applicant=person,
            again=1 + i % 3,
            answered=False,
            language="ru" if i % 2 else "kk",
        )
        truth["escalation"].add(lower)
    # The same people on unrelated matters: no link may be made.
    for _ in range(20):
        first_category, second_category = rng.sample(NOISE_CATEGORIES, 2)
        region = rng.choice(REGIONS)
        body, first_matter = w.district(region), w.matter(first_category)
        person = w.person(first_matter, region)
        start = add_months(period_start, -rng.randint(1, 5))
        w.add(
            when=w.moment(start, start + timedelta(days=20)),
            agency=body,
            region=region,
            matter=first_matter,
            applicant=person,
        )
        w.add(
            when=w.moment(period_start, period_end),
            agency=rng.choice([body, tree.top]),
            region=region,
            matter=w.matter(second_category),
            applicant=person,
            answered=False,
        )
    # The same people on the same kind of matter at another place (a pothole in their street, then one by their
    # work): the same category, another address, the same formula: no link may be made either. Drawn last, so
    # the patterns above are the same for a seed as before these rows were added.
    for _ in range(6):
        category, region = rng.choice(pairs)
        body, first_matter = w.district(region), w.matter(category)
        person = w.person(first_matter, region)
        start = add_months(period_start, -rng.randint(1, 5))
        w.add(
            when=w.moment(start, start + timedelta(days=20)),
            agency=body,
            region=region,
            matter=first_matter,
            applicant=person,
        )
        second_matter = w.matter(category)
        while second_matter["street"] == first_matter["street"]:
            second_matter = w.matter(category)
        w.add(
            when=w.moment(period_start, period_end),
            agency=rng.choice([body, tree.top]),
            region=region,
            matter=second_matter,
            applicant=person,
            answered=False,
        )

    w.rows.sort(key=lambda r: r["registered_at"])
    return Planted(
        rows=w.rows,
        today=today,
        period_date=min(period_start + timedelta(days=14), period_end),
        period_start=period_start,
        period_end=period_end,
        truth=truth,
    )


def planted_demo(*, out=print) -> Planted:
    """The demo's listening data (seed_demo): the planted year under the demo's Presidential Administration
    ("pa"), its patterns in the current month so far (the dashboard's default period), loaded through the
    history import. `pa.head` then sees a repeat, an escalation over a body's head, a long-standing problem
    and a social-media spike, each a click away from its appeals."""
    from django.utils import timezone

    from ..calendar.workdays import local_today
    from .imports import import_rows

    tree = planted_tree("lst", top=Agency.objects.get(code="pa"))
    planted = planted_rows(tree, seed=2026, today=local_today(), now=timezone.now(), current=True, prefix="lst")
    report = import_rows(planted.rows)
    out(
        f"  listening: {report.created} appeals over a year under the Presidential Administration "
        f"({report.repeats} repeats, {report.escalations} escalations linked)"
    )
    return planted
