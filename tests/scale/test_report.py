"""The benchmark's result writer: results.json in the documented shape, and the table in BENCHMARKS.md."""

import json

import pytest

from benchmarks import report


def _document():
    return report.results_document(
        appeals=1_000_000,
        agencies=3041,
        database="postgresql 15",
        machine="Test CPU, 2 cores, 8 GB RAM",
        cases=[
            report.case(
                "Executor's queue", samples_ms=[10, 20, 30, 40, 100], queries=9, target="p95 ≤ 50 ms", limit_ms=50
            ),  # fmt: skip
            report.case("Ministry dashboard", queries=None, target="p95 ≤ 300 ms", met=None),
            report.throughput_case("API intake", per_s=412.345, queries=30, target="≥ 300 appeals/s", minimum=300),
        ],
    )


def test_results_json_has_the_documented_shape(tmp_path):
    path = tmp_path / "results.json"
    report.write_results(_document(), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["dataset"] == {"appeals": 1_000_000, "agencies": 3041, "database": "postgresql 15"}
    assert data["machine"] == "Test CPU, 2 cores, 8 GB RAM"
    timed, missing, throughput = data["cases"]
    assert set(report.CASE_KEYS) <= set(timed)
    assert timed["median_ms"] == 30 and timed["p95_ms"] == pytest.approx(88.0)
    assert timed["met"] is False  # p95 88 ms > 50 ms
    assert missing["median_ms"] is None and missing["met"] is None
    assert set(report.THROUGHPUT_KEYS) <= set(throughput)
    assert "median_ms" not in throughput
    assert throughput["per_s"] == 412.3 and throughput["met"] is True


def test_the_table_is_replaced_between_the_markers_and_the_rest_is_kept(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(
        f"# Benchmarks\n\nIntro.\n\n{report.TABLE_START}\nold table\n{report.TABLE_END}\n\n## Indexes\nPlans.\n",
        encoding="utf-8",
    )
    report.update_markdown(path, _document())
    report.update_markdown(path, _document())  # a second run replaces, never appends
    text = path.read_text(encoding="utf-8")
    assert "old table" not in text
    assert text.count(report.TABLE_START) == 1 and text.count("| Executor's queue |") == 1
    assert text.startswith("# Benchmarks\n\nIntro.") and text.rstrip().endswith("## Indexes\nPlans.")
    assert "1 000 000 appeals" in text and "Test CPU, 2 cores" in text
    assert "| Ministry dashboard | — | — | — | — | — | p95 ≤ 300 ms | not built |" in text
    assert "412.3/s" in text and "**no**" in text


def test_markers_are_added_when_missing(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    report.update_markdown(path, _document())
    assert report.TABLE_START in path.read_text(encoding="utf-8")


def test_machine_description_reads_proc(tmp_path):
    (tmp_path / "cpuinfo").write_text(
        "processor\t: 0\nmodel name\t: Fancy CPU 3000\n\nprocessor\t: 1\nmodel name\t: Fancy CPU 3000\n"
    )
    (tmp_path / "meminfo").write_text("MemTotal:       16384000 kB\n")
    text = report.machine_description(tmp_path)
    assert text.startswith("Fancy CPU 3000, 2 cores, 16 GB RAM")


def test_percentile():
    assert report.percentile([5], 95) == 5
    assert report.percentile(list(range(1, 101)), 50) == pytest.approx(50.5)
    with pytest.raises(ValueError):
        report.percentile([], 50)


def test_the_export_memory_is_written_under_the_table(tmp_path):
    document = _document()
    document["cases"].append(
        report.case(
            "CSV export of 100 000 rows",
            samples_ms=[9000],
            queries=5,
            target="constant memory",
            met=True,
            peak_mb={"rows_10k": 9.5, "rows_100k": 10.5, "rss_10k": 160.0, "rss_100k": 161.0},
        )  # fmt: skip
    )
    text = report.render_table(document)
    assert "9.5 MB at about 10 000 rows and 10.5 MB at about 100 000" in text


def test_a_reference_throughput_has_no_verdict(tmp_path):
    row = report.throughput_case(
        "One appeal per request", per_s=101.0, queries=16, target="— (reference)", minimum=None
    )
    assert row["met"] is None and row["per_s"] == 101.0
    document = report.results_document(
        appeals=10, agencies=1, database="postgresql 15", machine="Test CPU", cases=[row]
    )
    path = tmp_path / "BENCHMARKS.md"
    report.update_markdown(path, document)
    assert "| One appeal per request | — | — | — | 101.0/s | 16 | — (reference) | — |" in path.read_text(
        encoding="utf-8"
    )


def test_the_python_share_is_each_request_minus_its_sql():
    row = report.case(
        "Queue",
        samples_ms=[20.0, 22.0, 30.0, 24.0, 21.0],
        sql_samples_ms=[4.0, 4.0, 14.0, 4.0, 5.0],
        queries=6,
        target="p95 ≤ 25 ms",
        limit_ms=25,
    )
    # Python per request: 16, 18, 16, 20, 16 -> median 16 of a median request of 22 ms.
    assert row["python_ms"] == 16.0 and row["sql_ms"] == 4.0
    assert row["python_share"] == 73
    document = report.results_document(appeals=10, agencies=1, database="postgresql 15", machine="CPU", cases=[row])
    assert "| Queue | 22.0 ms | 28.8 ms | 16.0 ms (73 %) | — | 6 | p95 ≤ 25 ms | **no** |" in report.render_table(
        document
    )


def test_a_case_without_sql_times_has_no_python_share():
    row = report.case("Queue", samples_ms=[20.0], queries=6, target="p95 ≤ 25 ms", limit_ms=25)
    assert "python_ms" not in row


def test_the_intake_s_cpu_per_appeal_is_written_under_the_table(tmp_path):
    row = report.throughput_case(
        "One appeal per request", per_s=250.0, queries=7, target="—", minimum=None,
        cpu_ms={"gunicorn": 4.2, "postgresql": 1.6}, load=[1.2, 2.3],
    )  # fmt: skip
    document = report.results_document(appeals=10, agencies=1, database="postgresql 15", machine="Test", cases=[row])
    path = tmp_path / "BENCHMARKS.md"
    report.update_markdown(path, document)
    assert (
        "One appeal per request: CPU per appeal 4.2 ms in gunicorn and 1.6 ms in PostgreSQL's backends "
        "(load average 1.2 at the start, 2.3 at the end)."
    ) in path.read_text(encoding="utf-8")


def test_the_cpu_meter_counts_the_server_and_this_database_s_backends(monkeypatch):
    """Processes are read from /proc: the server, its workers, this database's backends; others are left out, and a
    backend that appears meanwhile counts from zero."""
    from benchmarks import cpu

    table = {
        10: (1, "gunicorn: master", 1.0),
        11: (10, "gunicorn: worker", 2.0),
        20: (1, "postgres: 15/main: postgres otinish_bench 127.0.0.1(1) idle", 3.0),
        21: (1, "postgres: 15/main: postgres other_db 127.0.0.1(2) idle", 5.0),
    }
    monkeypatch.setattr(cpu, "_all_pids", lambda: list(table))
    monkeypatch.setattr(cpu, "_parent", lambda pid: table[pid][0] if pid in table else None)
    monkeypatch.setattr(cpu, "_command", lambda pid: table[pid][1] if pid in table else "")
    monkeypatch.setattr(cpu, "process_cpu", lambda pid: table[pid][2] if pid in table else None)
    with cpu.CpuMeter(server_pid=10, database="otinish_bench", interval=60) as meter:
        table[10] = (1, "gunicorn: master", 1.5)
        table[11] = (10, "gunicorn: worker", 4.0)
        table[20] = (1, "postgres: 15/main: postgres otinish_bench 127.0.0.1(1) idle", 4.0)
        table[21] = (1, "postgres: 15/main: postgres other_db 127.0.0.1(2) idle", 9.0)
        table[22] = (1, "postgres: 15/main: postgres otinish_bench 127.0.0.1(3) idle", 0.5)
    assert meter.ms_per(1000) == {"gunicorn": 2.5, "postgresql": 1.5}
