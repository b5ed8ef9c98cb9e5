"""Reading the routing model: the current version, cached per process, and suggestions from it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from agencies.models import Agency, Category
from agencies.selectors import category_routes

from ..models import AppealEvent, RouterModel
from ..models.choices import EventKind
from .learn import Router

# The loaded model of this process, keyed by version: a new version is loaded once, on first use.
_loaded: dict[str, object] = {"version": None, "router": None}
_lock = threading.Lock()
MIN_TEXT = 3  # fewer letters than this: nothing to read yet


@dataclass(frozen=True)
class Suggestion:
    category: Category
    probability: float
    agency: Agency | None  # the body the category routes to in the region (None: no route)

    @property
    def percent(self) -> int:
        return round(self.probability * 100)


def router_current() -> tuple[int, Router] | None:
    """(version, model) of the newest trained model, or None when none was trained. One query."""
    newest = RouterModel.objects.order_by("-version").values_list("version", "trained_at").first()
    if newest is None:
        return None
    # keyed by version and training time: a database rebuilt from scratch numbers its versions from 1 again
    if _loaded["version"] != newest:
        with _lock:
            if _loaded["version"] != newest:
                data = RouterModel.objects.filter(version=newest[0]).values_list("data", flat=True).first()
                _loaded["router"] = Router.loads(data)
                _loaded["version"] = newest
    return newest[0], _loaded["router"]  # type: ignore[return-value]


def routing_suggest(*, text: str, region: str = "", k: int = 3) -> tuple[int | None, list[Suggestion]]:
    """The model's version and its k most probable categories for the text, with the body each routes
    to in the region. (None, []) without a model or without text. A constant three queries."""
    if sum(c.isalpha() for c in text or "") < MIN_TEXT:
        return None, []
    current = router_current()
    if current is None:
        return None, []
    version, router = current
    ranked = router.top(text, k=k)
    categories = Category.objects.filter(code__in=[code for code, _p in ranked], is_active=True).in_bulk(
        field_name="code"
    )
    present = [(categories[code], p) for code, p in ranked if code in categories]
    routes = category_routes([(category, region) for category, _p in present])
    return version, [
        Suggestion(category=category, probability=p, agency=routes[(category.pk, region)]) for category, p in present
    ]


def routing_models() -> list[RouterModel]:
    """The trained models, newest first, without their bytes."""
    return list(RouterModel.objects.defer("data").order_by("-version"))


@dataclass
class EffectRow:
    agency: Agency
    redirects_before: int
    redirects_after: int
    registered_before: int
    registered_after: int

    @staticmethod
    def _per_100(redirects: int, registered: int) -> float | None:
        return round(100 * redirects / registered, 1) if registered else None

    @property
    def rate_before(self) -> float | None:
        return self._per_100(self.redirects_before, self.registered_before)

    @property
    def rate_after(self) -> float | None:
        return self._per_100(self.redirects_after, self.registered_after)


def routing_effect(*, root: Agency, now=None, max_days: int = 90) -> dict | None:
    """What routing from the text changed in `root`'s subtree, or None before the first model.

    Per body: appeals redirected elsewhere (each redirect means the first routing was wrong) and appeals
    registered, in equal windows before and after the first model went live (at most `max_days` each);
    and how often registrars shown suggestions chose the first one. A constant five queries.
    """
    live_at = RouterModel.objects.order_by("version").values_list("trained_at", flat=True).first()
    if live_at is None:
        return None
    now = now or timezone.now()
    window = min(now - live_at, timedelta(days=max_days))
    start = live_at - window
    events = AppealEvent.objects.filter(
        appeal__agency__path__startswith=root.path,
        kind__in=[EventKind.REDIRECTED, EventKind.REGISTERED],
        created_at__gte=start,
        created_at__lt=now,
    )

    def counted(kind, before):
        period = Q(created_at__lt=live_at) if before else Q(created_at__gte=live_at)
        return Count("pk", filter=Q(kind=kind) & period)

    counts = (
        events.values("appeal__agency_id")
        .annotate(
            rb=counted(EventKind.REDIRECTED, True),
            ra=counted(EventKind.REDIRECTED, False),
            gb=counted(EventKind.REGISTERED, True),
            ga=counted(EventKind.REGISTERED, False),
        )
        .order_by()
    )
    counts = {row["appeal__agency_id"]: row for row in counts}
    agencies = Agency.objects.in_bulk(list(counts))
    rows = [
        EffectRow(
            agency=agencies[pk],
            redirects_before=row["rb"],
            redirects_after=row["ra"],
            registered_before=row["gb"],
            registered_after=row["ga"],
        )
        for pk, row in counts.items()
        if pk in agencies and (row["rb"] or row["ra"])
    ]
    rows.sort(key=lambda r: (-(r.redirects_before + r.redirects_after), r.agency.path))
    shown = events.filter(kind=EventKind.REGISTERED, payload__has_key="suggestion").aggregate(
        shown=Count("pk"), accepted=Count("pk", filter=Q(payload__suggestion__accepted_first=True))
    )
    return {
        "live_at": live_at,
        "days": window.days,
        "rows": rows,
        "shown": shown["shown"],
        "accepted": shown["accepted"],
        "accepted_share": round(100 * shown["accepted"] / shown["shown"]) if shown["shown"] else None,
    }
