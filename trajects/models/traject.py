"""A client's traject and its life cycle:
aanmelding → kennismaking → bedenktijd → intake → lopend → afgerond, or gestopt from any point."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.constraints import CompositeForeignKey
from coaching.crypto import EncryptedTextField
from coaching.dates import readable
from coaching.models import Client, User


class TrajectQuerySet(models.QuerySet):
    def for_coach(self, user: User) -> "TrajectQuerySet":
        """The trajects a coach may see: those of their own clients (the traject's copy of the
        client's coach, which the database keeps equal: no join to the clients)."""
        return self.filter(coach=user)

    def open(self) -> "TrajectQuerySet":
        return self.exclude(status__in=Traject.CLOSED)

    def waiting(self, *, think_since: date, now: datetime) -> "TrajectQuerySet":
        """Trajects where the coach has to act: a kennismaking or an intake to plan or record
        (a kennismaking once its moment has come), or a bedenktijd that began before
        `think_since` (today less the practice's setting). The values may be Params
        (coaching.compiled)."""
        return self.filter(
            Q(status__in=[Traject.Status.AANMELDING, Traject.Status.INTAKE])
            | Q(status=Traject.Status.KENNISMAKING, kennismaking_planned_at__lte=now)
            | Q(status=Traject.Status.BEDENKTIJD, kennismaking_on__lt=think_since)
        )

    def asking_for_sessions(self) -> "TrajectQuerySet":
        """Open e-mail coaching whose coachee asked to continue with live sessions."""
        return self.open().filter(switch_requested_at__isnull=False)

    def bulk_create(self, objs, *args, **kwargs):
        """As Model.save(): each traject gets its client's coach (one query for those whose
        client is not loaded)."""
        objs = list(objs)
        unknown = {t.client_id for t in objs if t.coach_id is None and not _client_loaded(t)}
        coach_of = dict(
            Client.objects.filter(pk__in=unknown).values_list("pk", "coach_id") if unknown else ()
        )
        for traject in objs:
            if traject.coach_id is None:
                loaded = _client_loaded(traject)
                traject.coach_id = (
                    traject.client.coach_id if loaded else coach_of.get(traject.client_id)
                )
        return super().bulk_create(objs, *args, **kwargs)


def _client_loaded(traject: "Traject") -> bool:
    return Traject.client.is_cached(traject)


def _choice_label(choices: type[models.TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:  # not one of the choices: shown as it is, as Django does
        return value


@dataclass(frozen=True)
class Step:
    """One step of the life cycle: from which states it may be taken, and where it leads."""

    label: str
    sources: tuple[str, ...]
    target: str


# What an app above this one does when a step is taken, in the step's transaction (STYLE.md 8:
# filled in the other app's AppConfig.ready(), never imported from here). A hook gets the locked
# traject, the step's event and who took it; a ValidationError it raises refuses the step.
# The calendar settles a planned kennismaking appointment when the kennismaking is recorded, and
# cancels the appointments to come of a traject that stops or is closed.
StepHook = Callable[..., None]
STEP_HOOKS: dict[str, list[StepHook]] = {}


def register_step_hook(step: str, hook: StepHook) -> None:
    hooks = STEP_HOOKS.setdefault(step, [])
    if hook not in hooks:
        hooks.append(hook)


# What such a hook will do, said before the step is taken (its confirmation page): a preview
# gets the traject and gives a sentence ("" when it has nothing to say). The calendar says how
# many appointments to come stopping or closing the traject cancels.
StepPreview = Callable[["Traject"], str]
STEP_PREVIEWS: dict[str, list[StepPreview]] = {}


def register_step_preview(step: str, preview: StepPreview) -> None:
    previews = STEP_PREVIEWS.setdefault(step, [])
    if preview not in previews:
        previews.append(preview)


class Traject(models.Model):
    class Kind(models.TextChoices):
        STANDARD = "standard", _("standaard: sessies in de praktijk of via video")
        EMAIL = "email", _("e-mailcoaching")

    class Status(models.TextChoices):
        AANMELDING = "aanmelding", _("aanmelding")
        KENNISMAKING = "kennismaking", _("kennismaking gepland")
        BEDENKTIJD = "bedenktijd", _("bedenktijd")
        INTAKE = "intake", _("intake")
        LOPEND = "lopend", _("lopend")
        AFGEROND = "afgerond", _("afgerond")
        GESTOPT = "gestopt", _("gestopt")

    class Mode(models.TextChoices):
        PHONE = "phone", _("telefonisch")
        VIDEO = "video", _("via video")
        IN_PERSON = "in_person", _("in de praktijk")
        EMAIL = "email", _("per e-mail")

    CLOSED = (Status.AFGEROND, Status.GESTOPT)
    AFTER_KENNISMAKING = (Status.BEDENKTIJD, Status.INTAKE, Status.LOPEND, Status.AFGEROND)
    AFTER_INTAKE = (Status.LOPEND, Status.AFGEROND)

    STEPS = {
        "plan_kennismaking": Step(
            _("Kennismaking plannen"), (Status.AANMELDING,), Status.KENNISMAKING
        ),
        "record_kennismaking": Step(
            _("Kennismaking vastleggen"),
            (Status.AANMELDING, Status.KENNISMAKING),
            Status.BEDENKTIJD,
        ),
        "start_intake": Step(_("Cliënt wil starten"), (Status.BEDENKTIJD,), Status.INTAKE),
        "record_intake": Step(_("Intake vastleggen"), (Status.INTAKE,), Status.LOPEND),
        "close": Step(_("Traject afronden"), (Status.LOPEND,), Status.AFGEROND),
        "stop": Step(
            _("Traject stoppen"),
            (
                Status.AANMELDING,
                Status.KENNISMAKING,
                Status.BEDENKTIJD,
                Status.INTAKE,
                Status.LOPEND,
            ),
            Status.GESTOPT,
        ),
    }

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="trajects", verbose_name=_("cliënt")
    )
    # The client's coach, copied so that a coach's lists read one table and one index. The
    # database keeps it equal (traject_client_coach): a transfer of the client to another coach
    # carries over to their trajects in the same UPDATE, and a traject with any other coach is
    # refused. save() and bulk_create() fill it in; it is never written back from memory.
    # DO_NOTHING: the client's coach protects them already (Client.coach), and the database's
    # foreign key refuses a coach deleted under a traject; the admin's delete page lists the
    # clients, not every traject a second time.
    coach = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        related_name="+",
        editable=False,
        db_index=False,  # the indexes below start with it
        verbose_name=_("coach"),
    )
    kind = models.CharField(_("soort"), max_length=10, choices=Kind, default=Kind.STANDARD)
    title = models.CharField(
        _("onderwerp"),
        max_length=200,
        blank=True,
        help_text=_("Kort, voor in lijsten, bijvoorbeeld ‘faalangst’."),
    )
    status = models.CharField(_("fase"), max_length=12, choices=Status, default=Status.AANMELDING)
    registered_on = models.DateField(_("aangemeld op"), default=timezone.localdate)
    kennismaking_planned_at = models.DateTimeField(_("kennismaking gepland op"), null=True)
    kennismaking_mode = models.CharField(
        _("vorm van de kennismaking"), max_length=10, choices=Mode, blank=True
    )
    kennismaking_on = models.DateField(_("kennismaking gehouden op"), null=True)
    intake_on = models.DateField(_("intake gehouden op"), null=True)
    closed_on = models.DateField(_("afgesloten op"), null=True)
    stop_reason = EncryptedTextField(_("reden van stoppen"), blank=True)
    # E-mail coaching: the coachee asked to continue with live sessions.
    switch_requested_at = models.DateTimeField(_("vraagt om live sessies sinds"), null=True)
    # When the dossier last got a version (of the intake record or of an entry), written in the
    # version's transaction (trajects.services.dossier): the dashboard's recent dossiers read it
    # from one index instead of going over every version of every traject.
    dossier_changed_at = models.DateTimeField(_("dossier bijgewerkt op"), null=True, editable=False)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("bijgewerkt op"), auto_now=True)

    objects = TrajectQuerySet.as_manager()

    class Meta:
        verbose_name = _("traject")
        verbose_name_plural = _("trajecten")
        ordering = ["-registered_on", "-created_at"]
        indexes = [
            # A coach's open trajects per kind and phase: the dashboard's lists and counts, the
            # client list's filters. Closed trajects, which only grow, are not in it.
            models.Index(
                fields=["coach", "kind", "status"],
                condition=~Q(status__in=["afgerond", "gestopt"]),
                name="traject_open_per_coach",
            ),
            # A coach's e-mail coachees asking for live sessions (few), longest waiting first.
            models.Index(
                fields=["coach", "switch_requested_at"],
                condition=Q(switch_requested_at__isnull=False),
                name="traject_switch_requested",
            ),
            # A coach's recently changed dossiers, newest first.
            models.Index(
                "coach",
                F("dossier_changed_at").desc(),
                F("id").desc(),
                name="traject_coach_dossier_changed",
                condition=Q(dossier_changed_at__isnull=False),
            ),
        ]
        constraints = [
            CompositeForeignKey(
                fields=["client", "coach"],
                to_fields=["id", "coach"],
                name="traject_client_coach",
            ),
            models.CheckConstraint(
                condition=~Q(status="gestopt") | ~Q(stop_reason=""),
                name="traject_stopped_has_reason",
                violation_error_message=_("Een gestopt traject moet een reden hebben."),
            ),
            models.CheckConstraint(
                condition=Q(
                    closed_on__isnull=True,
                    status__in=["aanmelding", "kennismaking", "bedenktijd", "intake", "lopend"],
                )
                | Q(closed_on__isnull=False, status__in=["afgerond", "gestopt"]),
                name="traject_closed_on_iff_closed",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["bedenktijd", "intake", "lopend", "afgerond"])
                | Q(kennismaking_on__isnull=False),
                name="traject_kennismaking_before_bedenktijd",
                violation_error_message=_("De kennismaking moet eerst plaatsvinden."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["lopend", "afgerond"]) | Q(intake_on__isnull=False),
                name="traject_intake_before_sessions",
                violation_error_message=_("De intake moet eerst plaatsvinden."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} – {self.title or self.get_kind_display()}"

    def save(self, **kwargs) -> None:
        if self._state.adding and self.coach_id is None:
            self.coach_id = self.client.coach_id
        elif not self._state.adding and kwargs.get("update_fields") is None:
            # Never the coach from memory: the client may have moved to another coach since
            # this copy was loaded (the database carried that over to the row already).
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "coach" and field.attname not in deferred
            ]
        super().save(**kwargs)

    # Django's own get_<field>_display() makes every label of the field hashable on each call (a
    # translation each); lists of trajects show these per row.
    def get_status_display(self) -> str:
        return _choice_label(self.Status, self.status)

    @classmethod
    def status_label(cls, status: str) -> str:
        """The label of a phase read without its traject (a list of values)."""
        return _choice_label(cls.Status, status)

    def get_kind_display(self) -> str:
        return _choice_label(self.Kind, self.kind)

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED

    @property
    def takes_messages(self) -> bool:
        """E-mail coaching that still runs: messages can be written and wait for an answer."""
        return self.kind == self.Kind.EMAIL and not self.is_closed

    @property
    def kennismaking_took_place(self) -> bool:
        return self.kennismaking_on is not None

    def possible_steps(self) -> list[tuple[str, Step]]:
        return [(name, step) for name, step in self.STEPS.items() if self.status in step.sources]

    def step_consequences(self, step_name: str) -> list[str]:
        """What the apps above this one will also do when the step is taken now, in sentences
        for its confirmation page (STEP_PREVIEWS)."""
        sentences = (preview(self) for preview in STEP_PREVIEWS.get(step_name, ()))
        return [str(sentence) for sentence in sentences if sentence]

    def advance(
        self,
        step_name: str,
        *,
        by: User,
        on: date,
        note: str = "",
        planned_at: datetime | None = None,
        mode: str = "",
        start_directly: bool = False,
        kind: str = "",
    ) -> "TrajectEvent":
        """Take one step of the life cycle, dated, and record it on the timeline.

        `kind`: at the start (start_intake, or a kennismaking after which the client starts
        directly) the client chooses how the traject goes on: live sessions or e-mail coaching.
        Only then does a traject become e-mail coaching; a kennismaking held by e-mail is a
        kennismaking_mode, not a kind.

        Locks the row: two coaches' tabs (or a double click) taking a step at once cannot both
        pass the check on the old state.
        """
        step = self.STEPS[step_name]
        with transaction.atomic():
            traject = Traject.objects.select_for_update().get(pk=self.pk)
            traject._check_step(step, on)
            source = traject.status
            target = traject._fill_step(
                step_name, step.target, on=on, note=note, planned_at=planned_at, mode=mode,
                start_directly=start_directly, kind=kind,
            )  # fmt: skip
            if target in self.CLOSED:
                traject.closed_on = on
            traject.status = target
            traject.save()
            event = TrajectEvent.objects.create(
                traject=traject, step=step_name, source=source, target=target, on=on, by=by,
                note=note.strip(),
            )  # fmt: skip
            for hook in STEP_HOOKS.get(step_name, ()):
                hook(traject=traject, event=event, by=by)
            if target == self.Status.AFGEROND:
                # The final evaluation, asked for in the same transaction (sent on commit).
                from trajects.services.evaluations import final_on_close

                final_on_close(traject)
        self.refresh_from_db()
        return event

    def _check_step(self, step, on: date) -> None:
        """A step fits the traject's phase, and its date lies between the previous step's and
        today."""
        if self.status not in step.sources:
            raise ValidationError(
                _("Dit kan niet in de fase ‘%(status)s’."),
                code="wrong_status",
                params={"status": self.get_status_display()},
            )
        if on > timezone.localdate():
            raise ValidationError(_("Deze datum ligt in de toekomst."), code="future")
        if on < self.last_step_on():
            raise ValidationError(
                _("Deze datum ligt vóór de vorige stap (%(day)s)."),
                code="before_previous",
                params={"day": readable(self.last_step_on(), long=True)},
            )

    def _fill_step(
        self, step_name: str, target: str, *, on: date, note: str, planned_at, mode: str,
        start_directly: bool, kind: str,
    ) -> str:  # fmt: skip
        """What the step records on the traject (checked); returns the phase it leads to."""
        if step_name == "plan_kennismaking":
            if planned_at is None or not mode:
                raise ValidationError(_("Kies een moment en een vorm."), code="required")
            if timezone.localtime(planned_at).date() < self.registered_on:
                raise ValidationError(
                    _("De kennismaking kan niet vóór de aanmelding liggen."), code="before"
                )
            self.kennismaking_planned_at = planned_at
            self.kennismaking_mode = mode
        elif step_name == "record_kennismaking":
            if not mode:
                raise ValidationError(_("Kies de vorm van de kennismaking."), code="required")
            self.kennismaking_on = on
            self.kennismaking_mode = mode
            if start_directly:
                target = self.Status.INTAKE
        elif step_name == "record_intake":
            self.intake_on = on
        elif step_name == "stop":
            if not note.strip():
                raise ValidationError(_("Geef een reden om te stoppen."), code="required")
            self.stop_reason = note.strip()
        if kind and target == self.Status.INTAKE:
            if kind not in self.Kind.values:
                raise ValidationError(_("Kies hoe het traject verdergaat."), code="kind")
            self.kind = kind
            if kind != self.Kind.EMAIL:
                self.switch_requested_at = None
        return target

    def last_step_on(self) -> date:
        last = self.events.order_by("-on").values_list("on", flat=True).first()
        return last or self.registered_on


class TrajectEvent(models.Model):
    """A step on the traject's timeline: who took it, when, and from which state to which."""

    traject = models.ForeignKey(
        Traject, on_delete=models.CASCADE, related_name="events", verbose_name=_("traject")
    )
    step = models.CharField(_("stap"), max_length=30)
    source = models.CharField(_("van"), max_length=12, choices=Traject.Status)
    target = models.CharField(_("naar"), max_length=12, choices=Traject.Status)
    on = models.DateField(_("datum"))
    # PROTECT: the timeline is append-only, so its author cannot be nulled; deactivate
    # accounts instead of deleting them.
    by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("door")
    )
    note = EncryptedTextField(_("toelichting"), blank=True)
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    class Meta:
        verbose_name = _("stap")
        verbose_name_plural = _("stappen")
        ordering = ["on", "created_at"]

    def __str__(self) -> str:
        return f"{readable(self.on)}: {self.get_source_display()} → {self.get_target_display()}"

    # As Traject's (the dossier's timeline shows both for every step).
    def get_source_display(self) -> str:
        return _choice_label(Traject.Status, self.source)

    def get_target_display(self) -> str:
        return _choice_label(Traject.Status, self.target)

    @property
    def label(self) -> str:
        if self.step == "switch_to_live":
            return _("Overgestapt naar live sessies")
        step = Traject.STEPS.get(self.step)
        return step.label if step else self.step
