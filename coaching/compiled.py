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
"""

import copy
import threading
import weakref
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.sql import InsertQuery, UpdateQuery
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
        # and, for a builder that picks a column by it, the language; a list's length.
        zone = timezone.get_current_timezone_name()
        return (using, zone, settings.USE_TZ, translation.get_language(), lengths)

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
            with self._lock:
                self._cache[key] = found
        return found

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
        runs.connection = connection
        runs.as_sql = lambda *args, **kwargs: (sql, params)
        runs.get_converters = partial(_converters, compiler, connection)
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
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def rows(self, using: str = DEFAULT_DB_ALIAS, **values) -> list[tuple]:
        """The rows of a raw compiled query (a builder that gave (sql, params))."""
        sql, params = self.bound(values, using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


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
