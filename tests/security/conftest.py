"""Shared by the security tests: the real SMTP server of the reminders' tests, fresh rate limits."""

import pytest
from django.core.cache import cache

from ..reminders.conftest import smtp_server  # noqa: F401 - a fixture used by test_faults


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """API throttle counters live in the cache: every test starts with a full budget."""
    cache.clear()
    yield
    cache.clear()
