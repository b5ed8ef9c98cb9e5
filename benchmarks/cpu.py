"""CPU seconds of the server side of a throughput case, read from /proc (Linux): the gunicorn processes and the
PostgreSQL backends of the benchmark's database. The machine is shared, so appeals per second depend on what else
runs; the CPU an appeal costs is the steadier figure (it still grows somewhat when the cores are contended).

    with CpuMeter(server_pid=server.pid, database="otinish_bench") as meter:
        ...  # the timed requests
    meter.ms_per(1500)  # {"gunicorn": 4.1, "postgresql": 1.6}

Processes are sampled every half second, so a backend that ends meanwhile (a connection past CONN_MAX_AGE) counts
up to its last sample, and one that starts meanwhile counts from zero.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a process, or None if it is gone."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def _parent(pid: int) -> int | None:
    try:
        return int((PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return None


def _command(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def _all_pids() -> list[int]:
    return [int(entry.name) for entry in PROC.iterdir() if entry.name.isdigit()]


class CpuMeter:
    """The CPU the gunicorn server (`server_pid` and its workers) and `database`'s backends use inside the block."""

    def __init__(self, *, server_pid: int, database: str, interval: float = 0.5) -> None:
        self.server_pid = server_pid
        self.backend_title = f" {database} "  # "postgres: 15/main: postgres otinish_bench 127.0.0.1(4242) idle"
        self.interval = interval
        self.first: dict[str, dict[int, float]] = {"gunicorn": {}, "postgresql": {}}
        self.last: dict[str, dict[int, float]] = {"gunicorn": {}, "postgresql": {}}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.available = PROC.is_dir()

    def __enter__(self) -> CpuMeter:
        if self.available:
            self._sample(initial=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.available:
            self._stop.set()
            self._thread.join()
            self._sample(initial=False)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample(initial=False)

    def _groups(self) -> dict[str, list[int]]:
        groups: dict[str, list[int]] = {"gunicorn": [self.server_pid], "postgresql": []}
        for pid in _all_pids():
            if _parent(pid) == self.server_pid:
                groups["gunicorn"].append(pid)
            elif self.backend_title in _command(pid) and _command(pid).startswith("postgres:"):
                groups["postgresql"].append(pid)
        return groups

    def _sample(self, *, initial: bool) -> None:
        for group, pids in self._groups().items():
            for pid in pids:
                cpu = process_cpu(pid)
                if cpu is None:
                    continue
                # A process first seen after the start began within the block: it counts from zero.
                self.first[group].setdefault(pid, cpu if initial else 0.0)
                self.last[group][pid] = cpu

    def ms_per(self, count: int) -> dict[str, float] | None:
        """Milliseconds of CPU per unit of work (an appeal) of each group, or None without /proc."""
        if not self.available or count <= 0:
            return None
        used = {
            group: sum(cpu - self.first[group][pid] for pid, cpu in last.items()) for group, last in self.last.items()
        }
        return {group: round(seconds * 1000 / count, 2) for group, seconds in used.items()}
