"""Under CI=true a test that cannot run here must fail, not skip (tests/conftest.py pytest_runtest_setup)."""

from types import SimpleNamespace

import pytest
from django.db import connection

from . import conftest


def item_marked(name):
    return SimpleNamespace(get_closest_marker=lambda marker: object() if marker == name else None)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the PostgreSQL pass runs postgres tests")
def test_a_postgres_test_fails_on_sqlite_under_ci(monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true but the database is sqlite"):
        conftest.pytest_runtest_setup(item_marked("postgres"))


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the PostgreSQL pass runs postgres tests")
def test_a_postgres_test_skips_on_sqlite_outside_ci(monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="needs PostgreSQL"):
        conftest.pytest_runtest_setup(item_marked("postgres"))


def test_a_redis_test_fails_under_ci_when_nothing_answers(monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", True)
    monkeypatch.setattr(conftest, "redis_answers", lambda: False)
    with pytest.raises(pytest.fail.Exception, match="CI=true but nothing answers"):
        conftest.pytest_runtest_setup(item_marked("redis"))


def test_a_replica_test_fails_under_ci_when_no_scratch_replica_can_start(monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", True)
    monkeypatch.setattr(conftest, "pair_unavailable", lambda: "needs the PostgreSQL server programs")
    with pytest.raises(pytest.fail.Exception, match="CI=true but the scratch replica cannot start"):
        conftest.pytest_runtest_setup(item_marked("replica"))


def test_a_pgbouncer_test_fails_under_ci_without_pgbouncer(monkeypatch, settings):
    settings.DATABASE_POOLER = ""
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true but needs DATABASE_URL through PgBouncer"):
        conftest.pytest_runtest_setup(item_marked("pgbouncer"))
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="needs DATABASE_URL through PgBouncer"):
        conftest.pytest_runtest_setup(item_marked("pgbouncer"))
