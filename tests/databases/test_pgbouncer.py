"""PgBouncer in transaction mode: nothing may outlive a transaction, because the next one may run on another
server connection. CI's PostgreSQL pass runs the whole suite through a real PgBouncer (.ci/run); the tests here
make the change of server connection happen on purpose, and show both that the settings of DATABASE_POOLER=pgbouncer
survive it and that without them PgBouncer really breaks the same code (so these tests can fail).

How a change of server is provoked: PgBouncer hands out its idle server connections last-used first. Client A runs
a statement (server S1 goes back to the pool), client B opens a transaction (it gets S1 and keeps it), and A's next
statement runs on another server S2.
"""

from __future__ import annotations

import ast
import copy
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connections, transaction

from appeals.infra.replica import iterate
from config.databases import postgres_database

ROOT = Path(__file__).resolve().parents[2]


# --- The settings ----------------------------------------------------------------------------------------------
def test_the_pooled_settings_keep_nothing_beyond_a_transaction():
    url = "postgres://desk:secret@pgbouncer.internal:6432/otinish"
    direct, pooled = (postgres_database(url, pooler=pooler, conn_max_age=60) for pooler in ("", "pgbouncer"))
    assert "prepare_threshold" not in direct["OPTIONS"] and not direct.get("DISABLE_SERVER_SIDE_CURSORS")
    assert pooled["OPTIONS"]["prepare_threshold"] is None and pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    replica = postgres_database(url, pooler="pgbouncer", conn_max_age=60, replica=True)
    assert replica["OPTIONS"] == {"prepare_threshold": None, "connect_timeout": 3}
    assert replica["TEST"] == {"MIRROR": "default"} and replica["DISABLE_SERVER_SIDE_CURSORS"] is True


def _settings_in_a_process(**env: str) -> subprocess.CompletedProcess:
    code = (
        "from django.conf import settings as s; "
        "print(sorted(s.DATABASES), getattr(s, 'DATABASE_ROUTERS', []), s.DATABASES['default'].get('OPTIONS'))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DJANGO_"))}
    return subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_environment_switches_the_replica_and_the_pooler_on_and_refuses_nonsense():
    on = _settings_in_a_process(
        DATABASE_URL="postgres://desk@pgbouncer.internal:6432/otinish",
        DATABASE_REPLICA_URL="postgres://desk@pgbouncer.internal:6432/otinish_replica",
        DATABASE_POOLER="pgbouncer",
    )
    assert on.returncode == 0, on.stderr
    assert "['default', 'replica'] ['appeals.infra.replica.ReplicaRouter'] {'prepare_threshold': None}" in on.stdout
    off = _settings_in_a_process(DATABASE_URL="postgres://desk@db.internal:5432/otinish")
    assert "['default'] [] {}" in off.stdout, off.stderr
    for wrong, message in [
        ({"DATABASE_POOLER": "pgpool"}, "DATABASE_POOLER must be empty or pgbouncer"),
        ({"DATABASE_REPLICA_URL": "postgres://desk@replica/otinish"}, "need DATABASE_URL=postgres"),  # SQLite
    ]:
        refused = _settings_in_a_process(**wrong)
        assert refused.returncode != 0 and message in refused.stderr


SESSION_STATE = re.compile(
    r"pg_(try_)?advisory_lock(_shared)?\(|^\s*LISTEN\b|WITH HOLD|CREATE TEMP|^\s*PREPARE\b|"
    r"^\s*SET (?!LOCAL |CONSTRAINTS )",  # SET LOCAL and SET CONSTRAINTS end with their transaction
    re.MULTILINE,
)


def _sql_strings(path: Path) -> Iterator[tuple[int, str]]:
    """The string literals of a module that are not docstrings (SQL lives in those), with their lines."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_code_relies_on_state_of_the_database_session():
    """Session advisory locks, LISTEN, cursors WITH HOLD, temporary tables, prepared statements and plain SET
    would each be left on one server connection of PgBouncer and missed (or met) by the next transaction."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text.strip()[:100]}"
        for package in ("appeals", "agencies", "config", "benchmarks")
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for line, text in _sql_strings(path)
        if SESSION_STATE.search(text)
    ]
    assert found == []


# --- Through the real PgBouncer ------------------------------------------------------------------------------------
@pytest.fixture
def clients(django_db_setup, django_db_blocker):
    """Two more clients of the test database (outside any test transaction), with the suite's settings or others."""
    made: list[str] = []

    def client(**changes) -> str:
        config = copy.deepcopy(connections["default"].settings_dict)
        options = changes.pop("OPTIONS", None)
        config.update(changes)
        if options is not None:
            config["OPTIONS"] = options
        alias = f"pgbouncer_client_{len(made)}"
        connections[alias] = connections["default"].__class__(config, alias)
        made.append(alias)
        return alias

    with django_db_blocker.unblock():
        yield client
    for alias in made:
        connections[alias].close()
        del connections[alias]


def server_of(alias: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@contextmanager
def another_server_for(a: str, b: str) -> Iterator[None]:
    """Inside: client `b` holds the server connection `a` last ran on, so `a` runs on another one. At the end, `b`
    clears what `a` may have left on that server (as the tests without the pooled settings do: a cursor WITH HOLD,
    a prepared statement), which PgBouncer in transaction mode would otherwise hand to the next client."""
    first = server_of(a)
    with transaction.atomic(using=b):
        assert server_of(b) == first, "PgBouncer did not hand the last-used server to the next transaction"
        try:
            yield
        finally:
            with connections[b].cursor() as cursor:
                cursor.execute("CLOSE ALL")
                cursor.execute("DEALLOCATE ALL")


@pytest.mark.postgres
@pytest.mark.pgbouncer
@pytest.mark.parametrize("pooled_settings", [True, False], ids=["pooled settings", "without them"])
def test_iterator_outside_a_transaction_survives_a_change_of_server(clients, pooled_settings):
    a = clients() if pooled_settings else clients(DISABLE_SERVER_SIDE_CURSORS=False)
    b = clients()
    expected = list(ContentType.objects.using(a).order_by("pk").values_list("pk", flat=True))
    rows = ContentType.objects.using(a).order_by("pk").values_list("pk", flat=True).iterator(chunk_size=2)
    got = [next(rows), next(rows), next(rows)]  # a cursor WITH HOLD (without the settings), two fetches
    with another_server_for(a, b):
        if not pooled_settings:
            with pytest.raises(Exception, match=r"cursor .* does not exist"):
                list(rows)
            return
        got += list(rows)
    assert got == expected


@pytest.mark.postgres
@pytest.mark.pgbouncer
@pytest.mark.parametrize("pooled_settings", [True, False], ids=["pooled settings", "without them"])
def test_prepared_statements_survive_a_change_of_server(clients, pooled_settings):
    """psycopg prepares a statement on the server after a few runs (with server-side binding): on another server
    connection that name means nothing. prepare_threshold=None keeps it from preparing (Django's default too; the
    pooled settings say it outright, so that no OPTIONS given in the URL turn it back on)."""
    options = copy.deepcopy(connections["default"].settings_dict["OPTIONS"]) | {"server_side_binding": True}
    if not pooled_settings:
        options["prepare_threshold"] = 5  # psycopg's own default (Django's is None, which the settings make sure of)
    a, b = clients(OPTIONS=options), clients()
    query = "SELECT count(*) FROM django_content_type WHERE id > %s"
    with connections[a].cursor() as cursor:
        for _ in range(8):
            cursor.execute(query, [0])
    with another_server_for(a, b), connections[a].cursor() as cursor:
        if not pooled_settings:
            with pytest.raises(Exception, match="prepared statement .* does not exist"):
                cursor.execute(query, [0])
            return
        cursor.execute(query, [0])
        assert cursor.fetchone()[0] == ContentType.objects.using(b).count()


@pytest.mark.postgres
@pytest.mark.pgbouncer
def test_a_big_read_keeps_its_server_side_cursor_inside_its_transaction(clients):
    """appeals.infra.replica.iterate: chunk by chunk through a real server-side cursor (constant memory), which its
    own transaction keeps on one server while other clients come and go."""
    a, b = clients(), clients()
    expected = list(ContentType.objects.using(a).order_by("pk").values_list("pk", flat=True))
    rows = iterate(ContentType.objects.using(a).order_by("pk").values_list("pk", flat=True), chunk_size=2)
    got = [next(rows)]
    with connections[a].cursor() as cursor:  # the same transaction, so the same server
        cursor.execute("SELECT count(*) FROM pg_cursors")
        assert cursor.fetchone()[0] == 1
    with transaction.atomic(using=b):
        assert server_of(b) != server_of(a)  # a keeps its server while its transaction lasts
        got += list(rows)
    assert got == expected
    assert not connections[a].in_atomic_block
