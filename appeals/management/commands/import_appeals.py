"""Import past appeals: `manage.py import_appeals FILE.jsonl|FILE.csv [--report refused.csv]`."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from appeals.listening.imports import count_rows, import_rows, read_rows


class Command(BaseCommand):
    help = (
        "Import historical appeals from JSON Lines or CSV, keeping their dates and numbers; refused rows are "
        "reported with their line; a re-run skips what was imported before."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--report", type=Path, help="Write the refused rows here (CSV: line, external_id, reason).")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--no-match", action="store_true", help="Skip matter matching of the imported appeals.")
        parser.add_argument("--no-rollups", action="store_true", help="Skip rebuilding the dashboard's roll-ups.")

    def handle(self, *args, file: Path, report=None, batch_size=2000, no_match=False, no_rollups=False, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            rows = read_rows(file)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        total = count_rows(file)
        started = time.monotonic()
        shown = [-1]

        def progress(done: int) -> None:
            percent = min(100, done * 100 // total) if total else 100
            if percent == shown[0]:
                return
            shown[0] = percent
            bar = "#" * (percent // 2)
            elapsed = time.monotonic() - started
            sys.stderr.write(f"\r[{bar:<50}] {percent:3d}% {done}/{total} rows, {elapsed:.0f} s")
            sys.stderr.flush()

        stages = {
            "matching": "matching the appeals to earlier ones…",
            "rollups": "rebuilding the dashboard's roll-ups…",
        }

        def stage(name: str) -> None:
            sys.stderr.write(f"\n{stages[name]}")
            sys.stderr.flush()

        result = import_rows(
            rows,
            batch_size=batch_size,
            match=not no_match,
            rebuild_rollups=not no_rollups,
            progress=progress,
            stage=stage,
        )
        sys.stderr.write("\n")
        if report is not None:
            with report.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["line", "external_id", "reason"])
                for refusal in result.refused:
                    writer.writerow([refusal.line, refusal.external_id, refusal.reason])
        else:
            for refusal in result.refused:
                self.stderr.write(f"line {refusal.line} ({refusal.external_id or '-'}): {refusal.reason}")
        self.stdout.write(
            f"Read {result.read} rows: {result.created} imported, {result.skipped} imported before, "
            f"{len(result.refused)} refused; {result.repeats} repeats and {result.escalations} escalations linked; "
            f"roll-ups rebuilt for {result.rollup_days} days; {time.monotonic() - started:.1f} s"
            + (" (" + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.seconds.items()) + ")")
            + "."
        )
