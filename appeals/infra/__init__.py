"""Plumbing that is not about appeals, used by every part.

requestguard.py  the middleware refusing NUL characters and oversized or too deeply nested requests
security.py      idle sessions, the second factor, the request log, the sign-in receiver
heap.py          gc.freeze() after the first request
handoff.py       the registry through which inner code starts Celery tasks without importing them
rosters.py       the rosters' version (agencies, categories, routes, staff…) and reads kept until it changes
prepared.py      querysets of a fixed shape compiled once per process (the token check of every API request)
admin_dates.py   the admin's date hierarchy found through the date's index, not a walk of the whole table
replica.py       the read replica: the router, heavy reads, read-your-writes, the replica's lag; big reads in
                 constant memory (behind PgBouncer too)

May import: appeals.models only (and Django). Importable by every layer.
"""
