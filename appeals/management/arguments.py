"""Argument types shared by the app's management commands."""

import argparse
from datetime import date


def iso_day(value: str) -> date:
    """A YYYY-MM-DD day; anything else is a usage error naming the argument (no traceback)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None
