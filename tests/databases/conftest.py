"""The scratch streaming pair (pair.py), and the desk running on it.

`desk_on_pair` points Django at the pair for one test: the `default` connection is the pair's primary and
`replica` its streaming replica, each built by config.databases as production builds them from DATABASE_URL and
DATABASE_REPLICA_URL, with the router of settings.DATABASE_ROUTERS on. Nothing is rolled back: what a test writes
is committed on the primary and replicated for real (each test makes its own agencies and people). The suite's own
test database is set aside meanwhile and put back after.
"""

import pytest
from django.core.cache import cache
from django.db import connections
from django.db.utils import load_backend

from appeals.infra.replica import PRIMARY, REPLICA, forget_replica_state
from config.databases import postgres_database

from .pair import Pair


@pytest.fixture(scope="session")
def streaming_pair():
    pair = Pair.start()
    yield pair
    pair.stop()


def _wrappers(pair: Pair) -> dict:
    configured = connections.configure_settings(
        {
            PRIMARY: postgres_database(pair.primary_url, pooler="", conn_max_age=60),
            REPLICA: postgres_database(pair.replica_url, pooler="", conn_max_age=60, replica=True),
        }
    )
    return {alias: load_backend(cfg["ENGINE"]).DatabaseWrapper(cfg, alias) for alias, cfg in configured.items()}


@pytest.fixture
def desk_on_pair(streaming_pair, django_db_blocker, settings):
    settings.DATABASE_ROUTERS = ["appeals.infra.replica.ReplicaRouter"]
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0  # measured at every heavy read: the tests move the replica
    wrappers = _wrappers(streaming_pair)
    suites_own = connections[PRIMARY]
    connections.settings[REPLICA] = wrappers[REPLICA].settings_dict
    connections[PRIMARY], connections[REPLICA] = wrappers[PRIMARY], wrappers[REPLICA]
    forget_replica_state()
    cache.clear()
    streaming_pair.touch()
    try:
        with django_db_blocker.unblock():
            yield streaming_pair
    finally:
        for wrapper in wrappers.values():
            wrapper.close()
        connections[PRIMARY] = suites_own
        del connections[REPLICA]
        del connections.settings[REPLICA]
        forget_replica_state()
        cache.clear()
        streaming_pair.recover()
