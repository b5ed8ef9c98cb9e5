"""A short-lived cache of what every page reads from the staff, agency and category tables.

A ministry head's queue lists some 330 staff in its executor filter and works out which agencies'
answers they approve on every request; neither changes from one request to the next. Such reads are
kept in the cache for ROSTER_CACHE_SECONDS under a key that carries the rosters' version
(appeals/infra/rosters.py): any saved or deleted agency, category, category route, user, membership, saved view
or calendar override gives a new one (signals connected in AppealsConfig.ready), so this process reads afresh at
once, and others within that time (at once, too, with a shared cache such as Redis: CACHE_URL). Only rosters are
kept, never appeals or their counts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from ..infra.rosters import ROSTER_CACHE_SECONDS, roster_version, rosters_changed

__all__ = ["ROSTER_CACHE_SECONDS", "roster_cached", "roster_key", "roster_version", "rosters_changed"]


def _versioned(key: str) -> str:
    """`key` with the current version of the rosters."""
    return f"rosters:{roster_version()}:{key}"


def roster_key(key: str) -> str:
    """`key` with the current version of the rosters: for what is drawn from them and cached elsewhere (the queue
    page's filter panel, a template fragment), so that a change of a roster draws it afresh."""
    return _versioned(key)


def roster_cached(key: str, compute: Callable[[], Any]) -> Any:
    """compute(), or what it gave for `key` within the last ROSTER_CACHE_SECONDS of the same rosters."""
    versioned = _versioned(key)
    value = cache.get(versioned)
    if value is None:
        value = compute()
        cache.set(versioned, value, ROSTER_CACHE_SECONDS)
    return value
