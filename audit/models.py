"""The audit log (DESIGN.md §7): who did what with whose data, when, from where.

A row is written by `audit.log.record` and never changed or deleted by the application: the
database refuses an UPDATE or DELETE (triggers in migration 0001). The people and clients it
names are referred to without a foreign-key constraint, so that erasing a client or an account
leaves the log intact (the row then names "someone who was erased").
"""

from datetime import UTC, date, datetime, timedelta

from django.db import models
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.compiled import Compiled
from coaching.dates import readable
from coaching.models import Client, User


class AuditEventQuerySet(models.QuerySet):
    def about_client(self, client: Client) -> "AuditEventQuerySet":
        """What happened to the client's data, and the logins of the client's own accounts
        (their own, their parents'). What a parent's account did for another child stays out:
        it carries that child as its client."""
        accounts = [client.account_id] if client.account_id else []
        accounts += [g.account_id for g in client.guardians.all() if g.account_id]
        return self.filter(
            models.Q(client=client)
            | models.Q(
                client__isnull=True, actor_id__in=accounts, action__in=AuditEvent.ACCOUNT_ACTIONS
            )
        )

    def opened_by_others(self, clients, account: User) -> "AuditEventQuerySet":
        """What the portal shows a client: who, other than the account itself, opened, changed,
        downloaded or erased their data."""
        return self.filter(client__in=clients, action__in=AuditEvent.SHOWN_TO_CLIENT).exclude(
            actor_id=account.pk
        )

    def openings_per_day(
        self, object_id: str, limit: int = 20, *, since: datetime | None = None
    ) -> list[dict]:
        """Who opened the object on which day (in the practice's time zone), how often, and
        when last: one line per person per day, newest first, in one query. `since`: when the
        object was made (no opening is older); on PostgreSQL the months of the log before it
        are then not read at all (audit/partitions.py). A day's margin: the server that wrote
        the opening may have a clock behind the one that made the object.

        Read are the latest OPENINGS_READ openings (from the index of the object's openings by
        time), counted in the database: a dossier opened every day for years costs what one
        opened last month does. When there were more, the oldest day read may be incomplete and
        is left out (unless it is the only one); the client's full log has everything."""
        if since is None:
            rows = OPENINGS.rows(object_id=object_id)
        else:
            rows = OPENINGS_SINCE.rows(object_id=object_id, since=since - timedelta(days=1))
        shown = []
        for day, count, last, first_name, last_name, email in rows:  # newest day, then person
            who = " ".join(filter(None, [first_name, last_name])) or email
            shown.append({"who": who, "day": _date(day), "count": count, "last": _moment(last)})
        if sum(line["count"] for line in shown) == OPENINGS_READ:
            oldest = shown[-1]["day"]
            if shown[0]["day"] != oldest:
                shown = [line for line in shown if line["day"] != oldest]
        return shown[:limit]


# How many of an object's latest openings its page reads to show who opened it per day: its
# twenty lines (a person a day) are a few openings each.
OPENINGS_READ = 200


def _openings(at, *, since: bool) -> tuple[str, list]:
    """The latest OPENINGS_READ openings of the object (from its index by time), counted per
    day (in the practice's time zone) and person in the database, with the person's name:
    a line per person per day, the newest day first, on a day the latest opening first. The
    names are looked up for the lines, not for every opening."""
    openings = AuditEvent.objects.filter(object_id=at.object_id, action=AuditEvent.Action.VIEW)
    if since:
        openings = openings.filter(at__gte=at.since)
    latest = (
        openings.order_by("-at")
        .annotate(day=TruncDate("at", tzinfo=timezone.get_default_timezone()))
        .values_list("day", "at", "actor_id")[:OPENINGS_READ]
    )
    sql, params = latest.query.sql_with_params()
    people = User._meta.db_table
    # Only Django's compiled SQL and a table name are written in; every value is a parameter.
    grouped = (
        'SELECT latest.day, COUNT(*), MAX(latest."at"), u.first_name, u.last_name, u.email '
        f'FROM ({sql}) latest LEFT JOIN "{people}" u ON u.id = latest.actor_id '  # nosec B608
        "GROUP BY latest.day, latest.actor_id, u.first_name, u.last_name, u.email "
        'ORDER BY latest.day DESC, MAX(latest."at") DESC'
    )
    return grouped, list(params)


def _date(value) -> date:
    """A day of a raw row: SQLite gives it as text."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _moment(value) -> datetime:
    """A moment of a raw row: SQLite gives it as text, in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


# Compiled once (coaching.compiled): all of an object's openings, or those from a moment on.
OPENINGS = Compiled(lambda at: _openings(at, since=False), object_id=models.CharField())
OPENINGS_SINCE = Compiled(
    lambda at: _openings(at, since=True),
    object_id=models.CharField(),
    since=models.DateTimeField(),
)


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("ingezien")
        EXPORT = "export", _("gedownload")
        CREATE = "create", _("toegevoegd")
        CHANGE = "change", _("gewijzigd")
        ERASE = "erase", _("gewist")
        ANONYMISE = "anonymise", _("geanonimiseerd")
        LOGIN = "login", _("ingelogd")
        LOGOUT = "logout", _("uitgelogd")
        LOGIN_FAILED = "login_failed", _("inloggen mislukt")
        LOGIN_BLOCKED = "login_blocked", _("inloggen geblokkeerd na te veel pogingen")
        SECOND_FACTOR_FAILED = "mfa_failed", _("verkeerde code voor de tweede stap")
        DENIED = "denied", _("toegang geweigerd")

    class What(models.TextChoices):
        CLIENT = "client", _("cliëntgegevens")
        DOSSIER = "dossier", _("traject en dossier")
        INTAKE = "intake", _("intake")
        AGREEMENT = "agreement", _("coachingsovereenkomst")
        ENTRY = "entry", _("dossieraantekening")
        MESSAGES = "messages", _("berichten")
        ATTACHMENT = "attachment", _("bijlage bij een bericht")
        GUARDIAN = "guardian", _("ouder/verzorger")
        THIRD_PARTY = "third_party", _("derde partij")
        CONSENT = "consent", _("toestemming")
        EVALUATION = "evaluation", _("evaluatie")
        BACKSTAGE = "backstage", _("inbreng bij Backstage")
        ALL_DATA = "all_data", _("alle gegevens")
        ACCOUNT = "account", _("account")
        PAGE = "page", _("pagina")

    class Role(models.TextChoices):
        COACH = "coach", _("coach")
        COACHEE = "coachee", _("cliënt")
        GUARDIAN = "guardian", _("ouder/verzorger")
        ADMIN = "admin", _("praktijkbeheerder")
        SYSTEM = "system", _("de praktijksoftware")
        ANONYMOUS = "anonymous", _("niet ingelogd")

    # What concerns an account rather than a client's data.
    ACCOUNT_ACTIONS = (
        Action.LOGIN,
        Action.LOGOUT,
        Action.LOGIN_FAILED,
        Action.LOGIN_BLOCKED,
        Action.SECOND_FACTOR_FAILED,
    )
    # What a client is shown on their own page: what was done with their data.
    SHOWN_TO_CLIENT = (
        Action.VIEW,
        Action.EXPORT,
        Action.CREATE,
        Action.CHANGE,
        Action.ERASE,
        Action.ANONYMISE,
    )

    at = models.DateTimeField(_("wanneer"), default=timezone.now)
    # Without an index of its own (nor the client's): the composite indexes below lead with
    # it, and every opening writes a row, so each index is paid on every request that logs.
    actor = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("wie"),
    )
    actor_role = models.CharField(_("als"), max_length=10, choices=Role)
    # On whose behalf, or whose data: the client the action concerns.
    client = models.ForeignKey(
        Client,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cliënt"),
    )
    action = models.CharField(_("wat"), max_length=14, choices=Action)
    what = models.CharField(_("welke gegevens"), max_length=12, choices=What)
    object_id = models.CharField(_("kenmerk"), max_length=40, blank=True)
    # The page (its URL name, never the address: that may hold a token).
    page = models.CharField(_("pagina"), max_length=80, blank=True)
    ip = models.GenericIPAddressField(_("adres"), null=True, blank=True)
    detail = models.CharField(_("toelichting"), max_length=200, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("logregel")
        verbose_name_plural = _("logboek")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["client", "-at"], name="audit_client_recent"),
            models.Index(fields=["actor", "-at"], name="audit_actor_recent"),
            models.Index(fields=["object_id", "-at"], name="audit_object_recent"),
            models.Index(fields=["-at"], name="audit_recent"),
        ]

    def __str__(self) -> str:
        # By role, not by name: the account may be gone (no constraint), and a list of rows
        # would look each one up.
        what = f"{self.get_what_display()} {self.get_action_display()}"
        return f"{readable(self.at, time=True)} {self.get_actor_role_display()}: {what}"
