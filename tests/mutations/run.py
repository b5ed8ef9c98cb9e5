"""Plant one bug at a time in a copy of the source tree and check that the tests catch it.

    .venv/bin/python tests/mutations/run.py            # every mutation
    .venv/bin/python tests/mutations/run.py V1 A1      # only these
    .venv/bin/python tests/mutations/run.py --list     # what would be planted

The worktree itself is never touched: the tree is copied once to a temporary directory, each
mutation edits one file of the copy (restored afterwards) and runs only the test files that guard
that rule there, on SQLite, stopping at the first failure. A mutation is *caught* when pytest fails
with test failures (exit code 1); the baseline (no mutation) must pass first. The last lines print
the table: mutation | file | tests run | caught?

Not collected by pytest (the file name does not match `test_*.py`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"


@dataclass(frozen=True)
class Mutation:
    key: str
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


CALENDAR_TESTS = ("tests/appeals/test_calendar.py",)
POLICY_TESTS = ("tests/appeals/test_calendar.py", "tests/appeals/test_terms.py", "tests/reminders/test_schedule.py")
VALIDATOR_TESTS = ("tests/appeals/test_validators.py",)
ACCESS_TESTS = (
    "tests/appeals/test_selectors.py",
    "tests/security/test_flags_and_switches.py",
)
ACTION_TESTS = ("tests/appeals/test_services.py",)
ON_TIME_TESTS = ("tests/dashboard/test_on_time_edges.py", "tests/dashboard/test_indicators.py")
REMINDER_TESTS = (
    "tests/reminders/test_claims.py",
    "tests/reminders/test_outbox.py",
    "tests/reminders/test_schedule.py",
    "tests/reminders/test_digest.py",
)

MUTATIONS = [
    # --- The calendar ---------------------------------------------------------------------------------
    Mutation(
        "C1",
        "add_working_days counts one day short",
        "appeals/calendar/workdays.py",
        "        for _ in range(n):\n",
        "        for _ in range(max(0, n - 1)):\n",
        CALENDAR_TESTS,
    ),
    Mutation(
        "C2",
        "next_working_day may return the day itself",
        "appeals/calendar/workdays.py",
        '"""The first working day strictly after `day`."""\n        day += timedelta(days=1)\n',
        '"""The first working day strictly after `day`."""\n',
        CALENDAR_TESTS,
    ),
    Mutation(
        "C3",
        "Saturday is a working day",
        "appeals/calendar/workdays.py",
        "return day.weekday() < 5 and",
        "return day.weekday() < 6 and",
        CALENDAR_TESTS,
    ),
    Mutation(
        "C4",
        "no holiday carry-over (a holiday on a weekend moves nothing)",
        "appeals/calendar/workdays.py",
        'holidays.country_holidays("KZ", years=year).keys()',
        'holidays.country_holidays("KZ", years=year, observed=False).keys()',
        CALENDAR_TESTS,
    ),
    Mutation(
        "C5",
        "the package's days off win over a decree override",
        "appeals/calendar/workdays.py",
        "        if override is not None:\n            return override\n",
        "        if override is not None and day.weekday() < 5 and day not in _public_holidays(day.year):\n"
        "            return override\n",
        CALENDAR_TESTS,
    ),
    Mutation(
        "C6",
        "working_days_between counts both ends",
        "appeals/calendar/workdays.py",
        "return self._cumulative(end) - self._cumulative(start)",
        "return self._cumulative(end) - self._cumulative(start) + 1",
        CALENDAR_TESTS,
    ),
    Mutation(
        "C7",
        "the weekend after a Friday due date is not overdue",
        "appeals/calendar/workdays.py",
        "return -max(1, self.working_days_between(due, today))",
        "return -self.working_days_between(due, today)",
        CALENDAR_TESTS,
    ),
    # --- The terms ------------------------------------------------------------------------------------
    Mutation(
        "P1",
        "an appeal received on a day off counts from that day",
        "appeals/calendar/policy.py",
        "return cal.working_day_on_or_after(local_day(registered_at))",
        "return local_day(registered_at)",
        POLICY_TESTS,
    ),
    Mutation(
        "P2",
        "the registration day taken in UTC, not Almaty",
        "appeals/calendar/policy.py",
        "return cal.working_day_on_or_after(local_day(registered_at))",
        "return cal.working_day_on_or_after(registered_at.date())",
        POLICY_TESTS,
    ),
    Mutation(
        "P3",
        "a complaint gets the 15 days of an application",
        "appeals/calendar/policy.py",
        'return int(policy("WORKING_DAYS_BY_KIND").get(kind, policy("CONSIDERATION_WORKING_DAYS")))',
        'return int(policy("CONSIDERATION_WORKING_DAYS"))',
        POLICY_TESTS,
    ),
    Mutation(
        "P4",
        "months added one too many (extension and challenge limits)",
        "appeals/calendar/policy.py",
        "month_index = day.month - 1 + months",
        "month_index = day.month + months",
        POLICY_TESTS,
    ),
    Mutation(
        "P5",
        "the redirect limit one working day late",
        "appeals/calendar/policy.py",
        'int(policy("REDIRECT_LIMIT_WORKING_DAYS")))',
        'int(policy("REDIRECT_LIMIT_WORKING_DAYS")) + 1)',
        POLICY_TESTS,
    ),
    Mutation(
        "P6",
        "the reminder stages off by one (<= to <)",
        "appeals/calendar/policy.py",
        "        if days_left <= before:\n",
        "        if days_left < before:\n",
        POLICY_TESTS,
    ),
    Mutation(
        "P7",
        "a complaint's forwarding limit one working day late",
        "appeals/calendar/policy.py",
        "    return cal.add_working_days(registration_day(registered_at, cal), days)\n",
        "    return cal.add_working_days(registration_day(registered_at, cal), days + 1)\n",
        POLICY_TESTS,
    ),
    Mutation(
        "P8",
        "the extension limit counted from the day received, not the registration day",
        "appeals/calendar/policy.py",
        'return add_months(registration_day(registered_at, cal), int(policy("EXTENSION_MAX_MONTHS")))',
        'return add_months(timezone.localdate(registered_at), int(policy("EXTENSION_MAX_MONTHS")))',
        POLICY_TESTS,
    ),
    # --- The IIN/BIN validator --------------------------------------------------------------------------
    Mutation(
        "V1",
        "first weights 2..12 instead of 1..11",
        "appeals/models/validators.py",
        "_FIRST_WEIGHTS = tuple(range(1, 12))",
        "_FIRST_WEIGHTS = tuple(range(2, 13))",
        VALIDATOR_TESTS,
    ),
    Mutation(
        "V2",
        "mod 10 instead of mod 11",
        "appeals/models/validators.py",
        "value = sum(w * d for w, d in zip(_FIRST_WEIGHTS, digits, strict=True)) % 11",
        "value = sum(w * d for w, d in zip(_FIRST_WEIGHTS, digits, strict=True)) % 10",
        VALIDATOR_TESTS,
    ),
    Mutation(
        "V3",
        "no second pass (10 means invalid at once)",
        "appeals/models/validators.py",
        "value = sum(w * d for w, d in zip(_SECOND_WEIGHTS, digits, strict=True)) % 11",
        "value = 10",
        VALIDATOR_TESTS,
    ),
    Mutation(
        "V4",
        "second weights with the last two swapped",
        "appeals/models/validators.py",
        "_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)",
        "_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 2, 1)",
        VALIDATOR_TESTS,
    ),
    Mutation(
        "V5",
        '"10 twice" gives check digit 0 instead of invalid',
        "appeals/models/validators.py",
        "        if value == 10:\n            return None\n",
        "        if value == 10:\n            return 0\n",
        VALIDATOR_TESTS,
    ),
    # --- Access -------------------------------------------------------------------------------------------
    Mutation(
        "A1",
        "is_superuser -> is_staff in appeals_visible_to",
        "appeals/access/selectors.py",
        "    if user.is_superuser:\n        return Appeal.objects.all()\n",
        "    if user.is_staff:\n        return Appeal.objects.all()\n",
        ACCESS_TESTS,
    ),
    Mutation(
        "A2",
        "is_superuser -> is_staff for the actor's roles",
        "appeals/lifecycle/rules.py",
        "    if actor.is_superuser and actor.is_active:\n        return frozenset(Role.values)\n",
        "    if actor.is_staff and actor.is_active:\n        return frozenset(Role.values)\n",
        ACCESS_TESTS,
    ),
    Mutation(
        "A3",
        "a supervisor sees only the own agency, not the subtree",
        "agencies/selectors.py",
        "            subtree_paths.add(membership.agency.path)\n",
        "            direct.add(membership.agency_id)\n",
        ACCESS_TESTS,
    ),
    Mutation(
        "A4",
        "any member (not only a supervisor) holds the supervisor role below",
        "agencies/selectors.py",
        "elif membership.role == Role.SUPERVISOR and agency_is_within(agency, membership.agency):",
        "elif agency_is_within(agency, membership.agency):",
        ACCESS_TESTS,
    ),
    Mutation(
        "A5",
        "a deactivated user keeps the memberships",
        "agencies/selectors.py",
        "        if not user.is_authenticated or not user.is_active:\n            cached = []\n",
        "        if not user.is_authenticated:\n            cached = []\n",
        ACCESS_TESTS,
    ),
    Mutation(
        "A6",
        "a switched-off integration's token still works",
        "appeals/access/integrations.py",
        ".filter(token_hash=token_hash(token), is_active=True, agency__is_active=True)",
        ".filter(token_hash=token_hash(token), agency__is_active=True)",
        ACCESS_TESTS,
    ),
    # --- Who may do what ---------------------------------------------------------------------------------
    Mutation(
        "R1",
        "executors may approve",
        "appeals/lifecycle/rules.py",
        "frozenset({AppealStatus.AWAITING_APPROVAL}), frozenset({Role.SUPERVISOR}), AppealStatus.ANSWERED",
        "frozenset({AppealStatus.AWAITING_APPROVAL}), frozenset({Role.SUPERVISOR, Role.EXECUTOR}), "
        "AppealStatus.ANSWERED",
        ACTION_TESTS,
    ),
    Mutation(
        "R2",
        "executors may grant an extension",
        "appeals/lifecycle/rules.py",
        "AppealAction.GRANT_EXTENSION: ActionRule(OPEN_STATUSES, frozenset({Role.SUPERVISOR})),",
        "AppealAction.GRANT_EXTENSION: ActionRule(OPEN_STATUSES, frozenset({Role.SUPERVISOR, Role.EXECUTOR})),",
        ACTION_TESTS,
    ),
    Mutation(
        "R3",
        "a registrar may assign",
        "appeals/lifecycle/rules.py",
        "        frozenset({Role.SUPERVISOR}),\n        AppealStatus.IN_PROGRESS,\n    ),\n    AppealAction.REDIRECT",
        "        frozenset({Role.SUPERVISOR, Role.REGISTRAR}),\n        AppealStatus.IN_PROGRESS,\n    ),\n"
        "    AppealAction.REDIRECT",
        ACTION_TESTS,
    ),
    Mutation(
        "R4",
        "a colleague who is not the assignee may submit (assignee_only ignored)",
        "appeals/lifecycle/rules.py",
        "if rule.assignee_only and Role.SUPERVISOR not in roles and",
        "if False and rule.assignee_only and Role.SUPERVISOR not in roles and",
        ACTION_TESTS,
    ),
    Mutation(
        "R5",
        "a supervisor may no longer step in for the assignee",
        "appeals/lifecycle/rules.py",
        "if rule.assignee_only and Role.SUPERVISOR not in roles and",
        "if rule.assignee_only and",
        ACTION_TESTS,
    ),
    # --- On time ---------------------------------------------------------------------------------------------
    Mutation(
        "O1",
        "on time: <= to < (the due day counted late)",
        "appeals/dashboard/facts.py",
        "on_time = resolved_day <= original_due",
        "on_time = resolved_day < original_due",
        ON_TIME_TESTS,
    ),
    Mutation(
        "O2",
        "on time judged on the UTC day, not Almaty's",
        "appeals/dashboard/facts.py",
        "resolved_day = local_day(resolved_at)",
        "resolved_day = resolved_at.date()",
        ON_TIME_TESTS,
    ),
    Mutation(
        "O3",
        "the on_time filter: lte to lt",
        "appeals/desk/filters.py",
        'resolved_at__date__lte=F("original_due_date")',
        'resolved_at__date__lt=F("original_due_date")',
        ON_TIME_TESTS,
    ),
    # --- Reminder de-duplication --------------------------------------------------------------------------------
    Mutation(
        "D1",
        "a sent notice is claimed and sent again",
        "appeals/notices/outbox.py",
        "                Notice.objects.filter(pk=notice_id, state=NoticeState.PENDING)\n",
        "                Notice.objects.filter(pk=notice_id)\n",
        REMINDER_TESTS,
    ),
    Mutation(
        "D2",
        "another worker's claim (lease) is ignored",
        "appeals/notices/outbox.py",
        "                .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))\n"
        "                .update(claimed_until=lease)\n",
        "                .update(claimed_until=lease)\n",
        REMINDER_TESTS,
    ),
    Mutation(
        "D3",
        "no unique claim on deadline reminders (the constraint removed)",
        # The latest migration that (re)defines notice_deadline_once: 0013 added the complaint's clock.
        "appeals/migrations/0013_h_law_complaint_forward.py",
        "condition=models.Q(('kind__in', ('due_reminder', 'overdue_reminder', 'redirect_limit', 'complaint_forward')))",
        "condition=models.Q(('kind__in', ('no-such-kind',)))",
        REMINDER_TESTS,
    ),
    Mutation(
        "D4",
        "no unique claim on the daily digest (the constraint removed)",
        "appeals/migrations/0006_notice_outbox_and_routing_index.py",
        "condition=models.Q(('kind', 'digest'))",
        "condition=models.Q(('kind', 'no-such-kind'))",
        REMINDER_TESTS,
    ),
]

IGNORE = shutil.ignore_patterns(".venv", ".git", "var", "staticfiles", "__pycache__", ".pytest_cache", ".ruff_cache")


def run_pytest(tree: Path, tests: tuple[str, ...], env: dict[str, str], extra=()) -> tuple[int, str, float]:
    started = time.monotonic()
    command = [str(PYTHON), "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--tb=no", "-rf", *extra, *tests]
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def first_failure(output: str) -> str:
    match = re.search(r"^FAILED (\S+)", output, flags=re.MULTILINE)
    return match.group(1).split("::", 1)[-1][:70] if match else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("keys", nargs="*", help="only these mutations (e.g. V1 A1)")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--deselect", action="append", default=[], help="a test id to leave out (a known failure)")
    args = parser.parse_args()
    extra = [f"--deselect={test}" for test in args.deselect]
    chosen = [m for m in MUTATIONS if not args.keys or m.key in args.keys]
    if args.list:
        for m in chosen:
            print(f"{m.key:4} {m.path:45} {m.what}")
        return 0

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CI", "CELERY_BROKER_URL", "CACHE_URL"}}
    with tempfile.TemporaryDirectory(prefix="otinish-mutations-") as tmp:
        tree = Path(tmp) / "tree"
        shutil.copytree(ROOT, tree, ignore=IGNORE)
        (tree / "var").mkdir()
        env["PYTHONPATH"] = str(tree)
        where = subprocess.run(  # noqa: S603
            [str(PYTHON), "-c", "import appeals; print(appeals.__file__)"],
            cwd=tree, env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        if not where.startswith(str(tree)):
            print(f"the copy is not what runs: appeals comes from {where}", file=sys.stderr)
            return 2

        baseline = sorted({t for m in chosen for t in m.tests})
        code, output, seconds = run_pytest(tree, tuple(baseline), env, extra)
        print(f"baseline: {len(baseline)} test files, exit code {code} ({seconds:.0f} s)", flush=True)
        if code != 0:
            print(output[-3000:], file=sys.stderr)
            return 2

        rows = []
        for m in chosen:
            source = tree / m.path
            original = source.read_text()
            count = original.count(m.old)
            if count != 1:
                rows.append((m, "-", f"NOT PLANTED (found {count} times: the source changed)", 0.0))
                print(f"{m.key}: not planted", flush=True)
                continue
            source.write_text(original.replace(m.old, m.new))
            try:
                code, output, seconds = run_pytest(tree, m.tests, env, extra)
            finally:
                source.write_text(original)
            if code == 1:
                verdict = f"caught ({first_failure(output)})"
            elif code == 0:
                verdict = "NOT CAUGHT"
            else:
                verdict = f"error, exit code {code}"
            rows.append((m, ", ".join(t.removeprefix("tests/") for t in m.tests), verdict, seconds))
            print(f"{m.key}: {verdict} [{seconds:.0f} s]", flush=True)

    print()
    print("| # | mutation | file | tests run | caught? |")
    print("|---|---|---|---|---|")
    for m, tests, verdict, _seconds in rows:
        print(f"| {m.key} | {m.what} | {m.path} | {tests} | {verdict} |")
    caught = sum(verdict.startswith("caught") for _m, _t, verdict, _s in rows)
    print(f"\n{caught} of {len(rows)} mutations caught")
    return 0 if caught == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
