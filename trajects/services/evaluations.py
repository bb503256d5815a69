"""Evaluations: asking for one, the personal link, filling it in once, and the scores over time.

An evaluation is asked for by a key that says what it is for (`evaluation_request`); the same
key never makes a second one. The prompt goes out through the outbox (kind "evaluation_prompt",
subject "evaluation:<pk>"), to the client or the parents of a child, in their language, with a
personal link. The link carries a token derived from the evaluation and the secret key, so it
needs no password; it works until `expires_at` and only until the evaluation is completed.

What prompts: every PRAKTIJK_EVALUATION_EVERY_SESSIONS held sessions (`interim_after_session`,
called by the calendar when a session is marked held), the close of a traject (`Traject.advance`
calls `final_on_close`), and Backstage meetings 4 and 8 (groups.reminders).
"""

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.db.models import Avg, Prefetch, Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from coaching.compiled import Compiled
from coaching.dates import readable
from coaching.emails import templated_message
from coaching.models import Client, Send, User
from coaching.outbox import NO_RECIPIENT, outbox_add, register
from trajects.models import Traject
from trajects.models.evaluations import Answer, Evaluation, Question, Questionnaire

log = logging.getLogger(__name__)

PROMPT = "evaluation_prompt"
NOT_OPEN = gettext_noop("De evaluatie is al ingevuld of verlopen.")
ALREADY_DONE = _("Deze evaluatie is al ingevuld. Dank je wel!")
EXPIRED = _(
    "Deze link is verlopen. Neem contact op met je coach als je de evaluatie nog wilt invullen."
)


def evaluation_request(
    *,
    key: str,
    kind: str,
    client: Client,
    traject: Traject | None = None,
    prompt: bool = True,
    until=None,
) -> Evaluation | None:
    """The evaluation for `key`, made now if it does not exist yet, with the questionnaire of
    this kind that is in use (None when the practice has none in use). When made now, the
    prompt is recorded in the outbox and sent once the transaction commits. `until`: the last
    day to fill it in (default PRAKTIJK_EVALUATION_VALID_DAYS from today)."""
    existing = Evaluation.objects.filter(key=key).first()
    if existing is not None:
        return existing
    questionnaire = Questionnaire.objects.filter(kind=kind, active=True).first()
    if questionnaire is None:
        log.info("evaluations: no questionnaire of kind %s in use; %s not asked", kind, key)
        return None
    now = timezone.now()
    last_day = until or (
        timezone.localdate(now) + timedelta(days=settings.PRAKTIJK_EVALUATION_VALID_DAYS)
    )
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                key=key,
                questionnaire=questionnaire,
                client=client,
                traject=traject,
                expires_at=last_moment_of(last_day),
            )
    except IntegrityError:  # made a moment ago by another request (the key is unique)
        return Evaluation.objects.get(key=key)
    if prompt:
        outbox_add([(f"evaluation:{evaluation.pk}", PROMPT, now)], client=client)
    return evaluation


def last_moment_of(day) -> datetime:
    """The end of that day in Amsterdam: the e-mail says "until and including" that date."""
    return timezone.make_aware(datetime.combine(day, time.max))


def interim_after_session(traject: Traject, held_sessions: int) -> Evaluation | None:
    """After every N held sessions of a running traject, an interim evaluation (the k-th for
    k·N sessions; marking the same session again asks nothing new)."""
    every = settings.PRAKTIJK_EVALUATION_EVERY_SESSIONS
    if not every or held_sessions < every or held_sessions % every:
        return None
    if traject.status != Traject.Status.LOPEND:
        return None
    number = held_sessions // every
    return evaluation_request(
        key=f"traject:{traject.pk}:interim:{number}",
        kind=Questionnaire.Kind.INTERIM,
        client=traject.client,
        traject=traject,
    )


def final_on_close(traject: Traject) -> Evaluation | None:
    return evaluation_request(
        key=f"traject:{traject.pk}:final",
        kind=Questionnaire.Kind.FINAL,
        client=traject.client,
        traject=traject,
    )


# --- The link ---------------------------------------------------------------------------------


def token_for(evaluation: Evaluation) -> str:
    return salted_hmac(
        "praktijk.evaluation-link", str(evaluation.uuid), algorithm="sha256"
    ).hexdigest()[:40]


def token_ok(evaluation: Evaluation, token: str) -> bool:
    return constant_time_compare(token_for(evaluation), token)


def link_for(evaluation: Evaluation) -> str:
    return settings.SITE_URL + reverse(
        "evaluation_fill", args=[evaluation.uuid, token_for(evaluation)]
    )


def state_of(evaluation: Evaluation, now=None) -> str:
    if evaluation.completed_at is not None:
        return "completed"
    if (now or timezone.now()) >= evaluation.expires_at:
        return "expired"
    return "open"


# --- Filling it in ----------------------------------------------------------------------------


def evaluation_submit(
    *, evaluation: Evaluation, answers: dict[int, object], by: User | None
) -> Evaluation:
    """Store the answers (question pk → score, Dutch choice text or text) and close the
    evaluation. The row is locked: two tabs sending it at once store one set of answers, and
    the second hears that it was filled in already."""
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        state = state_of(locked)
        if state == "completed":
            raise ValidationError(ALREADY_DONE, code="completed")
        if state == "expired":
            raise ValidationError(EXPIRED, code="expired")
        rows = []
        for question in locked.questionnaire.questions.all():
            value = answers.get(question.pk)
            if value in (None, ""):
                continue
            if question.kind == Question.Kind.SCALE:
                rows.append(Answer(evaluation=locked, question=question, scale=int(value)))
            elif question.kind == Question.Kind.CHOICE:
                rows.append(Answer(evaluation=locked, question=question, choice=str(value)))
            else:
                rows.append(Answer(evaluation=locked, question=question, text=str(value)))
        Answer.objects.bulk_create(rows)
        locked.completed_at = timezone.now()
        locked.completed_by = by if by is not None and by.is_authenticated else None
        locked.save(update_fields=["completed_at", "completed_by"])
    return locked


# --- What the coach sees ----------------------------------------------------------------------


def scores_over_time(client: Client) -> list[dict]:
    """The client's completed individual evaluations, oldest first, each with the mean of its
    1–10 answers (evaluations without a scale answer are left out). One query."""
    evaluations = (
        Evaluation.objects.completed()
        .filter(client=client, traject__isnull=False)
        .select_related("questionnaire")
        .annotate(mean=Avg("answers__scale"))
        .filter(mean__isnull=False)
        .order_by("completed_at", "pk")
    )
    return _points(evaluations)


# The traject's evaluations and the client's scored ones (compiled once, coaching.compiled).
TRAJECT_EVALUATIONS = Compiled(
    lambda at: (
        Evaluation.objects.filter(
            Q(traject=at.traject)
            | Q(client_id=at.client, traject__isnull=False, completed_at__isnull=False)
        )
        .select_related("questionnaire")
        .annotate(mean=Avg("answers__scale"))
        # Newest first, as Evaluation's ordering (which a query with an aggregate leaves out).
        .order_by("-created_at")
    ),
    traject=models.BigIntegerField(),
    client=models.BigIntegerField(),
)


def traject_evaluations(traject: Traject) -> tuple[list[Evaluation], list[dict]]:
    """What the traject's page shows: the traject's own evaluations, newest first (each with
    `is_expired`; the completed ones with their answers), and the client's scores over time
    (as scores_over_time, over all their trajects). One query for both, and one for the
    answers when one of the traject's evaluations was completed."""
    client_id = traject.client_id
    found = TRAJECT_EVALUATIONS.all(traject=traject.pk, client=client_id)
    own = [evaluation for evaluation in found if evaluation.traject_id == traject.pk]
    now = timezone.now()
    for evaluation in own:
        evaluation.is_expired = state_of(evaluation, now) == "expired"
    prefetch_related_objects(
        [evaluation for evaluation in own if evaluation.completed_at],
        Prefetch("answers", queryset=Answer.objects.select_related("question")),
    )
    scored = [
        evaluation
        for evaluation in found
        if evaluation.client_id == client_id
        and evaluation.traject_id
        and evaluation.completed_at
        and evaluation.mean is not None
    ]
    return own, _points(
        sorted(scored, key=lambda evaluation: (evaluation.completed_at, evaluation.pk))
    )


def _points(evaluations) -> list[dict]:
    return [
        {
            "evaluation": evaluation,
            "on": timezone.localtime(evaluation.completed_at).date(),
            "mean": round(evaluation.mean, 1),
        }
        for evaluation in evaluations
    ]


def chart(points: list[dict], *, width: int = 480, height: int = 160) -> dict:
    """Coordinates for a small SVG line chart of the means on a 1–10 axis (no script needed:
    the page's CSP allows none inline). Coordinates are strings with a decimal point: the
    template would otherwise write them in the page's locale ("136,0"), which SVG refuses."""
    left, right, top, bottom = 30, 10, 10, 24
    inner_w, inner_h = width - left - right, height - top - bottom
    step = inner_w / max(len(points) - 1, 1)

    def y_of(value: float) -> str:
        return f"{top + inner_h * (10 - value) / 9:.1f}"

    placed = []
    for index, point in enumerate(points):
        x = left + (index * step if len(points) > 1 else inner_w / 2)
        # The last date ends at its point: centred, it ran past the chart's right edge.
        last = len(points) > 1 and index == len(points) - 1
        anchor = "end" if last else "middle"
        placed.append({**point, "x": f"{x:.1f}", "y": y_of(point["mean"]), "anchor": anchor})
    return {
        "width": width,
        "height": height,
        "left": left,
        "label_x": left - 6,
        "right": width - right,
        "bottom": height - bottom,
        "label_y": height - 6,
        "points": placed,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in placed),
        "grid": [{"value": value, "y": y_of(value)} for value in (1, 5, 10)],
    }


# --- The prompt -------------------------------------------------------------------------------


def compose_prompts(sends: list[Send]) -> dict[int, list[EmailMessage] | str]:
    """The prompts of a chunk, to the client or to each parent of a child, with the
    evaluations and their people in three queries; none once filled in or expired."""
    wanted = {send.pk: int(send.subject.removeprefix("evaluation:")) for send in sends}
    evaluations = {
        evaluation.pk: evaluation
        for evaluation in Evaluation.objects.filter(pk__in=wanted.values())
        .select_related("questionnaire", "client__account", "client__coach")
        .prefetch_related("client__guardians__account")
    }
    result: dict[int, list[EmailMessage] | str] = {}
    for send in sends:
        evaluation = evaluations.get(wanted[send.pk])
        if evaluation is None or state_of(evaluation) != "open":
            result[send.pk] = NOT_OPEN
            continue
        client = evaluation.client
        send.client_id = client.pk  # whom it concerns (a prompt the sweep found names none)
        messages = []
        for address, first_name, language in client.mail_recipients():
            with translation.override(language):
                until = readable(evaluation.expires_at, long=True)
                questionnaire = evaluation.questionnaire.label
            messages.append(
                templated_message(
                    "evaluation_prompt",
                    to=address,
                    language=language,
                    context={
                        "first_name": first_name,
                        "questionnaire": questionnaire,
                        "coach": client.coach,
                        "about_child": client.first_name if client.is_child else "",
                        "until": until,
                        "url": link_for(evaluation),
                    },
                )
            )
        result[send.pk] = messages or NO_RECIPIENT
    return result


def register_evaluation_prompts() -> None:
    register(PROMPT, compose_prompts)
