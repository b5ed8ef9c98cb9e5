"""How a database URL becomes an entry of Django's DATABASES (config/settings.py reads the environment and calls this).

Kept apart from the settings so that the tests build the connections of their scratch PostgreSQL primary and
replica exactly as production builds its own (tests/replica/).
"""

from __future__ import annotations

import environ

# What DATABASE_POOLER may say: nothing (Django talks to PostgreSQL itself), or PgBouncer in transaction mode.
POOLERS = ("", "pgbouncer")
# A replica that does not answer within this many seconds is taken as down (its reads go to the primary).
REPLICA_CONNECT_TIMEOUT_SECONDS = 3


def postgres_database(url: str, *, pooler: str, conn_max_age: int, replica: bool = False) -> dict:
    """The DATABASES entry of a PostgreSQL URL: the primary's, or with replica=True a read replica's."""
    config = environ.Env.db_url_config(url)
    config["CONN_MAX_AGE"] = conn_max_age
    # A connection that died with a PostgreSQL restart is replaced before the next request uses it.
    config["CONN_HEALTH_CHECKS"] = True
    options = config.setdefault("OPTIONS", {})
    if pooler == "pgbouncer":
        # Transaction pooling: each transaction may run on another server connection, so nothing may outlive it.
        # psycopg prepares a statement on the server after a few runs; the next server has never heard of it.
        options["prepare_threshold"] = None
        # Outside a transaction, .iterator() declares a WITH HOLD cursor and fetches from it in later statements,
        # which may land on another server connection. Big reads go through appeals.infra.replica.iterate, which
        # keeps its cursor inside one transaction; everything else fetches its rows at once.
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
    if replica:
        options.setdefault("connect_timeout", REPLICA_CONNECT_TIMEOUT_SECONDS)
        # In the tests the replica reads the test database of the primary (replicated by PostgreSQL, or the same).
        config["TEST"] = {"MIRROR": "default"}
    return config
