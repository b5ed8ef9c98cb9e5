"""The rosters' version, and reads kept in this process until it changes.

The rosters are the tables every page and every intake reads and an administrator seldom changes: agencies,
categories and their routes, staff and their memberships, saved views, calendar overrides. Any saved or deleted
row of them gives the rosters a new version (post_save/post_delete receivers connected in AppealsConfig.ready);
what was read from them is kept under that version:

- `appeals.desk.rosters.roster_cached` keeps it in the cache (pages: the filter panel's staff, the desk's agencies);
- `roster_memo` keeps it in this process's memory, for the reads of every request on the hot paths (the intake's
  categories and routes), where even the cache's copy would cost its unpickling each time.

The version lives in the cache: with a shared cache (CACHE_URL, e.g. Redis) every process reads afresh at once
after a change; with the default per-process cache, the process that made the change at once and the others within
ROSTER_CACHE_SECONDS. The version is a random token, not a counter, so that a version seen before a restart or a
`cache.clear()` (the tests) never comes back and revives a kept read of other rows.

May import: Django only.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

ROSTER_CACHE_SECONDS = 60
VERSION_KEY = "rosters:version"

# key -> (the rosters' version it was read under, when, the value)
_memo: dict[str, tuple[str, float, Any]] = {}


def roster_version() -> str:
    """The current version of the rosters (any change to them gives a new one)."""
    return cache.get_or_set(VERSION_KEY, _new_version, None)


def _new_version() -> str:
    return secrets.token_hex(8)


def rosters_changed(**kwargs) -> None:
    """An agency, category, route, user, membership, saved view or calendar override was saved or deleted: what was
    read from the rosters is not used again."""
    cache.set(VERSION_KEY, _new_version(), None)


def roster_memo(key: str, compute: Callable[[], Any]) -> Any:
    """compute(), or what it gave in this process for `key` under the same rosters' version within the last
    ROSTER_CACHE_SECONDS. The value is shared by every request of the process: treat it as read-only."""
    version = roster_version()
    now = time.monotonic()
    kept = _memo.get(key)
    if kept is not None and kept[0] == version and now - kept[1] < ROSTER_CACHE_SECONDS:
        return kept[2]
    value = compute()
    _memo[key] = (version, now, value)
    return value
