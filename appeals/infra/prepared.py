"""Querysets of a fixed shape compiled once per process, then run with new values: for the reads of every request.

Django builds and compiles a queryset into SQL each time it is evaluated. For a join with a subquery that is about
a millisecond of CPU, far more than the query takes in the database: the token check of every API request (the
integration, its agency and whether it has webhooks) paid that on every intake. `PreparedQuery` compiles the
queryset once, with a marker in place of each value, remembers where each marker landed among the SQL's parameters,
and later runs the same SQL with the real values, turning the rows into model instances the way Django's own
ModelIterable does (select_related objects and annotations included). It goes through the connection's cursor
like any query: it is logged, counted by the tests and timed by the benchmarks.

    _by_token = PreparedQuery(lambda digest: Integration.objects.select_related("agency").filter(token_hash=digest))
    integration = _by_token.first(token_hash(token))

The queryset must take each value as a plain parameter (a filter on a field, as above; not inside an expression
that transforms it) and each value exactly once; a shape that does not is refused when it is first compiled.

May import: Django only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


@dataclass
class _Compiled:
    sql: str
    params: list[Any]
    positions: list[int]
    model: type[Model]
    start: int  # where the model's own columns are in a row
    end: int
    init_list: list[str]
    related_populators: list
    annotations: dict[str, int]
    converters: dict
    compiler: Any


class PreparedQuery:
    """`build(*values)` compiled once per thread and database, run with new values by `all()` and `first()`.

    The database is the router's choice for each run (a replica router may send a read elsewhere from one request to
    the next); the SQL is compiled once for each database chosen.
    """

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self._build = build
        self._model: type[Model] | None = None  # known once the queryset was first built
        self._local = threading.local()  # a compiler keeps its thread's connection: compiled once per thread

    def all(self, *values: Any) -> list[Model]:
        """The instances the queryset gives for these values, in its order."""
        compiled, alias = self._compiled(len(values))
        params = list(compiled.params)
        for position, value in zip(compiled.positions, values, strict=True):
            params[position] = value
        with connections[alias].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        return [self._instance(compiled, alias, row) for row in rows]

    def first(self, *values: Any) -> Model | None:
        """The first instance for these values (build the queryset with its order and a limit of 1), or None."""
        found = self.all(*values)
        return found[0] if found else None

    def _compiled(self, count: int) -> tuple[_Compiled, str]:
        compiled_for: dict[str, _Compiled] = self._local.__dict__.setdefault("compiled", {})
        alias = router.db_for_read(self._model) if self._model is not None else None
        compiled = compiled_for.get(alias) if alias is not None else None
        if compiled is None:
            compiled, alias = self._compile(count, alias)
            compiled_for[alias] = compiled
        return compiled, alias

    def _compile(self, count: int, alias: str | None) -> tuple[_Compiled, str]:
        markers = [f"\x1eprepared-{id(self)}-{i}\x1e" for i in range(count)]
        queryset = self._build(*markers)
        self._model = queryset.model
        alias = alias or queryset.db
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        params = list(params)
        positions = []
        for marker in markers:
            found = [i for i, param in enumerate(params) if param == marker]
            if len(found) != 1:
                raise ValueError(f"a prepared query must take each value once as a parameter: {sql}")
            positions.append(found[0])
        klass_info = compiler.klass_info
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        compiled = _Compiled(
            sql=sql,
            params=params,
            positions=positions,
            model=klass_info["model"],
            start=start,
            end=end,
            init_list=[column[0].target.attname for column in compiler.select[start:end]],
            related_populators=get_related_populators(klass_info, compiler.select, alias),
            annotations=dict(compiler.annotation_col_map or {}),
            converters=compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]]),
            compiler=compiler,
        )
        return compiled, alias

    @staticmethod
    def _instance(compiled: _Compiled, alias: str, row) -> Model:
        obj = compiled.model.from_db(alias, compiled.init_list, row[compiled.start : compiled.end])
        for populator in compiled.related_populators:
            populator.populate(row, obj)
        for name, position in compiled.annotations.items():
            setattr(obj, name, row[position])
        return obj
