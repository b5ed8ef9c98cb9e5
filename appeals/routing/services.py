"""Training routing models and routing appeals automatically."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from agencies.models import Agency, Category

from ..models import Appeal, Integration, RouterModel
from ..models.choices import AppealStatus
from . import learn
from .selectors import routing_suggest

# Finished on the merits, in the body that answered: their category is the final one after any
# redirects (a redirected appeal ends REDIRECTED; its successor carries the category it ended in).
FINISHED = (AppealStatus.ANSWERED, AppealStatus.CLOSED)
HELD_OUT_SHARE = 5  # one appeal in five is held out for the evaluation
MIN_HISTORY = 20


class NotEnoughHistory(Exception):
    pass


def _held_out(key: int | str) -> bool:
    """A stable split: the same appeal is always on the same side, whatever the order of the query."""
    return zlib.crc32(str(key).encode()) % HELD_OUT_SHARE == 0


def appeal_text(subject: str, text: str) -> str:
    return f"{subject}\n{text}".strip()


def router_train_from(
    rows: list[tuple[str, str, str]], *, source: str, out: Callable[[str], None] = lambda _s: None
) -> RouterModel:
    """Train on (key, text, category code) rows, evaluate on the held-out fifth, store a new version.

    The stored model is the one evaluated (trained on four fifths): its figures are its own.
    """
    if len(rows) < MIN_HISTORY:
        raise NotEnoughHistory(f"{len(rows)} appeals; at least {MIN_HISTORY} are needed")
    jobs = max(1, int(getattr(settings, "ROUTER_TRAIN_JOBS", 1)))
    train_texts, train_labels, test_texts, test_labels = [], [], [], []
    for key, text, label in rows:
        if _held_out(key):
            test_texts.append(text)
            test_labels.append(label)
        else:
            train_texts.append(text)
            train_labels.append(label)
    started = time.perf_counter()
    router = learn.fit(train_texts, train_labels, n_jobs=jobs)
    seconds = time.perf_counter() - started
    out(f"trained on {len(train_texts)} appeals in {seconds:.1f} s ({jobs} processes); held out {len(test_texts)}")
    evaluation = learn.evaluate(router, test_texts, test_labels, n_jobs=jobs)
    out(f"held-out top-1 {evaluation.top1:.1%}, top-3 {evaluation.top3:.1%} (evaluated in {evaluation.seconds:.1f} s)")
    if evaluation.size:
        out(evaluation.table())
    return _router_store(router=router, source=source, history=len(rows), evaluation=evaluation, seconds=seconds)


@transaction.atomic
def _router_store(*, router: learn.Router, source: str, history: int, evaluation, seconds: float) -> RouterModel:
    version = (RouterModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    return RouterModel.objects.create(
        version=version,
        trained_at=timezone.now(),
        source=source,
        history_size=history,
        held_out_size=evaluation.size,
        top1=evaluation.top1,
        top3=evaluation.top3,
        training_seconds=seconds,
        labels=router.labels,
        data=router.dumps(),
    )


def router_history(limit: int | None = None) -> list[tuple[str, str, str]]:
    """(registration number, subject and text, final category code) of the finished appeals, newest first.

    The number, not the database id, decides the held-out side: the same history splits the same way on any
    database, whatever ids its sequences gave (ties on the date broken by the number, so the limit is stable too).
    """
    rows = (
        Appeal.objects.filter(status__in=FINISHED, category__isnull=False, category__is_active=True)
        .order_by("-registered_at", "number")
        .values_list("number", "subject", "text", "category__code")
    )
    if limit:
        rows = rows[:limit]
    return [
        (number, appeal_text(subject, text), code) for number, subject, text, code in rows.iterator(chunk_size=20_000)
    ]


def router_train(*, limit: int | None = None, out: Callable[[str], None] = lambda _s: None) -> RouterModel:
    """Train a new version from this deployment's newest finished appeals (their final category).

    At most `limit` (default: the ROUTER_TRAIN_LIMIT setting; 0: all) appeals: the training time grows
    linearly with the history (a million: about 7–11 minutes of CPU, split over two processes; BENCHMARKS.md).
    """
    if limit is None:
        limit = int(getattr(settings, "ROUTER_TRAIN_LIMIT", 0)) or None
    return router_train_from(router_history(limit), source="history", out=out)


def router_train_corpus(*, out: Callable[[str], None] = lambda _s: None) -> RouterModel:
    """Train a new version from the bundled corpus (the demo's history of citizens' texts)."""
    from .corpus import corpus

    return router_train_from(
        [(str(item.situation), item.text, item.category) for item in corpus()], source="corpus", out=out
    )


@dataclass(frozen=True)
class AutoRoute:
    """A routing decision the model made alone: recorded in the appeal's `registered` event."""

    category: Category
    agency: Agency
    version: int
    score: float

    def payload(self) -> dict:
        return {
            "model": self.version,
            "score": round(self.score, 4),
            "category": self.category.code,
            "agency": self.agency.pk,
        }


def intake_auto_route(*, integration: Integration | None, subject: str, text: str, region: str) -> AutoRoute | None:
    """The category and body for an appeal an integration sent without either, when the integration opted in
    (`auto_route_threshold`) and the model is at least that sure of a category that routes somewhere."""
    threshold = integration.auto_route_threshold if integration is not None else None
    if threshold is None:
        return None
    version, suggestions = routing_suggest(text=appeal_text(subject, text), region=region, k=1)
    if not suggestions or version is None:
        return None
    best = suggestions[0]
    if best.probability < threshold or best.agency is None:
        return None
    return AutoRoute(category=best.category, agency=best.agency, version=version, score=best.probability)
