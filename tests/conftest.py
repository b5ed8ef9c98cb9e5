"""Personas and shared fixtures.

The agency tree used across tests:

    ministry (ministry_supervisor)
    ├── department: the appeal's own agency (registrar, executor, executor2, supervisor)
    │   └── district: a child agency (district_executor)
    └── sibling: another department of the same ministry (outsider)
    other_region: an agency of another region, outside the ministry (foreigner)
"""

import os
import shutil

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections

from agencies.choices import AgencyKind, Region, Role
from appeals.calendar.workdays import invalidate_calendar
from config.celery import app as celery_app

from .databases.pair import unavailable as pair_unavailable
from .factories import AgencyFactory, AppealFactory, CategoryFactory, MembershipFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_inline():
    """Tasks queued on commit run in the test process; the tests then read mail.outbox."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield


def _end_pooled_server_connections(name: str) -> None:
    """End the server connections PgBouncer keeps open to the test database `name` after its clients left, so that
    pytest-django can drop it (DROP DATABASE refuses while any session is connected) or create it again."""
    with connections["default"].creation._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, django_db_blocker):
    """Behind PgBouncer (CI's PostgreSQL pass), a test database left by a run that stopped half-way may still have
    pooled server connections: end them before pytest-django creates it again."""
    if django_settings.DATABASE_POOLER == "pgbouncer":
        with django_db_blocker.unblock():
            _end_pooled_server_connections(connections["default"].creation._get_test_db_name())


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, and behind PgBouncer the pooled server connections to the test database ended before it is
    dropped (pytest-django's teardown runs after this one's)."""
    yield
    if django_settings.DATABASE_POOLER == "pgbouncer":
        with django_db_blocker.unblock():
            _end_pooled_server_connections(connections["default"].settings_dict["NAME"])


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """PBKDF2 is slow on purpose; tests hash dozens of passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language, whatever a test before it in this process activated."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_calendar():
    invalidate_calendar()
    yield
    invalidate_calendar()


def redis_url() -> str:
    """The Redis database tests may flush: TEST_REDIS_URL's, one lower for each further pytest-xdist worker
    (gw0 → 15, gw1 → 14 …), so that parallel workers never flush each other's broker."""
    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    offset = int(worker.removeprefix("gw") or 0) if worker.startswith("gw") else 0
    prefix, _, db = base.rpartition("/")
    if not offset or not db.isdigit():
        return base
    return f"{prefix}/{(int(db) - offset) % 16}"


def redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(redis_url(), socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def pytest_runtest_setup(item):
    # PostgreSQL-only tests run in the PostgreSQL pass of the suite (CI runs both passes).
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        reason = "needs PostgreSQL: run with DATABASE_URL=postgres://…"
        if IN_CI:
            # CI deselects these in its SQLite pass (-m "not postgres"); one that still runs here is a mistake.
            pytest.fail(f"CI=true but the database is {connection.vendor}: {reason} (or deselect: -m 'not postgres')")
        pytest.skip(reason)
    if item.get_closest_marker("redis") and not redis_answers():
        reason = f"needs Redis at {redis_url()}"
        if IN_CI:
            pytest.fail(f"CI=true but nothing answers: {reason}")
        pytest.skip(reason)
    if item.get_closest_marker("replica") and (reason := pair_unavailable()):
        if IN_CI:
            pytest.fail(f"CI=true but the scratch replica cannot start: {reason}")
        pytest.skip(reason)
    if item.get_closest_marker("pgbouncer") and django_settings.DATABASE_POOLER != "pgbouncer":
        reason = "needs DATABASE_URL through PgBouncer in transaction mode, with DATABASE_POOLER=pgbouncer"
        if IN_CI:
            # CI's PostgreSQL pass goes through PgBouncer (.ci/run); its SQLite pass deselects -m postgres.
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    if item.get_closest_marker("browser") and not shutil.which("chromium"):
        reason = "needs Debian's chromium (apt-get install -y chromium)"
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)


def member(agency, role, **user_kwargs):
    user = UserFactory(**user_kwargs)
    MembershipFactory(user=user, agency=agency, role=role)
    return user


@pytest.fixture
def ministry(db):
    return AgencyFactory(code="min", name_ru="Министерство", name_kk="Министрлік", kind=AgencyKind.MINISTRY, region="")


@pytest.fixture
def agency(ministry):
    return AgencyFactory(
        code="dep",
        name_ru="Департамент Астаны",
        name_kk="Астана департаменті",
        kind=AgencyKind.DEPARTMENT,
        parent=ministry,
        region=Region.ASTANA,
    )


@pytest.fixture
def district(agency):
    return AgencyFactory(code="dist", name_ru="Районный отдел", name_kk="Аудандық бөлім", parent=agency)


@pytest.fixture
def sibling(ministry):
    return AgencyFactory(
        code="sib",
        name_ru="Департамент Алматы",
        name_kk="Алматы департаменті",
        kind=AgencyKind.DEPARTMENT,
        parent=ministry,
        region=Region.ALMATY_CITY,
    )


@pytest.fixture
def other_region(db):
    return AgencyFactory(code="oth", name_ru="Акимат Павлодара", name_kk="Павлодар әкімдігі", region=Region.PAVLODAR)


@pytest.fixture
def registrar(agency):
    return member(agency, Role.REGISTRAR, username="registrar")


@pytest.fixture
def executor(agency):
    return member(agency, Role.EXECUTOR, username="executor")


@pytest.fixture
def executor2(agency):
    return member(agency, Role.EXECUTOR, username="executor2")


@pytest.fixture
def supervisor(agency):
    return member(agency, Role.SUPERVISOR, username="supervisor")


@pytest.fixture
def ministry_supervisor(ministry):
    return member(ministry, Role.SUPERVISOR, username="minister")


@pytest.fixture
def district_executor(district):
    return member(district, Role.EXECUTOR, username="district_executor")


@pytest.fixture
def outsider(sibling):
    return member(sibling, Role.EXECUTOR, username="outsider")


@pytest.fixture
def foreigner(other_region):
    return member(other_region, Role.SUPERVISOR, username="foreigner")


@pytest.fixture
def category(db):
    return CategoryFactory(code="roads", name_ru="Дороги", name_kk="Жолдар")


@pytest.fixture
def appeal(agency, category):
    return AppealFactory(agency=agency, category=category)
