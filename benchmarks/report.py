"""The benchmark's results: benchmarks/results.json and the table in BENCHMARKS.md (between markers)."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

TABLE_START = "<!-- bench:table:start -->"
TABLE_END = "<!-- bench:table:end -->"
CASE_KEYS = ("name", "median_ms", "p95_ms", "queries", "target", "met")
THROUGHPUT_KEYS = ("name", "per_s", "queries", "target", "met")


def machine_description(proc: Path = Path("/proc")) -> str:
    """CPU model, cores and RAM from /proc (what a reader needs to compare figures)."""
    model, cores = "", 0
    try:
        for line in (proc / "cpuinfo").read_text().splitlines():
            if line.startswith("model name") and not model:
                model = line.split(":", 1)[1].strip()
            if line.startswith("processor"):
                cores += 1
    except OSError:
        pass
    ram_gb = None
    try:
        for line in (proc / "meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    model = model or platform.processor() or "unknown CPU"
    cores = cores or os.cpu_count() or 0
    ram = f"{ram_gb:.0f} GB RAM" if ram_gb is not None else "RAM unknown"
    return f"{model}, {cores} cores, {ram}, {platform.system()} {platform.release()}"


def case(
    name: str,
    *,
    samples_ms: list[float] | None = None,
    sql_samples_ms: list[float] | None = None,
    queries: int | None,
    target: str,
    limit_ms: float | None = None,
    met: bool | None = None,
    **extra,
) -> dict:
    """A timed case: median and p95 of the samples; `met` from the p95 against `limit_ms` unless given.

    With `sql_samples_ms` (the SQL time of each sample, same order): the median of each request's time minus
    its SQL time (`python_ms`) and its share of the median request (`python_share`, %).
    """
    row = {"name": name, "median_ms": None, "p95_ms": None, "queries": queries, "target": target, "met": met}
    if samples_ms:
        row["median_ms"] = round(percentile(samples_ms, 50), 1)
        row["p95_ms"] = round(percentile(samples_ms, 95), 1)
        if sql_samples_ms and len(sql_samples_ms) == len(samples_ms):
            python = [max(total - sql, 0.0) for total, sql in zip(samples_ms, sql_samples_ms, strict=True)]
            row["sql_ms"] = round(percentile(sql_samples_ms, 50), 1)
            row["python_ms"] = round(percentile(python, 50), 1)
            row["python_share"] = round(100 * percentile(python, 50) / max(percentile(samples_ms, 50), 1e-9))
        if met is None and limit_ms is not None:
            row["met"] = row["p95_ms"] <= limit_ms
    row.update(extra)
    return row


def throughput_case(
    name: str, *, per_s: float | None, queries: int | None, target: str, minimum: float | None, **extra
) -> dict:
    """A throughput case; `minimum` None for a reference figure without a target."""
    row = {
        "name": name,
        "per_s": None if per_s is None else round(per_s, 1),
        "queries": queries,
        "target": target,
        "met": None if per_s is None or minimum is None else per_s >= minimum,
    }
    row.update(extra)
    return row


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def results_document(*, appeals: int, agencies: int, database: str, machine: str, cases: list[dict]) -> dict:
    return {
        "dataset": {"appeals": appeals, "agencies": agencies, "database": database},
        "machine": machine,
        "cases": cases,
    }


def write_results(document: dict, path: Path) -> None:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _cell(value, suffix: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}{suffix}".replace(",", " ")
    return f"{value}{suffix}"


def _met(value) -> str:
    return {True: "yes", False: "**no**", None: "not built"}.get(value, str(value))


def _not_built(row: dict) -> bool:
    return row.get("median_ms") is None and row.get("per_s") is None


def render_table(document: dict) -> str:
    dataset = document["dataset"]
    lines = [
        f"Dataset: {_thousands(dataset['appeals'])} appeals, {_thousands(dataset['agencies'])} agencies, "
        f"{dataset['database']}.",
        f"Machine: {document['machine']}.",
        "",
        "| Case | Median | p95 | Python (share) | Throughput | SQL queries | Target | Met |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in document["cases"]:
        lines.append(
            "| {name} | {median} | {p95} | {python} | {per_s} | {queries} | {target} | {met} |".format(
                name=row["name"],
                median=_cell(row.get("median_ms"), " ms"),
                p95=_cell(row.get("p95_ms"), " ms"),
                python=_python_cell(row),
                per_s=_cell(row.get("per_s"), "/s"),
                queries=_cell(row.get("queries")),
                target=row.get("target", ""),
                met=_met(row.get("met")) if row.get("met") is not None or _not_built(row) else "—",
            )
        )
    for row in document["cases"]:
        cpu = row.get("cpu_ms")
        if isinstance(cpu, dict):
            load = row.get("load") or ["?", "?"]
            lines.append("")
            lines.append(
                f"{row['name']}: CPU per appeal {cpu.get('gunicorn')} ms in gunicorn and {cpu.get('postgresql')} ms "
                f"in PostgreSQL's backends (load average {load[0]} at the start, {load[-1]} at the end)."
            )
    for row in document["cases"]:
        peak = row.get("peak_mb")
        if isinstance(peak, dict):
            lines.append("")
            lines.append(
                f"{row['name']}: peak of the export's Python allocations {peak.get('rows_10k')} MB at about 10 000 "
                f"rows and {peak.get('rows_100k')} MB at about 100 000; the process's peak RSS {peak.get('rss_10k')} "
                f"and {peak.get('rss_100k')} MB."
            )
    return "\n".join(lines) + "\n"


def _python_cell(row: dict) -> str:
    """The median request's Python time (its time minus its SQL time) and its share: "21.4 ms (83 %)"."""
    if row.get("python_ms") is None:
        return "—"
    return f"{_cell(row['python_ms'], ' ms')} ({row['python_share']} %)"


def _thousands(value) -> str:
    return f"{value:,}".replace(",", " ") if isinstance(value, int) else str(value)


def update_markdown(path: Path, document: dict, *, heading: str | None = None) -> None:
    """Replace the table between the markers of `path` (create the markers at the end if missing)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{TABLE_START}\n{heading + chr(10) + chr(10) if heading else ''}{render_table(document)}{TABLE_END}"
    if TABLE_START in text and TABLE_END in text:
        before, rest = text.split(TABLE_START, 1)
        _old, after = rest.split(TABLE_END, 1)
        text = before + block + after
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
