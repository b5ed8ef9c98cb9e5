"""A bad day given to a command is a usage error that names the argument, not a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("command", ["rebuild_rollups", "match_appeals"])
def test_a_bad_day_is_a_usage_error(command):
    with pytest.raises(CommandError, match=r"argument --since: not a date \(YYYY-MM-DD\): '2026-13-01'"):
        call_command(command, "--since", "2026-13-01")


def test_the_command_line_prints_no_traceback():
    result = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "manage.py", "rebuild_rollups", "--since", "banana"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "argument --since: not a date (YYYY-MM-DD): 'banana'" in result.stderr
