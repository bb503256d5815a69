"""Queries built and compiled once per process, run with each request's values.

Django builds a queryset (every filter() clones and resolves its lookups) and compiles it to SQL
on every evaluation. On a page of several lists that is most of the page's own time: *Vandaag*
at L spent about 19 of its 45 ms building and compiling eight queries whose SQL is the same on
every request but for a few values (the coach, today, now). A `Compiled` query is built once,
with a `Param` where a value varies; each call binds the values and runs the SQL through
Django's own result handling (model instances, `values()` rows, annotations, select_related).

    OPEN_MESSAGES = Compiled(
        lambda p: Message.objects.waiting().filter(traject__coach=p.coach).order_by("due_at"),
        coach=models.BigIntegerField(),
    )
    messages = OPEN_MESSAGES.all(coach=request.user.pk)

Rules that keep the SQL honest:

- Everything a request varies is a `Param`: a builder that read the clock or a setting would
  freeze that value into the SQL. The clock is caught when the query is compiled (it is built
  twice and must come out the same); a changed setting (tests) empties every cache.
- `using` and `known` are the calls' own arguments, not names of values.
- A `Param` stands where a value stands in a lookup or an expression, not where Python needs
  the value (slicing, `timedelta` arithmetic: pass the result as a value of its own). A list
  of values (`__in`) is a field given as `[Field]`: the builder gets a list of Params, and the
  query is compiled once per length of the list (an account's few clients). For a foreign
  key, filter on its target: `client__pk__in=at.clients` (the same SQL, no join; Django's
  `client__in` wants the values themselves).

On PostgreSQL a compiled query runs as a prepared statement (`prepared_cursor`): its SQL is the
same on every call, so the server plans it once per connection instead of on every request
(*Vandaag*'s first query spent 0.75 of its 2 ms being planned). The values travel apart from
the SQL (server-side binding), as they must for a prepared statement; Django's other queries
keep its client-side binding.
"""

import copy
import functools
import re
import threading
import weakref
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.sql import InsertQuery, UpdateQuery
from django.db.models.sql.constants import MULTI
from django.utils import timezone, translation


class Param(Expression):
    """A value left open in a compiled query, bound by name when the query runs."""

    def __init__(self, name: str, output_field: Field, index: int | None = None):
        super().__init__(output_field=output_field)
        self.name, self.index = name, index

    def __repr__(self) -> str:
        return (
            f"Param({self.name!r})" if self.index is None else f"Param({self.name!r}[{self.index}])"
        )

    def as_sql(self, compiler, connection):
        return "%s", (self,)

    def get_group_by_cols(self):
        return []

    def bind(self, values: dict[str, Any], connection) -> Any:
        value = values[self.name]
        if self.index is not None:
            value = value[self.index]
        return self.output_field.get_db_prep_value(value, connection, prepared=False)


_ALL: list["Compiled"] = []


class Compiled:
    """A queryset (or a raw SELECT) built by `build` from `Param`s, compiled once per process,
    database, time zone and language, and run with the values of each call."""

    def __init__(self, build: Callable[[SimpleNamespace], Any], **fields: Field | list[Field]):
        self.build = build
        self.fields = fields
        self._cache: dict[tuple, tuple] = {}
        self._lock = threading.Lock()
        _ALL.append(self)

    def params(self, lengths: tuple[int, ...] = ()) -> SimpleNamespace:
        """A Param per value; for a list field ([Field]) a list of as many as it has values."""
        at, counts = {}, iter(lengths)
        for name, field in self.fields.items():
            if isinstance(field, list):
                at[name] = [Param(name, field[0], index) for index in range(next(counts))]
            else:
                at[name] = Param(name, field)
        return SimpleNamespace(**at)

    def _lengths(self, values: dict[str, Any]) -> tuple[int, ...]:
        return tuple(
            len(values[name]) for name, field in self.fields.items() if isinstance(field, list)
        )

    def _key(self, using: str, lengths: tuple[int, ...]) -> tuple:
        # What Django may write into the SQL itself: the time zone (AT TIME ZONE, TruncDate)
        # and, for a builder that picks a column by it, the language; whether its constants are
        # written into the SQL (prepared statements); a list's length.
        zone = timezone.get_current_timezone_name()
        preparing = settings.PRAKTIJK_PREPARED_STATEMENTS
        return (using, zone, settings.USE_TZ, translation.get_language(), preparing, lengths)

    def _compile_once(self, connection, lengths: tuple[int, ...]) -> tuple:
        built = self.build(self.params(lengths))
        if isinstance(built, QuerySet):
            compiler = built.query.get_compiler(connection=connection)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                return built, None, "", ()
            return built, compiler, sql, tuple(params)
        sql, params = built
        return None, None, sql, tuple(params)

    def compiled(self, using: str = DEFAULT_DB_ALIAS, lengths: tuple[int, ...] = ()) -> tuple:
        key = self._key(using, lengths)
        found = self._cache.get(key)
        if found is None:
            connection = connections[using]
            found = self._compile_once(connection, lengths)
            # Built a second time, it must come out the same: a value read from the clock
            # (timezone.now() in a manager) would differ, and would be frozen in the SQL.
            again = self._compile_once(connection, lengths)
            if found[2:] != again[2:]:
                raise ImproperlyConfigured(
                    f"{self.build!r} builds different SQL or values each time: pass what varies "
                    "as a Param"
                )
            if _preparing(connection):
                # Prepared, the statement keeps only the Params as placeholders: what Django
                # passes as a parameter but never varies ('email', a status list) is written
                # into it, as client-side binding writes it. The server then plans it once for
                # all calls (a generic plan) where it can: with a constant in its place the
                # planner can use a partial index and the value's statistics, which it cannot
                # with a placeholder (Vandaag's first query planned so: 0.4 ms, then 8).
                found = (*found[:2], *_inline_constants(connection, *found[2:]))
            with self._lock:
                self._cache[key] = found
        return found

    def _statement(self, values: dict[str, Any], using: str) -> tuple[str, list] | None:
        """The SQL and parameters for these values, or None when nothing can match."""
        built, compiler, _sql, _params = self.compiled(using, self._lengths(values))
        if built is not None and compiler is None:
            return None
        return self.bound(values, using)

    def bound(self, values: dict[str, Any], using: str = DEFAULT_DB_ALIAS) -> tuple[str, list]:
        """The SQL and its parameters for these values."""
        if set(values) != set(self.fields):
            raise TypeError(f"values for {sorted(self.fields)} expected, got {sorted(values)}")
        _built, _compiler, sql, params = self.compiled(using, self._lengths(values))
        connection = connections[using]
        return sql, [p.bind(values, connection) if isinstance(p, Param) else p for p in params]

    def _queryset(
        self, using: str = DEFAULT_DB_ALIAS, known: dict[str, Model] | None = None, **values
    ) -> QuerySet:
        """A queryset that runs the compiled SQL with these values when it is iterated (and is
        good for nothing else: count() or filter() on it would reuse the compiled SELECT).
        `known`: the objects the rows point to that the caller has already, by the field's name
        (as a related manager gives each message its traject without a query)."""
        if set(values) != set(self.fields):
            raise TypeError(f"values for {sorted(self.fields)} expected, got {sorted(values)}")
        built, compiler, sql, _params = self.compiled(using, self._lengths(values))
        if built is None:
            raise TypeError("a raw compiled query has no queryset: use rows()")
        # A shallow copy of the built queryset, which is never evaluated itself: .all() would
        # clone its query (every node of its WHERE) on each call, for SQL already compiled.
        # (Not copy.copy(): a QuerySet's __getstate__ evaluates it, for pickling.)
        queryset = object.__new__(type(built))
        queryset.__dict__.update(built.__dict__)
        for name, obj in (known or {}).items():
            field = queryset.model._meta.get_field(name)
            queryset._known_related_objects = {
                **queryset._known_related_objects,
                field: {obj.pk: obj},
            }
        if compiler is None:  # nothing can match (as Django found when it compiled)
            return queryset.none()
        sql, params = self.bound(values, using)
        connection = connections[using]
        runs = copy.copy(compiler)
        runs.connection = _Preparing(connection)
        runs.as_sql = lambda *args, **kwargs: (sql, params)
        runs.get_converters = partial(_converters, compiler, connection)
        stored = _stored(self, using, values)
        if stored is not None:
            runs.execute_sql = partial(_replay, runs, stored)
        query = copy.copy(queryset.query)
        query.get_compiler = lambda using=None, connection=None, elide_empty=True: runs
        queryset._query = query
        return queryset

    def all(
        self, using: str = DEFAULT_DB_ALIAS, known: dict[str, Model] | None = None, **values
    ) -> list:
        """The rows, as the built queryset gives them (instances, dicts or tuples)."""
        return list(self._queryset(using, known, **values))

    def execute(self, using: str = DEFAULT_DB_ALIAS, **values) -> int:
        """Run a raw compiled statement that returns no rows (an UPDATE): how many it changed."""
        sql, params = self.bound(values, using)
        with prepared_cursor(connections[using]) as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def rows(self, using: str = DEFAULT_DB_ALIAS, **values) -> list[tuple]:
        """The rows of a raw compiled query (a builder that gave (sql, params))."""
        stored = _stored(self, using, values)
        if stored is not None:
            return list(stored)
        sql, params = self.bound(values, using)
        with prepared_cursor(connections[using]) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


# What `together` has read, by query, database and values, for the calls inside its block.
_TOGETHER: ContextVar[dict | None] = ContextVar("compiled_together", default=None)


def _values_key(values: dict[str, Any]) -> tuple:
    return tuple(
        sorted((name, tuple(v) if isinstance(v, list) else v) for name, v in values.items())
    )


def _stored(compiled: "Compiled", using: str, values: dict[str, Any]) -> list | None:
    store = _TOGETHER.get()
    if not store:
        return None
    return store.get((compiled, using, _values_key(values)))


def _replay(runs, rows: list, result_type=MULTI, chunked_fetch=False, chunk_size=None) -> list:
    """What the compiler's execute_sql gives for MULTI (a list of chunks of rows), from rows
    read already; the columns beyond the selected ones cut off, as Django's cursor_iter does."""
    if result_type != MULTI:
        raise TypeError("rows read together are only iterated")
    if runs.has_extra_select:
        return [[row[: runs.col_count] for row in rows]]
    return [rows]


@contextmanager
def together(calls: Iterable[tuple["Compiled", dict[str, Any]]], using: str = DEFAULT_DB_ALIAS):
    """Read these compiled queries at once; inside the block, a call of one of them with the
    same values (`all()`, `rows()`) gets those rows without a query of its own.

    On PostgreSQL the statements go to the server together (psycopg's pipeline mode: one round
    trip for all, each still a prepared statement), so that a page of several independent
    lists waits for the database once, not once a list. Elsewhere they run one after another.
    A call with other values than those read runs its own query, as outside the block. The rows
    are those read as the block began: a write inside it is not seen by the calls that follow
    (read what a page writes before, as Vandaag records its visit first)."""
    connection = connections[using]
    store, sent = {}, []
    for compiled, values in calls:
        key = (compiled, using, _values_key(values))
        if key in store:
            continue
        statement = compiled._statement(values, using)
        if statement is None:  # nothing can match (Django found so when it compiled)
            store[key] = []
            continue
        store[key] = None
        sent.append((key, *statement))
    if sent:
        if connection.vendor == "postgresql":
            connection.close_if_health_check_failed()
            connection.ensure_connection()
            cursors = []
            with connection.wrap_database_errors, connection.connection.pipeline():
                for _key, sql, params in sent:
                    cursor = prepared_cursor(connection)
                    cursor.execute(sql, params)
                    cursors.append(cursor)
            for (key, _sql, _params), cursor in zip(sent, cursors, strict=True):
                with cursor:
                    store[key] = cursor.fetchall()
        else:
            for key, sql, params in sent:
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    store[key] = cursor.fetchall()
    outer = _TOGETHER.get()
    token = _TOGETHER.set({**(outer or {}), **store})
    try:
        yield
    finally:
        _TOGETHER.reset(token)


# psycopg prepares a statement only when asked (prepare=True) once its connection allows it at all:
# Django sets no threshold (None, "never"), so that a transaction-mode pooler, which hands each
# transaction another server connection, does not meet statements prepared on another one.
# PRAKTIJK_PREPARED_STATEMENTS=false keeps it so (docs/configuration.md).
_NEVER_BY_COUNT = 2**31 - 1  # only what is asked for is prepared, never a query for its count
PREPARED_MAX = 500  # statements per connection (psycopg's default 100; there are ~60 compiled)


def prepared_cursor(connection):
    """A cursor of `connection` whose statements run prepared, on PostgreSQL when the setting
    allows it; elsewhere the connection's own cursor."""
    if not _preparing(connection):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold, raw.prepared_max = _NEVER_BY_COUNT, PREPARED_MAX
    cursor_class, debug_wrapper = _prepared_classes()
    with connection.wrap_database_errors:
        cursor = cursor_class(raw)
        # As Django's create_cursor: the time zone datetimes are read in, where the connection's
        # own loader has another (DATABASES' TIME_ZONE, a test that changes it).
        from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, Format, register_tzloader

        loader = raw.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != loader.timezone:
            register_tzloader(connection.timezone, cursor)
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return debug_wrapper(cursor, connection)
    return connection.make_cursor(cursor)


def _preparing(connection) -> bool:
    return connection.vendor == "postgresql" and settings.PRAKTIJK_PREPARED_STATEMENTS


def _inline_constants(connection, sql: str, params: tuple) -> tuple[str, tuple]:
    """The SQL with each parameter that is not a Param written into it as a literal (quoted
    by psycopg as its client-side binding quotes it), and the Params left as placeholders."""
    parts, kept, values = [], [], iter(params)
    for token in _PLACEHOLDER.split(sql):
        if token == "%s":
            value = next(values)
            if isinstance(value, Param):
                parts.append(token)
                kept.append(value)
            else:
                parts.append(connection.ops.compose_sql("%s", [value]).replace("%", "%%"))
        else:
            parts.append(token)
    return "".join(parts), tuple(kept)


_PLACEHOLDER = re.compile(r"(%%|%s)")


@functools.cache
def _prepared_classes():
    from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    class PreparedDebugWrapper(CursorDebugWrapper):
        """Logs (connection.queries, the tests' captured queries) the SQL with its values in
        it, as Django logs a query it binds itself: SQL that can be run again (EXPLAIN)."""

        def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
            if use_last_executed_query and not many:
                sql, use_last_executed_query = self.db.ops.compose_sql(sql, params), False
            return super().debug_sql(sql, params, use_last_executed_query, many)

    return PreparedCursor, PreparedDebugWrapper


class _Preparing:
    """A compiled query's connection as its run sees it: the real one, but for its cursors."""

    def __init__(self, connection):
        self._connection = connection

    def __getattr__(self, name):
        return getattr(self._connection, name)

    def cursor(self):
        return prepared_cursor(self._connection)


# The functions that turn a compiled SELECT's columns into Python values, per compiled query and
# connection (a thread's): the same on every run, and asking every column's field and the
# backend for them cost ~70 µs a run.
_CONVERTERS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _converters(compiler, connection, expressions) -> dict:
    per_connection = _CONVERTERS.get(compiler)
    if per_connection is None:
        per_connection = _CONVERTERS.setdefault(compiler, weakref.WeakKeyDictionary())
    found = per_connection.get(connection)
    if found is None:
        asks = copy.copy(compiler)  # (the compiled one, without the overrides of a run)
        asks.connection = connection
        found = per_connection[connection] = asks.get_converters(expressions)
    return found


def update(queryset: QuerySet, **values) -> tuple[str, list]:
    """The UPDATE that `queryset.update(**values)` runs, as SQL and parameters, for a raw
    compiled statement (its values may be Params and expressions of them)."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    sql, params = query.get_compiler(queryset.db).as_sql()
    return sql, list(params)


def insert(model: type[Model], **values) -> tuple[str, list]:
    """The INSERT of one row of `model` with these values (Params), as SQL and parameters, for
    a raw compiled statement: what `Model.save()` runs for a new row, without what save() does
    around it (signals, the primary key read back). Only the columns named are written: give
    a value for each that has no default in the database (a uuid made in Python too)."""
    fields = [model._meta.get_field(name) for name in values]
    row = model()
    for field, value in zip(fields, values.values(), strict=True):
        setattr(row, field.attname, value)  # a foreign key's column: its Param, not an object
    query = InsertQuery(model)
    query.insert_values(fields, [row], raw=True)
    ((sql, params),) = query.get_compiler(DEFAULT_DB_ALIAS).as_sql()
    return sql, list(params)


def _forget(**kwargs) -> None:
    for compiled in _ALL:
        with compiled._lock:
            compiled._cache.clear()


# A test that overrides a setting may change what a builder reads (a setting it turns into a
# Param's value elsewhere, the time zone in SQL): compile again.
setting_changed.connect(_forget)
