"""Shared by the security tests: the real SMTP server of the reminders' tests."""

from ..reminders.conftest import smtp_server  # noqa: F401 - a fixture used by test_faults
