"""Reading the routing model: the current version, cached per process, and suggestions from it."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from agencies.models import Agency, Category
from agencies.selectors import category_routes

from ..models import RouterModel
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
