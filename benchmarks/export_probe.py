"""One CSV export in a process of its own, for benchmarks/cases.py: its time, or its peak memory.

    python benchmarks/export_probe.py --rows 100000 --mode time|memory

Prints one JSON line: rows written, seconds, SQL queries, the process's peak RSS and (mode memory)
the peak of Python allocations during the export (tracemalloc).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--mode", choices=["time", "memory"], default="time")
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from agencies.models import User
    from appeals.models import Appeal

    # Registered on or after the day of the N-th newest appeal: about N rows.
    edge = Appeal.objects.order_by("-registered_at").values_list("registered_at", flat=True)[args.rows - 1]
    day = timezone.localdate(edge)
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(User.objects.get(username="nat.root.1"))
    url = f"/appeals/export.csv?queue=all&registered_after={day.isoformat()}"
    client.get("/appeals/?queue=all")  # warm the process (templates, translations)
    if args.mode == "memory":
        tracemalloc.start()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) if args.mode == "time" else _null() as queries:
        response = client.get(url)
        lines = 0
        for part in response.streaming_content:
            lines += part.count(b"\n")
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024 if args.mode == "memory" else None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "rows": lines - 1, "seconds": round(seconds, 3), "queries": len(queries.captured_queries) if queries else None,
        "python_peak_mb": None if peak is None else round(peak, 1), "rss_mb": round(rss, 1),
    }))  # fmt: skip


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


if __name__ == "__main__":
    main()
