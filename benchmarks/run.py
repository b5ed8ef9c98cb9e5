"""`make bench`: the product's response times on PostgreSQL with the national dataset.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/otinish_bench python benchmarks/run.py [--appeals 1000000]

Seeds the national dataset (appeals.national) when the database is empty or holds fewer appeals than
asked, then measures each case server-side (django.test.Client in the same process: the time of the
request's handling, without the network), counts its SQL queries, and writes benchmarks/results.json
and the table in BENCHMARKS.md. The machine is shared: each case runs warm-up requests first and
then many timed ones, and reports the median and the 95th percentile.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/otinish_bench"


def configure_environment() -> None:
    """Production-like settings: DEBUG off (no query log), the database of the benchmark."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    # Plain HTTP on loopback (in-process client and the intake's gunicorn): no HTTPS redirect, no secure cookies.
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["SESSION_COOKIE_SECURE"] = "false"
    os.environ["CSRF_COOKIE_SECURE"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def setup_django() -> None:
    configure_environment()
    import django

    django.setup()
    from django.conf import settings

    # Pages render {% static %}: without collectstatic, plain names instead of the hashed manifest.
    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=1_000_000, help="dataset size (seeded if smaller)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests before each case")
    parser.add_argument("--intake", type=int, default=1500, help="appeals posted by the intake case")
    parser.add_argument("--clients", type=int, default=8, help="concurrent intake clients")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers of the intake case")
    parser.add_argument("--only", default="", help="comma-separated case keys to run (default: all)")
    parser.add_argument("--no-seed", action="store_true", help="never seed; measure what is there")
    parser.add_argument(
        "--profile",
        metavar="CASE",
        default="",
        help="profile one page case instead of measuring (a key such as queue-first, tree-filters, workspace, "
        "api-list, admin-search; an unknown key lists them): cProfile's top functions over --repeat requests; "
        "writes no results",
    )
    parser.add_argument("--profile-sort", default="cumulative", choices=("cumulative", "tottime", "ncalls"))
    parser.add_argument("--profile-top", type=int, default=30, help="functions printed by --profile")
    parser.add_argument("--results", default=str(ROOT / "benchmarks" / "results.json"))
    parser.add_argument("--markdown", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args(argv)

    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print(
            "The benchmarks run on PostgreSQL only (the targets are for it). Set DATABASE_URL, e.g.\n"
            f"  DATABASE_URL={DEFAULT_DATABASE_URL} make bench",
            file=sys.stderr,
        )
        return 2

    from django.core.management import call_command

    from benchmarks import cases, report

    call_command("migrate", verbosity=0, interactive=False)
    from appeals.datasets import national

    have = national.appeals_count() if national.national_exists() else 0
    if have < args.appeals and not args.no_seed:
        print(f"The database holds {have} national appeals; seeding {args.appeals}…", flush=True)
        call_command("seed_demo", national=True, appeals=args.appeals)
    counts = national.national_counts()
    print(f"Dataset: {counts['appeals']} appeals, {counts['agencies']} agencies.", flush=True)

    only = {key.strip() for key in args.only.split(",") if key.strip()}
    if args.profile:
        cases.PROFILE.update(key=args.profile, top=args.profile_top, sort=args.profile_sort, seen=[], done=False)
        cases.run_all(repeat=args.repeat, warmup=args.warmup, only=only, intake=0, clients=0, workers=0)
        if not cases.PROFILE["done"]:
            print(f"No page case {args.profile!r}; the keys are: {', '.join(cases.PROFILE['seen'])}", file=sys.stderr)
            return 2
        return 0
    started = time.monotonic()
    results = cases.run_all(
        repeat=args.repeat, warmup=args.warmup, only=only, intake=args.intake, clients=args.clients,
        workers=args.workers,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    document = report.results_document(
        appeals=counts["appeals"],
        agencies=counts["agencies"],
        database=f"postgresql {version.split('.')[0]}",
        machine=report.machine_description(),
        cases=results,
    )
    report.write_results(document, Path(args.results))
    report.update_markdown(Path(args.markdown), document)
    print()
    print(report.render_table(document))
    print(f"Written {args.results} and the table of {args.markdown} in {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
