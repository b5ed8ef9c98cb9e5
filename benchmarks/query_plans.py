"""Print EXPLAIN (ANALYZE, BUFFERS) of the appeal queries behind each benchmark page.

    DATABASE_URL=postgres://…/otinish_bench python benchmarks/query_plans.py [--case tree_search]

Each case requests its page once through django.test.Client, captures the SQL it ran, and explains
every statement that reads appeals_appeal (the plans quoted in BENCHMARKS.md come from here).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import setup_django  # noqa: E402

CASES = {
    "executor_queue": ("nat.executor", "/appeals/?queue=mine&ordering=due_date"),
    "executor_queue_page_50": ("nat.executor", "/appeals/?queue=mine&ordering=due_date&page=50"),
    "tree_filters": (
        "nat.ministry",
        "/appeals/?queue=tree&status=registered&status=in_progress&kind=application&kind=complaint&language=ru",
    ),
    "tree_search": (
        "nat.ministry",
        "/appeals/?queue=tree&status=registered&status=in_progress&kind=application&kind=complaint&language=ru"
        "&q=Касымов",
    ),
    "api_list": ("nat.ministry", "/api/v1/appeals/"),
}


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", choices=sorted(CASES), action="append")
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benchmarks.cases import client_for

    for key in args.case or list(CASES):
        username, url = CASES[key]
        client = client_for(username)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        print(f"### {key}: {url}\n")
        for query in queries.captured_queries:
            sql = query["sql"]
            if "appeals_appeal" not in sql or sql.startswith("DECLARE"):
                continue
            print(sql[:1500] + (" …" if len(sql) > 1500 else ""))
            print()
            print(explain(sql))
            print()


if __name__ == "__main__":
    main()
