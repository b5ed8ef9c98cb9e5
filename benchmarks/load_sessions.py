"""Sessions for `make load` (benchmarks/load.sh): every simulated employee starts signed in, as an office does in
the morning, so that the 60 measured seconds are spent on pages. A sign-in is PBKDF2 at Django's 1 000 000
iterations (about a third of a second of CPU, by design): fifty of them in the ramp's five seconds held the
workers and the pages queued behind them. `LOAD_SIGN_IN=1` keeps the sign-ins in the run instead.

Reads the accounts from LOAD_EXECUTORS and LOAD_SUPERVISORS (or the demo's, as benchmarks/locustfile.py does) and
prints `LOAD_SESSIONS=username:session-key,…`. Runs with the server's SECRET_KEY and database (load.sh's environment).
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _demo_accounts() -> list[str]:
    """The demo's accounts as benchmarks/locustfile.py lists them (read, not imported: locust patches the process)."""
    tree = ast.parse((ROOT / "benchmarks" / "locustfile.py").read_text(encoding="utf-8"))
    names: list[str] = []
    for node in tree.body:
        named = isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id in ("EXECUTORS", "SUPERVISORS") for target in node.targets
        )
        if named and isinstance(node.value, ast.List):
            names += [element.value for element in node.value.elts if isinstance(element, ast.Constant)]
    return names


def main() -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from agencies.models import User

    names = [name for key in ("LOAD_EXECUTORS", "LOAD_SUPERVISORS") for name in os.environ.get(key, "").split(",")]
    names = [name for name in names if name] or _demo_accounts()
    pairs = []
    for user in User.objects.filter(username__in=names, is_active=True):
        client = Client()
        client.force_login(user)  # the user_logged_in handlers run: the idle clock and the second factor's flag
        pairs.append(f"{user.username}:{client.cookies[settings.SESSION_COOKIE_NAME].value}")
    print(f"LOAD_SESSIONS={','.join(pairs)}")


if __name__ == "__main__":
    main()
