"""The side menu's counts, kept per user for a few seconds and dropped when any appeal changes.

Every desk page shows the user's queues and saved views with their capped counts: one SQL statement of
several capped counts, the largest query of the queue pages and the workspace. The counts are kept for
MENU_COUNTS_SECONDS under a key made of everything they depend on: the user, the desk's agency, today's
date, the rosters' version (roles, memberships, saved views, the calendar: appeals/rosters.py) and the
appeals' change stamp. Any appeal saved or deleted, any audit event written (every lifecycle action writes
one), and every registration renews the stamp, so this process counts afresh at once after a change (other
processes too with a shared cache such as Redis: CACHE_URL; within MENU_COUNTS_SECONDS with the default
per-process cache). A key names one user and one agency: counts are never shared between users.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

MENU_COUNTS_SECONDS = 20
_STAMP_KEY = "appeals:changed"


def appeals_stamp() -> str:
    """The appeals' change stamp (renewed by appeals_changed)."""
    return cache.get(_STAMP_KEY) or "0"


def appeals_changed(**kwargs) -> None:
    """Appeals changed: counts kept so far are not used again (now, and once the transaction commits, so that a
    count taken meanwhile from the data before the commit is not kept either)."""
    cache.set(_STAMP_KEY, secrets.token_hex(8), None)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.set(_STAMP_KEY, secrets.token_hex(8), None))


def menu_counts_cached(key: str, compute: Callable[[], dict[str, int]]) -> dict[str, int]:
    """compute(), or what it gave within MENU_COUNTS_SECONDS for `key` (a user, desk and rosters' version) with
    no appeal changed since."""
    full_key = f"menu-counts:{appeals_stamp()}:{key}"
    counts = cache.get(full_key)
    if counts is None:
        counts = compute()
        cache.set(full_key, counts, MENU_COUNTS_SECONDS)
    return counts
