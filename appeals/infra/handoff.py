"""Handing work to the Celery workers without importing them: the one way inner code reaches a task.

The outbox, the webhooks and matter matching run inside a change's transaction and must start work in a
worker once it commits. They do not import `appeals.tasks` (the tasks import them: that would be a circle);
they ask this registry for the task by a short name, and `AppealsConfig.ready()` connects each name to its
task from `appeals.tasks.HANDOFFS` when Django starts (web, worker, beat, tests, commands alike).

    task = handoff.task("notices_send")      # the Celery task object, so .delay()/.apply_async() as usual
    task.apply_async(args=[ids])

A name that nothing connected is a programming error, raised at once (never a silent drop).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_TASKS: dict[str, Any] = {}


def connect(tasks: Mapping[str, Any]) -> None:
    """Connect each short name to its Celery task (AppealsConfig.ready(); connecting again replaces)."""
    _TASKS.update(tasks)


def task(name: str) -> Any:
    """The Celery task connected under `name`."""
    try:
        return _TASKS[name]
    except KeyError:
        raise LookupError(
            f"No task is connected for {name!r}: appeals.tasks.HANDOFFS names it and AppealsConfig.ready() "
            "connects them when Django starts."
        ) from None
