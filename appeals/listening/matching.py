"""Matter matching: the one place that decides whether two appeals of one applicant are about the same matter.

An appeal arriving by any intake path (the API, a batch, Open311, the registrar's form, the history
import) is compared, after its registration commits, with the same applicant's earlier appeals in a
window (APPEAL_POLICY["MATCH_WINDOW_MONTHS"]). The applicant is recognised by `Appeal.applicant_key`:
the IIN, else the BIN, else the normalised phone, else the email (see `applicant_key`).

Two appeals are about the same matter (DOMAIN.md) when they share their category and their address (the
street and house named in the text, else the applicant's postal address: `addresses`), which holds across
languages (a repeat rewritten in Kazakh shares little else with the Russian original); or when their subject
and text are similar (a score from 0 to 1, see `matter_similarity`) at least MATCH_MIN_SIMILARITY, or at least
MATCH_SAME_CATEGORY_MIN_SIMILARITY within one category (a same-category appeal about another matter of the
same person, e.g. heating then a water meter, stays unlinked). Two different addresses named in the texts are
two matters however alike the wording. The similarity leaves out formulaic words (BOILERPLATE: "прошу",
"сұраймын", "повторно", "жауап әлі жоқ", the words of an address), so two Kazakh appeals written in the same
formula about different matters no longer look alike. Then, by where each one went:

- **escalation**: the new appeal is addressed to a body above the earlier one's (a strict ancestor in
  the agency tree, or the President's Administration): `escalated_from` is set;
- **repeat**: it is addressed to the same body or to one of its subtree: `repeat_of` is set. A repeat
  to the body is not also an escalation over the head of the body it redirected the appeal to;
- a body in another branch of the tree: no link.

Text is compared in Python over the few candidate appeals of one applicant (character trigrams as
PostgreSQL's pg_trgm makes them, and word stems), so SQLite and PostgreSQL decide alike; the SQL is two
plain reads per batch of appeals (the batch, then its applicants' appeals through the appeal_applicant_key
index), written once (`_sql`) rather than compiled by the ORM on every intake. Kazakh and Russian are normalised first
(lower case, ё→е, the Kazakh letters folded onto their Russian look-alikes, DOMAIN.md).

Every automatic link writes one AppealEvent (LINKED_REPEAT / LINKED_ESCALATION) in the transaction
of the link. Matching is idempotent: a link already set is kept, and a link that a person undid
(an UNLINKED_* event on the appeal) is never made again automatically.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agencies.choices import AgencyKind
from agencies.models import Agency

from ..calendar import policy
from ..models import Appeal, AppealEvent
from ..models.choices import EventKind

REPEAT = "repeat"
ESCALATION = "escalation"
LINK_EVENTS = {REPEAT: EventKind.LINKED_REPEAT, ESCALATION: EventKind.LINKED_ESCALATION}
UNLINK_EVENTS = {REPEAT: EventKind.UNLINKED_REPEAT, ESCALATION: EventKind.UNLINKED_ESCALATION}

LINK_FIELDS = {REPEAT: "repeat_of", ESCALATION: "escalated_from"}

# How much of a long text is compared (the start of an appeal states its matter).
TEXT_PREFIX = 1500
# Appeals matched per read of candidates (the import's batches).
MATCH_BATCH = 2000


# --- Text --------------------------------------------------------------------------------------------------
_FOLD = str.maketrans(
    {
        "ё": "е",
        "ә": "а",
        "ғ": "г",
        "қ": "к",
        "ң": "н",
        "ө": "о",
        "ұ": "у",
        "ү": "у",
        "һ": "х",
        "і": "и",
        "i": "и",  # the Latin i typed for і
    }
)
_NOT_LETTER = re.compile(r"[\W\d_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case, ё→е, Kazakh letters folded onto their Russian look-alikes, words separated by one space."""
    return _NOT_LETTER.sub(" ", text.lower().translate(_FOLD)).strip()


# Formulaic words of appeals in both languages (normalised): requests, politeness, "again", "no answer", and the
# words of an address (the address is compared on its own, `addresses`). They say nothing about the matter, so
# two appeals on different matters written in the same formula must not look alike because of them.
def _words(text: str) -> frozenset[str]:
    """A word list written as one string, normalised as the texts are."""
    return frozenset(normalise(word) for word in text.split())


BOILERPLATE = _words(
    """
    прошу просим просьба прошу прошим требую требуем обращаюсь обращаемся обращался обращалась обращение обращения
    повторно повторное опять снова вновь ранее уже писал писала писали ответа ответ ответили до сих пор нет не
    ничего сделано решена решен решено проблема проблему вопрос меры принять наконец срочно пожалуйста уважаемый
    уважаемые здравствуйте спасибо заранее также который которая этого этом этой это очень из за для при от как
    улица улице улицы улицу ул проспект проспекте пр дом дома доме домом д возле около рядом адресу адрес город
    района район село мкр микрорайон квартира кв
    сұраймын сұраймыз сұрайды өтінемін өтінеміз өтініш өтінішім қайта қайталап жазып отырмын жазғанмын жазған бұрын
    бұл туралы жауап әлі жоқ мәселе мәселесі шешілмеді шешілген шара қабылдау құрметті сәлеметсіз рахмет және мен
    біз сіз осы сол үшін бойынша көше көшесі көшесінде көшесіндегі көшедегі үй үйде үйдің үйге үйдегі жанында маңында
    қала қаласы аудан ауданы ауыл ауылы пәтер пәтерде мекенжай
    """
)


def content(normalised: str) -> str:
    """The normalised text without formulaic words (BOILERPLATE)."""
    return " ".join(word for word in normalised.split() if word not in BOILERPLATE)


def trigrams(normalised: str) -> frozenset[str]:
    """The character trigrams of each word, padded as pg_trgm pads them (two spaces before, one after)."""
    grams: set[str] = set()
    for word in normalised.split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def stems(normalised: str) -> frozenset[str]:
    """Crude stems of the words that carry meaning: the first five letters of words of four letters or more.

    Both languages inflect at the end of the word (отопления / отопление, жолды / жолдың), so the start of
    a word survives rewording; short words (prepositions, particles) are left out.
    """
    return frozenset(word[:5] for word in normalised.split() if len(word) >= 4)


# --- Addresses -----------------------------------------------------------------------------------------------
# A street is named after a Russian marker (улица Абая, ул. Абая, по адресу Абая 12) and before a Kazakh one
# (Абай көшесі, Абай даңғылы); a house number follows "дом"/"д." or the street name, or precedes "үй" (12 үйде).
_STREET_AFTER = _words(
    "ул улица улице улицы улицу улицей пр проспект проспекте проспекта проспекту бульвар бульваре переулок "
    "переулке пер мкр микрорайон микрорайоне микрорайона адресу"
)
_STREET_BEFORE = ("коше", "дангыл", "шагын")  # көше…, даңғыл…, шағын аудан (folded)
_HOUSE_AFTER = _words("дом дома доме домом домов д здание здания")
_HOUSE_BEFORE = ("уй",)  # үй, үйде, үйдің… (folded)
_FLAT = _words("кв квартира квартире квартиры пәтер пәтерде офис")
# Words next to a street name that are not its name: titles and the words of a sentence.
_NOT_NAME = BOILERPLATE | _words("батыр батыра би хан хана на по в у к и с жолы")
_TOKEN = re.compile(r"\d+|[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Address:
    streets: frozenset[str]  # the words of the street names (normalised)
    houses: frozenset[str]  # house numbers

    def __bool__(self) -> bool:
        return bool(self.streets and self.houses)


NO_ADDRESS = Address(frozenset(), frozenset())


def _name_words(words: list[str]) -> list[str]:
    return [w for w in words if not w.isdigit() and w not in _NOT_NAME and len(w) >= 3]


def addresses(text: str) -> Address:
    """The street names and house numbers a text mentions (NO_ADDRESS if it names no street with a house)."""
    tokens = _TOKEN.findall(text.lower().translate(_FOLD))
    streets: set[str] = set()
    houses: set[str] = set()
    near_street: set[int] = set()
    for i, token in enumerate(tokens):
        if token in _STREET_AFTER:
            name = []
            for word in tokens[i + 1 : i + 3]:
                if word.isdigit() or word in _HOUSE_AFTER:
                    break
                name.append(word)
            streets.update(_name_words(name))
            near_street.update(range(i + 1, i + 6))
        elif token.startswith(_STREET_BEFORE):
            name = []
            for word in reversed(tokens[max(0, i - 2) : i]):
                if word.isdigit():
                    break
                name.append(word)
            streets.update(_name_words(name))
            near_street.update(range(i + 1, i + 3))
    for i, token in enumerate(tokens):
        if not token.isdigit() or len(token) > 4 or (i and tokens[i - 1] in _FLAT):
            continue
        after_house = any(t in _HOUSE_AFTER for t in tokens[max(0, i - 2) : i])
        before_house = i + 1 < len(tokens) and tokens[i + 1].startswith(_HOUSE_BEFORE)
        if after_house or before_house or i in near_street:
            houses.add(token.lstrip("0") or "0")
    return Address(frozenset(streets), frozenset(houses))


def postal_address(text: str) -> Address:
    """A postal address field ("Павлодар, Абая 12", "г. Павлодар, ул. Абая, д. 12, кв. 5"): everything in it is
    an address, so without markers its words are taken as the street and its first number as the house."""
    found = addresses(text)
    if found:
        return found
    tokens = _TOKEN.findall(text.lower().translate(_FOLD))
    numbers = [t for i, t in enumerate(tokens) if t.isdigit() and len(t) <= 4 and not (i and tokens[i - 1] in _FLAT)]
    return Address(frozenset(_name_words(tokens)), frozenset(numbers[:1]))


def _same_street_word(a: str, b: str) -> bool:
    """Inflected forms of one name (Абая / Абай, Сатпаева / Сатпаев): a common start of at least 3 letters and
    all but the last letter of the shorter word (or 5 letters)."""
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= 3 and common >= min(5, min(len(a), len(b)) - 1)


def same_address(a: Address, b: Address) -> bool:
    if not (a and b) or not (a.houses & b.houses):
        return False
    return any(_same_street_word(x, y) for x in a.streets for y in b.streets)


@dataclass(frozen=True)
class Features:
    grams: frozenset[str]
    stems: frozenset[str]
    address: Address = NO_ADDRESS  # from the text, else from the applicant's postal address


def features(subject: str, text: str, postal: str = "") -> Features:
    raw = f"{subject} {text[:TEXT_PREFIX]}"
    address = addresses(raw) or (postal_address(postal) if postal else NO_ADDRESS)
    normalised = content(normalise(raw))
    return Features(trigrams(normalised), stems(normalised), address)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def matter_similarity(a: Features, b: Features) -> float:
    """How alike two appeals' subject and text are, from 0 to 1: the better of trigram Jaccard and stem Dice."""
    return round(max(_jaccard(a.grams, b.grams), _dice(a.stems, b.stems)), 3)


def same_matter(*, a: Features, b: Features, similarity: float, same_category: bool) -> bool:
    """DOMAIN.md: the same category and address, or a similar subject and text. Two different addresses named
    in the texts are two matters however alike the wording (potholes on one street, then on another)."""
    if a.address and b.address:
        if same_address(a.address, b.address):
            return same_category or similarity >= float(policy.policy("MATCH_SAME_CATEGORY_MIN_SIMILARITY"))
        return False
    if similarity >= float(policy.policy("MATCH_MIN_SIMILARITY")):
        return True
    return same_category and similarity >= float(policy.policy("MATCH_SAME_CATEGORY_MIN_SIMILARITY"))


# --- The applicant ----------------------------------------------------------------------------------------
def normalise_phone(phone: str) -> str:
    """The ten national digits of a Kazakh number (+7 701 123-45-67, 8 701 1234567 -> 7011234567)."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    return digits if len(digits) >= 7 else ""


def applicant_key(*, iin: str = "", bin: str = "", phone: str = "", email: str = "") -> str:  # noqa: A002
    """Who the applicant is, for matching: the IIN, else the BIN, else the phone, else the email ("" if none)."""
    if iin and iin.strip():
        return f"iin:{iin.strip()}"
    if bin and bin.strip():
        return f"bin:{bin.strip()}"
    digits = normalise_phone(phone)
    if digits:
        return f"tel:{digits}"
    if email and email.strip():
        return f"email:{email.strip().lower()}"
    return ""


# --- The agency tree -------------------------------------------------------------------------------------
def relation(*, new_path: str, new_kind: str, earlier_path: str, earlier_kind: str) -> str | None:
    """REPEAT, ESCALATION or None (another branch of the tree) for a new appeal's body against an earlier one's."""
    if new_path == earlier_path or new_path.startswith(earlier_path):
        return REPEAT  # the same body, or one in its subtree
    if earlier_path.startswith(new_path):
        return ESCALATION  # a strict ancestor
    if new_kind == AgencyKind.ADMINISTRATION and earlier_kind != AgencyKind.ADMINISTRATION:
        return ESCALATION
    return None


window_start = policy.matter_window_start


# --- The engine ------------------------------------------------------------------------------------------
@dataclass
class _Row:
    pk: int
    number: str
    key: str
    registered_at: datetime
    category_id: int | None
    path: str
    kind: str
    subject: str
    text: str
    repeat_of_id: int | None = None
    escalated_from_id: int | None = None
    address: str = ""
    _features: Features | None = None

    @property
    def features(self) -> Features:
        if self._features is None:
            self._features = features(self.subject, self.text, self.address)
        return self._features


def _aware(value) -> datetime:
    """A datetime read by raw SQL: aware from PostgreSQL; from SQLite, text in UTC (as Django stores it there)."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
    return parse_datetime(value).replace(tzinfo=UTC)


def _row(columns) -> _Row:
    pk, number, key, at, category, path, kind, subject, text, repeat_of, escalated_from, address = columns
    return _Row(
        pk, number, key, _aware(at), category, path, kind, subject, text or "", repeat_of, escalated_from, address or ""
    )


@lru_cache(maxsize=1)
def _sql() -> tuple[str, str]:
    """The two readings of a batch, in plain SQL (no ORM query to compile on every intake): the batch's appeals
    with whether a person undid each kind of link on them, and their applicants' appeals in a span of
    registration dates. Identifiers come from the models; every value is a parameter."""
    q = connection.ops.quote_name
    appeal, agency, event = (q(m._meta.db_table) for m in (Appeal, Agency, AppealEvent))
    f = {name: q(Appeal._meta.get_field(name).column) for name in _FIELDS}
    e_appeal, e_kind = q(AppealEvent._meta.get_field("appeal").column), q(AppealEvent._meta.get_field("kind").column)
    columns = ", ".join(
        [f"a.{f['id']}", f"a.{f['number']}", f"a.{f['applicant_key']}", f"a.{f['registered_at']}",
         f"a.{f['category']}", f"g.{q('path')}", f"g.{q('kind')}", f"a.{f['subject']}",
         f"SUBSTR(a.{f['text']}, 1, {TEXT_PREFIX})", f"a.{f['repeat_of']}", f"a.{f['escalated_from']}",
         f"a.{f['applicant_address']}"]
    )  # fmt: skip
    source = f"FROM {appeal} a INNER JOIN {agency} g ON g.{q('id')} = a.{f['agency']}"
    undone = f"EXISTS (SELECT 1 FROM {event} e WHERE e.{e_appeal} = a.{f['id']} AND e.{e_kind} = %s)"  # noqa: S608
    batch = (
        f"SELECT {columns}, {undone}, {undone} {source} "
        f"WHERE a.{f['id']} IN ({{ids}}) AND a.{f['applicant_key']} <> '' "
        f"ORDER BY a.{f['registered_at']}, a.{f['id']}"
    )
    history = (
        # "<> ''" spelt out: PostgreSQL proves a partial index's condition from an IN list of 100 values at most.
        f"SELECT {columns} {source} WHERE a.{f['applicant_key']} IN ({{keys}}) AND a.{f['applicant_key']} <> '' "  # noqa: S608
        f"AND a.{f['registered_at']} >= %s AND a.{f['registered_at']} <= %s"
    )
    return batch, history


_FIELDS = (
    "id", "number", "applicant_key", "registered_at", "category", "subject", "text", "repeat_of", "escalated_from",
    "applicant_address", "agency",
)  # fmt: skip


def _read(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


@dataclass(frozen=True)
class Match:
    appeal_id: int
    kind: str  # REPEAT or ESCALATION
    earlier_id: int
    earlier_number: str
    score: float


@dataclass
class MatchReport:
    checked: int = 0
    linked: list[Match] = field(default_factory=list)

    @property
    def repeats(self) -> int:
        return sum(1 for m in self.linked if m.kind == REPEAT)

    @property
    def escalations(self) -> int:
        return sum(1 for m in self.linked if m.kind == ESCALATION)


def _best(appeal: _Row, candidates: list[_Row]) -> dict[str, tuple[_Row, float]]:
    """The most recent earlier appeal on the same matter for each relation (a repeat rules out an escalation)."""
    start = window_start(appeal.registered_at)
    best: dict[str, tuple[_Row, float]] = {}
    for earlier in candidates:
        if earlier.pk == appeal.pk or not (start <= earlier.registered_at <= appeal.registered_at):
            continue
        if earlier.registered_at == appeal.registered_at and earlier.pk > appeal.pk:
            continue
        how = relation(new_path=appeal.path, new_kind=appeal.kind, earlier_path=earlier.path, earlier_kind=earlier.kind)
        if how is None:
            continue
        score = matter_similarity(appeal.features, earlier.features)
        same_category = appeal.category_id is not None and appeal.category_id == earlier.category_id
        if not same_matter(a=appeal.features, b=earlier.features, similarity=score, same_category=same_category):
            continue
        current = best.get(how)
        if current is None or (earlier.registered_at, earlier.pk) > (current[0].registered_at, current[0].pk):
            best[how] = (earlier, score)
    if REPEAT in best:
        best.pop(ESCALATION, None)
    return best


def appeals_match(*, appeal_ids: Iterable[int]) -> MatchReport:
    """Link each of these appeals to the earlier appeal of its applicant on the same matter, if any.

    A constant number of queries per MATCH_BATCH appeals (plus one update and one event per link);
    the appeals are matched in registration order. Safe to run twice.
    """
    report = MatchReport()
    ids = list(dict.fromkeys(appeal_ids))
    for start in range(0, len(ids), MATCH_BATCH):
        _match_batch(ids[start : start + MATCH_BATCH], report)
    return report


def _match_batch(ids: list[int], report: MatchReport) -> None:
    """Two queries, whatever the number of appeals in the batch (raw SQL: see _sql)."""
    batch_sql, history_sql = _sql()
    appeals: list[_Row] = []
    undone: set[tuple[int, str]] = set()
    rows = _read(
        batch_sql.format(ids=_placeholders(len(ids))),
        [UNLINK_EVENTS[REPEAT], UNLINK_EVENTS[ESCALATION], *ids],
    )
    for *columns, undone_repeat, undone_escalation in rows:
        row = _row(columns)
        if row.repeat_of_id is not None and row.escalated_from_id is not None:
            continue
        appeals.append(row)
        if undone_repeat:
            undone.add((row.pk, REPEAT))
        if undone_escalation:
            undone.add((row.pk, ESCALATION))
    report.checked += len(appeals)
    if not appeals:
        return
    keys = sorted({a.key for a in appeals})
    earliest = min(window_start(a.registered_at) for a in appeals)
    latest = max(a.registered_at for a in appeals)
    by_key: dict[str, list[_Row]] = defaultdict(list)
    for columns in _read(history_sql.format(keys=_placeholders(len(keys))), [*keys, earliest, latest]):
        row = _row(columns)
        by_key[row.key].append(row)
    for appeal in appeals:
        for how, (earlier, score) in _best(appeal, by_key[appeal.key]).items():
            if (appeal.pk, how) in undone or getattr(appeal, f"{LINK_FIELDS[how]}_id") is not None:
                continue
            if _link(appeal_id=appeal.pk, kind=how, earlier_id=earlier.pk, earlier_number=earlier.number, score=score):
                report.linked.append(Match(appeal.pk, how, earlier.pk, earlier.number, score))


@transaction.atomic
def _link(*, appeal_id: int, kind: str, earlier_id: int, earlier_number: str, score: float) -> bool:
    """Set the link if it is still unset (a conditional update), with its one audit event."""
    name = LINK_FIELDS[kind]
    changes = {f"{name}_id": earlier_id, "updated_at": timezone.now()}
    if kind == REPEAT:
        changes["is_repeated"] = True
    if Appeal.objects.filter(pk=appeal_id, **{f"{name}__isnull": True}).update(**changes) != 1:
        return False
    AppealEvent.objects.create(
        appeal_id=appeal_id,
        actor=None,
        kind=LINK_EVENTS[kind],
        payload={"earlier": earlier_number, "earlier_id": earlier_id, "score": score, "automatic": True},
    )
    return True
