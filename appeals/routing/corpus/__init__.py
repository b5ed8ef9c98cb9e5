"""A labelled corpus of citizens' appeals over the demo's categories, in Russian and Kazakh.

`situations.txt` holds 659 situations written by hand the way citizens write (colloquial,
often without the word a keyword list would look for, some ambiguous between two categories,
about 40 % in Kazakh; 320 of them added later, by another hand, as more of the wordings a history
holds). Each situation is rendered twice with a seeded random generator: once as written
(sometimes cut to its first clause, as a short appeal), once wrapped in a greeting, an address
and a closing and made noisier (typos, no capitals or punctuation, Kazakh typed with Russian
look-alike letters, a Russian phrase in a Kazakh appeal). The frames are the same for every
category, so they carry no label.

Two measures, both honest, of different things:
- split by situation: every fourth situation of a category is held out with both its renderings,
  so the test texts describe matters the model never saw in training in any words (the hard case);
- `new_appeals()`: `new_appeals.txt`, about 170 appeals written separately (other citizens' words about
  the kinds of matters the corpus holds, as a deployment's history holds them), rendered the same
  way, measured against a model trained on the whole corpus (the everyday case).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

SITUATIONS = Path(__file__).with_name("situations.txt")
NEW_APPEALS = Path(__file__).with_name("new_appeals.txt")

RU_OPENERS = [
    "Здравствуйте.",
    "Добрый день!",
    "Уважаемый аким!",
    "Обращаюсь к вам уже не первый раз.",
    "Пишу от имени жильцов нашего дома.",
    "Помогите пожалуйста!",
    "Я пенсионерка, живу одна.",
    "Здравствуйте, у меня такая проблема.",
    "Доброго времени суток",
    "Уважаемые госорганы,",
]
RU_PLACES = [
    "Живу по адресу ул. Жамбыла 14, кв 27.",
    "Адрес: мкр Самал-3, дом 8.",
    "с. Байет, ул. Школьная.",
    "г. Экибастуз, 5 микрорайон.",
    "Астана, район Есиль, ЖК Нурсая.",
    "Павлодар, ул. Торайгырова 60.",
    "пр. Республики 22",
    "",
]
RU_CLOSERS = [
    "Прошу принять меры.",
    "Сколько можно терпеть?!",
    "Прошу разобраться и ответить письменно.",
    "Надеюсь на вашу помощь.",
    "Жаловались уже много раз, толку ноль.",
    "Примите меры пожалуйста!!!",
    "Заранее спасибо.",
    "Если не решите, буду писать выше.",
]
KK_OPENERS = [
    "Сәлеметсіз бе!",
    "Құрметті әкім!",
    "Қайырлы күн.",
    "Көмектесіңіздерші!",
    "Зейнеткермін, жалғыз тұрамын.",
    "Ассалаумағалейкум.",
    "Үйдің тұрғындары атынан жазып отырмын.",
    "Сәлеметсіздер ме, мынадай мәселе бар.",
]
KK_PLACES = [
    "Мекенжайым: Жамбыл көшесі 14, 27 пәтер.",
    "Байет ауылы, Мектеп көшесі.",
    "Екібастұз қаласы, 5 шағын аудан.",
    "Астана, Есіл ауданы.",
    "Павлодар қаласы, Торайғыров көшесі 60.",
    "",
]
KK_CLOSERS = [
    "Шара қолдануды сұраймын.",
    "Көмектесулеріңізді сұраймыз.",
    "Қашанға дейін шыдаймыз?",
    "Жазбаша жауап беруіңізді сұраймын.",
    "Бірнеше рет айттық, нәтиже жоқ.",
    "Прошу разобраться.",  # Russian phrases in Kazakh appeals are common
    "Рахмет.",
]
_KK_TYPED_RUSSIAN = str.maketrans(
    {"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х"}
    | {"Ә": "А", "Ғ": "Г", "Қ": "К", "Ң": "Н", "Ө": "О", "Ұ": "У", "Ү": "У", "Һ": "Х"}
)


@dataclass(frozen=True)
class Item:
    text: str
    category: str
    language: str
    situation: int  # index of the situation in the file: both renderings share it
    also: str  # the other category a reader might pick ("" if none)
    split: str  # "train" or "test"


def situations(path: Path = SITUATIONS) -> list[tuple[str, str, str, str]]:
    """(category, language, also, text) for each line of situations.txt (or another file of its format)."""
    found = []
    category = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("=="):
            category = line.strip("= ").strip()
            continue
        head, text = line.split(":", 1)
        language, _sep, also = head.partition("~")
        found.append((category, language.strip(), also.strip(), text.strip()))
    return found


def _typos(rng: random.Random, text: str, rate: float) -> str:
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) < 4 or rng.random() >= rate:
            continue
        j = rng.randrange(1, len(word) - 1)
        kind = rng.random()
        if kind < 0.4:  # a letter dropped
            word = word[:j] + word[j + 1 :]
        elif kind < 0.75:  # two letters swapped
            word = word[: j - 1] + word[j] + word[j - 1] + word[j + 1 :]
        else:  # a letter doubled
            word = word[:j] + word[j] + word[j:]
        words[i] = word
    return " ".join(words)


def _sloppy(rng: random.Random, text: str) -> str:
    if rng.random() < 0.5:
        text = text.lower()
    if rng.random() < 0.4:
        text = "".join(c for c in text if c.isalnum() or c.isspace())
    return text


def render(index: int, category: str, language: str, text: str) -> tuple[str, str]:
    """The two renderings of a situation: as written (or its first clause), and framed and noisy."""
    rng = random.Random(f"{index}:{category}")  # noqa: S311 - a fixed corpus, not security
    plain = text
    if "," in text and rng.random() < 0.35:
        plain = text.split(",", 1)[0]
    plain = _typos(rng, plain, 0.04)
    if language == "kk" and rng.random() < 0.3:
        plain = plain.translate(_KK_TYPED_RUSSIAN)

    openers, places, closers = (
        (KK_OPENERS, KK_PLACES, KK_CLOSERS)
        if language == "kk"
        else (
            RU_OPENERS,
            RU_PLACES,
            RU_CLOSERS,
        )
    )
    body = text[0].upper() + text[1:] + "."
    parts = [rng.choice(openers) if rng.random() < 0.7 else "", rng.choice(places), body]
    if rng.random() < 0.7:
        parts.append(rng.choice(closers))
    framed = " ".join(p for p in parts if p)
    framed = _sloppy(rng, _typos(rng, framed, 0.08))
    if language == "kk" and rng.random() < 0.6:
        framed = framed.translate(_KK_TYPED_RUSSIAN)
        if rng.random() < 0.5:
            framed = framed.replace("і", "i")  # the Latin i
    return plain, framed


def corpus() -> list[Item]:
    items = []
    per_category: dict[str, int] = {}
    for index, (category, language, also, text) in enumerate(situations()):
        position = per_category.get(category, 0)
        per_category[category] = position + 1
        split = "test" if position % 4 == 3 else "train"
        for rendering in render(index, category, language, text):
            items.append(
                Item(text=rendering, category=category, language=language, situation=index, also=also, split=split)
            )
    return items


def new_appeals() -> list[Item]:
    """The appeals of new_appeals.txt, rendered as the corpus is (split "new"): other citizens' words about
    the kinds of matters the corpus holds. For measuring a model trained on the whole corpus."""
    items = []
    for index, (category, language, also, text) in enumerate(situations(NEW_APPEALS), start=10_000):
        for rendering in render(index, category, language, text):
            items.append(
                Item(text=rendering, category=category, language=language, situation=index, also=also, split="new")
            )
    return items
