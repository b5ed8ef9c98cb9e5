"""Accounts for `make load` on the national dataset (benchmarks/load.sh): the benchmark's executor and
ministry head, then executors with open appeals of their own and heads of the busiest agencies, so that
the simulated employees have queues to work. Prints `LOAD_EXECUTORS=…` and `LOAD_SUPERVISORS=…` lines, or
nothing when the database holds no national dataset (load.sh then loads the demo)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    import django

    django.setup()
    from django.db.models import Count

    from agencies.choices import Role
    from agencies.models import Membership
    from appeals.datasets import national
    from appeals.models import Appeal
    from appeals.models.choices import OPEN_STATUSES

    if not national.national_exists():
        return
    busiest = list(
        Appeal.objects.filter(status__in=sorted(OPEN_STATUSES), assignee__username__startswith=national.USER_PREFIX)
        .values("assignee__username")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("assignee__username", flat=True)[:40]
    )
    executors = list(dict.fromkeys([national.BENCH_EXECUTOR, *busiest]))[:40]
    agencies = (
        Appeal.objects.filter(status__in=sorted(OPEN_STATUSES)).values("agency").annotate(n=Count("id")).order_by("-n")
    )
    heads = Membership.objects.filter(
        role=Role.SUPERVISOR, agency__in=[row["agency"] for row in agencies[:10]], user__is_active=True
    ).values_list("user__username", flat=True)
    supervisors = list(dict.fromkeys([national.BENCH_MINISTRY_SUPERVISOR, *heads]))[:10]
    print(f"LOAD_EXECUTORS={','.join(executors)}")
    print(f"LOAD_SUPERVISORS={','.join(supervisors)}")


if __name__ == "__main__":
    main()
