"""Benchmark of the history import and of matter matching on PostgreSQL (not part of the test suite).

    DATABASE_URL=postgres://…/otinish_l_match_bench .venv/bin/python -m benchmarks.listening_import --rows 50000

Needs a database holding the national agency tree (`manage.py seed_demo --national --appeals 100000`).
Writes a JSON Lines file of `--rows` historical appeals over the past year (applicants writing
1-3 times, some to the President's Administration), times `import_rows` (insert, matching, roll-ups
separately), then times matter matching of single new appeals (the cost added to one intake).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from agencies.models import Agency, CategoryRoute  # noqa: E402
from appeals.datasets.demo import random_iin  # noqa: E402
from appeals.listening.imports import import_rows, read_rows  # noqa: E402
from appeals.listening.matching import appeals_match  # noqa: E402
from appeals.models import Appeal  # noqa: E402

MATTERS = {
    "ru": [
        ("Нет отопления в доме", "В квартире холодно, батареи ледяные."),
        ("Яма на дороге", "На улице огромные ямы, прошу отремонтировать дорогу."),
        ("Не вывозят мусор", "Мусор во дворе не вывозят вторую неделю."),
        ("Нет горячей воды", "Третий день нет горячей воды в доме."),
        ("Прошу выдать справку", "Прошу выдать справку о составе семьи."),
        ("Не работает уличное освещение", "На улице темно, фонари не горят."),
    ],
    "kk": [
        ("Үйде жылу жоқ", "Пәтерде суық, батареялар суық."),
        ("Жолда шұңқыр көп", "Көшедегі жолды жөндеуді сұраймын."),
        ("Қоқыс шығарылмайды", "Аулада қоқыс екі апта шығарылмайды."),
    ],
}


def write_rows(path: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)  # noqa: S311 - test data
    routes = list(CategoryRoute.objects.exclude(region="").values_list("category__code", "region"))
    top = Agency.objects.filter(kind="administration").values_list("code", flat=True).first()
    now = timezone.now()
    applicants = [random_iin(rng) for _ in range(max(1, int(count * 0.6)))]
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            language = "kk" if rng.random() < 0.3 else "ru"
            subject, text = rng.choice(MATTERS[language])
            category, region = rng.choice(routes)
            registered = now - timedelta(days=rng.uniform(2, 365))
            answered_at = registered + timedelta(days=rng.uniform(1, 25))
            answered = rng.random() < 0.7 and answered_at < now
            row = {
                "external_id": f"bench{seed}-{n}",
                "kind": "application",
                "channel": rng.choice(["portal", "email", "post", "reception"]),
                "language": language,
                "applicant": {"type": "individual", "full_name": "Житель", "iin": rng.choice(applicants)},
                "region": region,
                "category": category,
                "subject": subject,
                "text": text,
                "registered_at": registered.isoformat(),
            }
            if top and rng.random() < 0.03:
                row["agency"] = top
            if answered:
                row |= {
                    "status": "answered",
                    "answered_at": answered_at.isoformat(),
                    "outcome": "explained",
                    "answer_text": "Разъяснено.",
                }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "run against PostgreSQL"
    before = Appeal.objects.count()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.jsonl"
        write_rows(path, args.rows, seed=args.seed)
        started, cpu = time.perf_counter(), time.process_time()
        report = import_rows(read_rows(path), match=False, rebuild_rollups=False)
        inserted, inserted_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        matched = appeals_match(appeal_ids=report.appeal_ids)
        matching, matching_cpu = time.perf_counter() - started, time.process_time() - cpu
        from appeals.dashboard.rollups import rollups_rebuild

        started = time.perf_counter()
        days = rollups_rebuild(start=report.first_day, end=report.last_day) if report.first_day else 0
        rollups = time.perf_counter() - started
    print(
        f"appeals before: {before}; rows: {report.read}, created {report.created}, refused {len(report.refused)}; "
        f"insert {inserted:.1f} s ({report.created / inserted:.0f} rows/s), matching {matching:.1f} s "
        f"({matched.repeats} repeats, {matched.escalations} escalations), roll-ups of {days} days {rollups:.1f} s"
    )
    print(
        f"Python CPU (this process): insert {inserted_cpu:.1f} s, matching {matching_cpu:.1f} s; load {os.getloadavg()}"
    )
    total = inserted + matching
    print(f"extrapolated to 1 000 000 rows (linear): insert+matching {total * 1_000_000 / args.rows / 60:.1f} min")
    # The cost matching adds to one intake: one appeal, its applicant's earlier appeals in the window.
    ids = list(
        Appeal.objects.filter(external_id__startswith="bench").order_by("?").values_list("pk", flat=True)[: args.probes]
    )
    timings, cpu_timings, baseline = [], [], []
    for pk in ids:
        started = time.perf_counter()
        Appeal.objects.filter(pk=pk).values_list("number", flat=True).first()
        baseline.append((time.perf_counter() - started) * 1000)
        started, cpu = time.perf_counter(), time.process_time()
        appeals_match(appeal_ids=[pk])
        timings.append((time.perf_counter() - started) * 1000)
        cpu_timings.append((time.process_time() - cpu) * 1000)
    timings.sort()
    print(
        f"matching one appeal at {Appeal.objects.count()} appeals: median {statistics.median(timings):.2f} ms, "
        f"p95 {timings[int(len(timings) * 0.95) - 1]:.2f} ms, max {timings[-1]:.2f} ms over {len(timings)} appeals; "
        f"Python CPU median {statistics.median(cpu_timings):.2f} ms; "
        f"a one-row primary-key read for comparison: median {statistics.median(baseline):.2f} ms"
    )


if __name__ == "__main__":
    main()
