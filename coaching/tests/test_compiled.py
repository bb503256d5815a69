"""coaching.compiled: a query built once gives what the same queryset built per call gives."""

import threading
from datetime import date, datetime, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models import Count, Window
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from coaching.compiled import Compiled, together
from coaching.models import Client
from coaching.tests.factories import ClientFactory, CoachFactory
from trajects.models import Traject
from trajects.tests.factories import TrajectFactory


def _registered_since(coach, since, *, limit=5):
    return (
        Traject.objects.for_coach(coach)
        .filter(registered_on__gte=since)
        .select_related("client")
        .annotate(total=Window(Count("pk")))
        .order_by("registered_on", "pk")[:limit]
    )


REGISTERED_SINCE = Compiled(
    lambda at: _registered_since(at.coach, at.since),
    coach=models.BigIntegerField(),
    since=models.DateField(),
)


@pytest.fixture
def two_coaches():
    today = timezone.localdate()
    mine, theirs = CoachFactory(), CoachFactory()
    made = {
        coach: [
            TrajectFactory(client=ClientFactory(coach=coach), registered_on=today - timedelta(n))
            for n in range(4)
        ]
        for coach in (mine, theirs)
    }
    return mine, theirs, made


@pytest.mark.django_db
class TestACompiledQuery:
    def test_gives_what_the_queryset_gives_for_each_set_of_values(self, two_coaches):
        mine, theirs, _made = two_coaches
        today = timezone.localdate()
        for coach in (mine, theirs):
            for days in (0, 1, 2, 10):
                since = today - timedelta(days)
                compiled = REGISTERED_SINCE.all(coach=coach.pk, since=since)
                built = list(_registered_since(coach, since))
                assert compiled == built
                # Annotations and select_related come along as they do with the queryset.
                assert [(t.total, t.client.first_name) for t in compiled] == [
                    (t.total, t.client.first_name) for t in built
                ]
        assert REGISTERED_SINCE.all(coach=mine.pk, since=today + timedelta(1)) == []

    def test_runs_one_query_and_compiles_once(self, two_coaches):
        mine, theirs, _made = two_coaches
        today = timezone.localdate()
        REGISTERED_SINCE.all(coach=mine.pk, since=today)  # compiled here (or before)
        built = []
        original = REGISTERED_SINCE.build
        REGISTERED_SINCE.build = lambda at: built.append(at) or original(at)
        try:
            with CaptureQueriesContext(connection) as queries:
                rows = REGISTERED_SINCE.all(coach=theirs.pk, since=today - timedelta(3))
        finally:
            REGISTERED_SINCE.build = original
        assert len(rows) == 4 and len(queries) == 1 and built == []
        assert all(t.client.coach_id == theirs.pk for t in rows)

    def test_asks_for_its_columns_converters_once_per_connection(self, two_coaches):
        """What turns each column into a Python value (an aware moment, a date) is the same on
        every run: asked for once per connection, and still applied on each."""
        mine, theirs, made = two_coaches
        today = timezone.localdate()
        REGISTERED_SINCE.all(coach=mine.pk, since=today)
        with patch.object(SQLCompiler, "get_converters", autospec=True) as asked:
            rows = REGISTERED_SINCE.all(coach=theirs.pk, since=today - timedelta(3))
            again = REGISTERED_SINCE.all(coach=mine.pk, since=today - timedelta(3))
        assert asked.call_count == 0
        assert [t.registered_on for t in rows] == sorted(t.registered_on for t in made[theirs])
        assert all(isinstance(t.registered_on, date) for t in again)
        assert all(timezone.is_aware(t.created_at) for t in again)

    def test_values_are_bound_as_parameters_not_written_into_the_sql(self, two_coaches):
        mine, _theirs, _made = two_coaches
        sql, params = REGISTERED_SINCE.bound({"coach": mine.pk, "since": date(2031, 5, 6)})
        assert "2031" not in sql
        assert params.count(mine.pk) == 1 and len(params) == sql.count("%s")

    def test_every_value_must_be_given_and_no_other(self, two_coaches):
        mine, _theirs, _made = two_coaches
        with pytest.raises(TypeError, match="since"):
            REGISTERED_SINCE.all(coach=mine.pk)
        with pytest.raises(TypeError, match="extra"):
            REGISTERED_SINCE.all(coach=mine.pk, since=timezone.localdate(), extra=1)

    def test_a_builder_that_reads_the_clock_is_refused(self, db):
        reads_the_clock = Compiled(
            lambda at: Traject.objects.filter(coach=at.coach, created_at__lt=timezone.now()),
            coach=models.BigIntegerField(),
        )
        with pytest.raises(ImproperlyConfigured, match="Param"):
            reads_the_clock.all(coach=1)

    def test_a_list_of_values_compiles_once_per_length(self, two_coaches):
        mine, theirs, made = two_coaches
        of_clients = Compiled(
            lambda at: Traject.objects.filter(client__pk__in=at.clients).order_by("pk"),
            clients=[models.BigIntegerField()],
        )
        mine_ids = [t.client_id for t in made[mine]]
        assert of_clients.all(clients=mine_ids[:1]) == made[mine][:1]
        assert of_clients.all(clients=mine_ids) == made[mine]
        theirs_ids = [t.client_id for t in made[theirs]]
        assert of_clients.all(clients=theirs_ids) == made[theirs]
        assert of_clients.all(clients=[]) == []
        assert sorted(key[-1] for key in of_clients._cache) == [(0,), (1,), (4,)]

    def test_a_query_that_cannot_match_runs_none(self, db):
        nothing = Compiled(
            lambda at: Traject.objects.filter(coach=at.coach, pk__in=[]),
            coach=models.BigIntegerField(),
        )
        with CaptureQueriesContext(connection) as queries:
            assert nothing.all(coach=1) == []
        assert len(queries) == 0

    def test_the_sql_follows_the_current_time_zone(self, db):
        coach = CoachFactory()
        # 23:30 in Amsterdam on the 1st is the 2nd in Tokyo: a day truncated in the SQL.
        start = datetime(2026, 3, 1, 22, 30, tzinfo=ZoneInfo("UTC"))
        TrajectFactory(client=ClientFactory(coach=coach))
        Traject.objects.filter(client__coach=coach).update(created_at=start)
        per_day = Compiled(
            lambda at: (
                Traject.objects.filter(coach=at.coach)
                .annotate(
                    day=models.functions.TruncDate(
                        "created_at", tzinfo=timezone.get_current_timezone()
                    )
                )
                .values_list("day", flat=True)
            ),
            coach=models.BigIntegerField(),
        )
        with timezone.override(ZoneInfo("Europe/Amsterdam")):
            assert per_day.all(coach=coach.pk) == [date(2026, 3, 1)]
        with timezone.override(ZoneInfo("Asia/Tokyo")):
            assert per_day.all(coach=coach.pk) == [date(2026, 3, 2)]

    def test_a_changed_setting_compiles_again(self, two_coaches):
        # (setting_changed empties every cache: a builder may read a setting, in a test)
        mine, _theirs, _made = two_coaches
        REGISTERED_SINCE.all(coach=mine.pk, since=timezone.localdate())
        assert REGISTERED_SINCE._cache
        with override_settings(PRAKTIJK_BEDENKTIJD_DAYS=3):
            assert REGISTERED_SINCE._cache == {}
            REGISTERED_SINCE.all(coach=mine.pk, since=timezone.localdate())
            assert len(REGISTERED_SINCE._cache) == 1
        assert REGISTERED_SINCE._cache == {}  # and again when the override ends


@pytest.mark.django_db(transaction=True)
def test_threads_share_the_compiled_sql_each_on_its_own_connection(two_coaches):
    mine, theirs, made = two_coaches
    today = timezone.localdate()
    expected = {coach.pk: sorted(t.pk for t in made[coach]) for coach in (mine, theirs)}
    found, failures = {}, []
    start = threading.Barrier(8)

    def read(coach_pk):
        from django.db import connection as own

        try:
            start.wait(timeout=30)
            for _ in range(20):
                rows = REGISTERED_SINCE.all(coach=coach_pk, since=today - timedelta(10))
                found.setdefault(coach_pk, set()).add(tuple(sorted(t.pk for t in rows)))
        except Exception as error:  # reported below: a thread's failure fails the test
            failures.append(error)
        finally:
            own.close()

    threads = [
        threading.Thread(target=read, args=((mine if n % 2 else theirs).pk,)) for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert found == {pk: {tuple(pks)} for pk, pks in expected.items()}


@pytest.mark.django_db
def test_an_insert_and_an_update_compiled_once_write_what_the_orm_would():
    from coaching.compiled import insert, update
    from coaching.models import Organisation

    # Only the columns named are written: every column, as audit.log's does, with the values
    # of an unsaved row (its defaults made in Python, such as the uuid, included).
    columns = [f for f in Organisation._meta.concrete_fields if not f.primary_key]
    adds = Compiled(
        lambda at: insert(Organisation, **{f.name: getattr(at, f.name) for f in columns}),
        **{f.name: f for f in columns},
    )
    renames = Compiled(
        lambda at: update(Organisation.objects.filter(city=at.city), name=at.name),
        name=models.CharField(),
        city=models.CharField(),
    )
    for name, city in (("De Linde", "Utrecht"), ("'; DROP TABLE x; --", "Zwolle")):
        row = Organisation(name=name, city=city)
        assert adds.execute(**{f.name: getattr(row, f.attname) for f in columns}) == 1
    assert renames.execute(name="Basisschool De Linde", city="Utrecht") == 1
    assert sorted(Organisation.objects.values_list("name", "city")) == [
        ("'; DROP TABLE x; --", "Zwolle"),
        ("Basisschool De Linde", "Utrecht"),
    ]


ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def _prepared(like: str) -> list[tuple]:
    """This connection's prepared statements whose SQL is like `like`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            [like],
        )
        return cursor.fetchall()


EMAIL_TRAJECTS = Compiled(
    lambda at: Traject.objects.filter(coach=at.coach, kind=Traject.Kind.EMAIL).order_by("pk"),
    coach=models.BigIntegerField(),
)


@ON_POSTGRES
@pytest.mark.django_db
class TestPreparedOnPostgres:
    def test_a_compiled_query_is_prepared_once_with_its_constants_written_in(self, two_coaches):
        mine, theirs, made = two_coaches
        email = TrajectFactory(client=ClientFactory(coach=mine), kind=Traject.Kind.EMAIL)
        assert EMAIL_TRAJECTS.all(coach=mine.pk) == [email]
        assert EMAIL_TRAJECTS.all(coach=theirs.pk) == []
        assert EMAIL_TRAJECTS.all(coach=mine.pk) == [email]
        ((statement, generic, custom),) = _prepared('%"trajects_traject"."kind" = %email%')
        # The coach is the one placeholder; the kind, which never varies, is in the SQL, so
        # that the one plan made for all calls can use what the planner knows of 'email'.
        assert "'email'" in statement and "$1" in statement and "$2" not in statement
        # Planned once for any coach (a generic plan), not once per call.
        assert (generic, custom) == (3, 0)

    def test_a_constant_with_quotes_and_percent_signs_is_written_in_safely(self, two_coaches):
        mine, _theirs, _made = two_coaches
        wanted = ClientFactory(coach=mine, last_name="Van 't 50%-Huis")
        ClientFactory(coach=mine, last_name="Van t 50-Huis")
        named = Compiled(
            lambda at: Client.objects.filter(coach=at.coach, last_name__contains="'t 50%-"),
            coach=models.BigIntegerField(),
        )
        assert named.all(coach=mine.pk) == [wanted]
        sql, params = named.bound({"coach": mine.pk})
        assert params == [mine.pk] and sql.count("%s") == 1
        with override_settings(PRAKTIJK_PREPARED_STATEMENTS=False):
            assert named.all(coach=mine.pk) == [wanted]

    def test_switched_off_nothing_is_prepared_and_the_constants_are_passed(self, two_coaches):
        mine, _theirs, _made = two_coaches
        with override_settings(PRAKTIJK_PREPARED_STATEMENTS=False):
            assert EMAIL_TRAJECTS.all(coach=mine.pk) == []
            sql, params = EMAIL_TRAJECTS.bound({"coach": mine.pk})
        assert "'email'" not in sql and params == [mine.pk, "email"]
        assert _prepared('%"trajects_traject"."kind" = %') == []

    def test_the_connection_plans_prepared_statements_once_for_all_values(self, db):
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            assert cursor.fetchone() == ("force_generic_plan",)


def _sent_in_a_pipeline(found: list):
    """An execute wrapper noting, per statement, whether it went in a pipeline (PostgreSQL)."""

    def note(execute, sql, params, many, context):
        raw = context["connection"].connection
        found.append((sql, getattr(raw, "_pipeline", None) is not None))
        return execute(sql, params, many, context)

    return note


DRAFT_FREE = Compiled(
    lambda at: Traject.objects.filter(coach=at.coach).values("pk", "kind").order_by("pk"),
    coach=models.BigIntegerField(),
)
RAW_COUNT = Compiled(
    lambda at: ("SELECT COUNT(*) FROM trajects_traject WHERE coach_id = %s", [at.coach]),
    coach=models.BigIntegerField(),
)


@pytest.mark.django_db
class TestReadTogether:
    def test_the_calls_inside_get_the_rows_read_before_without_a_query(self, two_coaches):
        mine, theirs, made = two_coaches
        since = timezone.localdate() - timedelta(10)
        expected = (
            REGISTERED_SINCE.all(coach=mine.pk, since=since),
            DRAFT_FREE.all(coach=mine.pk),
            RAW_COUNT.rows(coach=mine.pk),
        )
        sent = []
        with (
            CaptureQueriesContext(connection) as before,
            connection.execute_wrapper(_sent_in_a_pipeline(sent)),
        ):
            reads = [
                (REGISTERED_SINCE, {"coach": mine.pk, "since": since}),
                (DRAFT_FREE, {"coach": mine.pk}),
                (RAW_COUNT, {"coach": mine.pk}),
            ]
            with together(reads):
                read = len(before)
                got = (
                    REGISTERED_SINCE.all(coach=mine.pk, since=since),
                    DRAFT_FREE.all(coach=mine.pk),
                    RAW_COUNT.rows(coach=mine.pk),
                )
                assert len(before) == read == 3  # read once, before the calls
                # Other values than those read: a query of its own, as outside the block.
                assert DRAFT_FREE.all(coach=theirs.pk) == [
                    {"pk": t.pk, "kind": t.kind} for t in made[theirs]
                ]
                assert len(before) == 4
        assert got == expected
        assert [t.registered_on for t in got[0]] == [t.registered_on for t in expected[0]]
        assert got[2] == [(4,)]
        in_pipeline = [piped for _sql, piped in sent[:3]]
        # On PostgreSQL the three went to the server together, in one round trip.
        assert in_pipeline == [connection.vendor == "postgresql"] * 3
        assert sent[3][1] is False
        # After the block every call reads again.
        with CaptureQueriesContext(connection) as after:
            RAW_COUNT.rows(coach=mine.pk)
        assert len(after) == 1

    def test_a_query_that_cannot_match_is_not_sent(self, two_coaches):
        of_clients = Compiled(
            lambda at: Traject.objects.filter(client__pk__in=at.clients).order_by("pk"),
            clients=[models.BigIntegerField()],
        )
        with (
            CaptureQueriesContext(connection) as queries,
            together([(of_clients, {"clients": []})]),
        ):
            assert of_clients.all(clients=[]) == []
        assert len(queries) == 0

    def test_a_failing_statement_raises_and_the_connection_goes_on(self, two_coaches):
        from django.db import DatabaseError, transaction

        mine, _theirs, made = two_coaches
        broken = Compiled(
            lambda at: (
                "SELECT no_such_column FROM trajects_traject WHERE id > %s",
                [at.n],
            ),
            n=models.BigIntegerField(),
        )
        # (In a transaction of its own, rolled back by the error, as a request's would be.)
        reads = [(DRAFT_FREE, {"coach": mine.pk}), (broken, {"n": 0})]
        with pytest.raises(DatabaseError), transaction.atomic(), together(reads):
            pass  # pragma: no cover - the block is not entered
        assert DRAFT_FREE.all(coach=mine.pk) == [{"pk": t.pk, "kind": t.kind} for t in made[mine]]


@pytest.mark.django_db
def test_rows_read_together_are_cut_to_the_selected_columns(two_coaches):
    """A DISTINCT list ordered by a column it does not select: Django selects that column too
    and cuts it off each row (has_extra_select); rows read together are cut the same way."""
    mine, _theirs, _made = two_coaches
    kinds = Compiled(
        lambda at: (
            Traject.objects.filter(coach=at.coach)
            .values_list("kind")
            .distinct()
            .order_by("kind", "registered_on")
        ),
        coach=models.BigIntegerField(),
    )
    expected = kinds.all(coach=mine.pk)
    with together([(kinds, {"coach": mine.pk})]):
        assert kinds.all(coach=mine.pk) == expected
    assert expected == [("standard",)] * 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prepared", [True, False], ids=["prepared", "not-prepared"])
def test_a_failing_read_first_raises_and_the_connection_goes_on(two_coaches, prepared):
    """Outside a transaction (a request's autocommit), the first statement failing: the ones
    after it are not run, the error is Django's, and the connection serves the next request."""
    from django.db import DatabaseError

    mine, _theirs, made = two_coaches
    broken = Compiled(
        lambda at: ("SELECT no_such_column FROM trajects_traject WHERE id > %s", [at.n]),
        n=models.BigIntegerField(),
    )
    with override_settings(PRAKTIJK_PREPARED_STATEMENTS=prepared):
        reads = [(broken, {"n": 0}), (DRAFT_FREE, {"coach": mine.pk})]
        with pytest.raises(DatabaseError), together(reads):
            pass  # pragma: no cover - the block is not entered
        with together([(DRAFT_FREE, {"coach": mine.pk})]):
            rows = DRAFT_FREE.all(coach=mine.pk)
    assert rows == [{"pk": t.pk, "kind": t.kind} for t in made[mine]]
