"""Training time at scale and suggestion latency of the routing model (appeals.routing); see BENCHMARKS.md.

    .venv/bin/python benchmarks/router_bench.py 1000000 [processes, default ROUTER_TRAIN_JOBS]

Builds N synthetic appeals from the corpus (a situation, a few words of another, typos), trains the
production pipeline on them (`learn.fit`, the features computed by the given number of processes),
extrapolates linearly to a million, and times 300 suggestions.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time


def main(n: int, jobs: int | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    from appeals.routing import learn
    from appeals.routing.corpus import _typos, corpus

    items = corpus()
    rng = random.Random(1)  # noqa: S311 - benchmark data
    texts, labels = [], []
    while len(texts) < n:
        a, b = rng.sample(items, 2)
        extra = " ".join(b.text.split()[: rng.randint(0, 6)])
        texts.append(_typos(rng, f"{a.text} {extra}", 0.1))
        labels.append(a.category)
    jobs = jobs or settings.ROUTER_TRAIN_JOBS
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    router = learn.fit(texts, labels, n_jobs=jobs)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"fit {n} rows ({'exact' if n <= learn.EXACT_MAX else 'streamed'}, {jobs} processes, load average "
        f"{load:.1f} before): {seconds:.1f} s wall, {cpu:.1f} s CPU in the main process; linear extrapolation "
        f"to 1 000 000: {seconds * 1_000_000 / n / 60:.1f} min wall",
        flush=True,
    )
    samples = [item.text for item in items[:300]]
    for text in samples[:10]:
        router.top(text)
    latencies, cpu_latencies = [], []
    for text in samples:
        started, cpu = time.perf_counter(), time.process_time()
        router.top(text)
        latencies.append((time.perf_counter() - started) * 1000)
        cpu_latencies.append((time.process_time() - cpu) * 1000)
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)]
    print(f"one suggestion (the model): median {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms wall;")
    print(f"  CPU median {statistics.median(cpu_latencies):.1f} ms")
    print(f"stored model: {len(router.dumps()) / 1e6:.1f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, int(sys.argv[2]) if len(sys.argv) > 2 else None)
