"""Demo trajects, one in every phase, with dossiers that read like a real practice's."""

from datetime import timedelta

from django.utils import timezone

from coaching.models import Client, ThirdParty, User
from trajects.models import Traject
from trajects.services.dossier import (
    dossier_entry_correct,
    dossier_entry_create,
    intake_record,
    traject_create,
)


def _days_ago(n: int):
    return timezone.localdate() - timedelta(days=n)


def _start(client: Client, title: str, registered: int, kind: str = "standard") -> Traject | None:
    if client.trajects.exists():
        return None  # already seeded
    return traject_create(
        client=client, kind=kind, title=title, registered_on=_days_ago(registered)
    )


def _to_running(traject: Traject, coach: User, start: int, help_question: str, goals: str) -> None:
    traject.advance(
        "record_kennismaking",
        by=coach,
        on=_days_ago(start),
        mode="phone",
        note="Kennismaking verliep prettig.",
    )
    traject.advance("start_intake", by=coach, on=_days_ago(start - 7))
    intake_record(
        traject=traject,
        by=coach,
        held_on=_days_ago(start - 14),
        help_question=help_question,
        life_history="Opgegroeid in een gezin met twee broers; sinds drie jaar samenwonend.",
        steps_taken="Eerder een paar gesprekken met de huisarts.",
        goals=goals,
    )


def demo_trajects(
    *,
    anna: User,
    bram: User,
    eva: Client,
    lotte: Client,
    school: ThirdParty,
    mila: Client,
    others: dict[str, Client],
) -> None:
    if traject := _start(eva, "Werkdruk en grenzen", 80):
        _to_running(
            traject,
            anna,
            75,
            "Hoe houd ik mijn grenzen aan op het werk?",
            "Nee kunnen zeggen zonder schuldgevoel.",
        )
        entry = dossier_entry_create(
            traject=traject,
            by=anna,
            kind="session",
            occurred_on=_days_ago(50),
            text="Eerste sessie: situaties op het werk in kaart gebracht.",
        )
        dossier_entry_correct(
            entry=entry,
            by=anna,
            text="Eerste sessie: drie situaties op het werk in kaart gebracht; huiswerk: "
            "dagboekje bijhouden.",
        )
        dossier_entry_create(
            traject=traject,
            by=anna,
            kind="phone",
            occurred_on=_days_ago(30),
            text="Eva belde: sessie verzet wegens ziekte.",
        )
        _demo_evaluations(traject)
    if traject := _start(lotte, "Faalangst bij toetsen", 70):
        _to_running(
            traject,
            anna,
            65,
            "Lotte raakt in paniek bij toetsen.",
            "Rustig een toets kunnen maken.",
        )
        dossier_entry_create(
            traject=traject,
            by=anna,
            kind="observation",
            location="school",
            occurred_on=_days_ago(30),
            text="Observatie in de klas tijdens een rekentoets.",
        )
        dossier_entry_create(
            traject=traject,
            by=anna,
            kind="contact",
            third_party=school,
            occurred_on=_days_ago(20),
            text="Overleg met juf Ans over extra tijd bij toetsen.",
        )
    if traject := _start(mila, "Somberheid", 30):
        traject.advance(
            "record_kennismaking",
            by=anna,
            on=_days_ago(25),
            mode="in_person",
            start_directly=True,
            note="Mila en haar moeder willen meteen starten.",
        )
    if traject := _start(others["aanmelding"], "Loopbaanvragen", 3):
        pass
    if traject := _start(others["kennismaking"], "Rouw", 6):
        traject.advance(
            "plan_kennismaking",
            by=anna,
            on=_days_ago(5),
            mode="video",
            planned_at=timezone.now() + timedelta(days=2),
        )
    if traject := _start(others["bedenktijd"], "Relatie en werk", 35):
        traject.advance(
            "record_kennismaking",
            by=anna,
            on=_days_ago(21),
            mode="phone",
            note="Wil het eerst met zijn partner bespreken.",
        )
    if traject := _start(others["afgerond"], "Burn-out herstel", 300):
        _to_running(
            traject, anna, 290, "Terugkeer naar werk na een burn-out.", "Weer vier dagen werken."
        )
        traject.advance("close", by=anna, on=_days_ago(60), note="Doelen bereikt.")
    if traject := _start(others["gestopt"], "Uitstelgedrag", 40):
        traject.advance(
            "stop",
            by=anna,
            on=_days_ago(30),
            note="Na de kennismaking afgezien: verhuist naar het buitenland.",
        )
    if traject := _start(others["email"], "Zelfvertrouwen", 45):
        # A kennismaking by e-mail, after which the client chose e-mail coaching.
        traject.advance(
            "record_kennismaking",
            by=bram,
            on=_days_ago(40),
            mode="email",
            start_directly=True,
            kind="email",
        )
        demo_messages(traject, bram)
        intake_record(
            traject=traject,
            by=bram,
            held_on=_days_ago(35),
            help_question="Meer zelfvertrouwen in vergaderingen.",
            life_history="",
            steps_taken="",
            goals="Een keer per vergadering iets inbrengen.",
        )


def demo_messages(traject: Traject, coach: User) -> None:
    """A conversation: answered messages, and one that waits for the coach."""
    from datetime import timedelta

    from trajects.models import Message
    from trajects.models.messages import answer_due

    if traject.messages.exists():
        return
    now = timezone.now()
    for days_ago, from_coach, body in [
        (20, False, "Gisteren zei ik in het overleg weer niets, terwijl ik een goed idee had."),
        (
            19,
            True,
            "Wat hield je tegen? Schrijf eens op wat je dacht vlak voordat je wilde praten.",
        ),
        (
            6,
            False,
            "Ik dacht: straks vinden ze het een domme vraag. Vandaag heb ik wél iets gezegd!",
        ),
        (5, True, "Mooi! Hoe reageerden de anderen? Probeer het volgende week nog een keer."),
    ]:
        written = now - timedelta(days=days_ago)
        Message.objects.create(
            traject=traject,
            from_coach=from_coach,
            author=coach if from_coach else None,
            body=body,
            created_at=written,
            due_at=None if from_coach else answer_due(written),
            answered_at=None if from_coach else written + timedelta(hours=9),
        )
    written = now - timedelta(hours=21)
    Message.objects.create(
        traject=traject,
        from_coach=False,
        body="Mag ik je iets vragen over een lastig gesprek?",
        created_at=written,
        due_at=answer_due(written),
    )


def _demo_evaluations(traject) -> None:
    """Two interim evaluations Eva filled in (the chart on her traject page) and one waiting."""
    from trajects.models import Evaluation, Questionnaire
    from trajects.services.evaluations import evaluation_request, evaluation_submit

    questionnaire = Questionnaire.objects.filter(kind="interim", active=True).first()
    if questionnaire is None:  # the admin took it out of use
        return
    questions = list(questionnaire.questions.all())
    for number, (days, score) in enumerate(((45, 5), (15, 7)), start=1):
        evaluation = evaluation_request(
            key=f"traject:{traject.pk}:interim:{number}",
            kind="interim",
            client=traject.client,
            traject=traject,
            prompt=False,
        )
        answers = {}
        for question in questions:
            if question.kind == "scale":
                answers[question.pk] = score + (question.position % 2)
            elif question.kind == "choice":
                answers[question.pk] = question.dutch_options()[0]
            else:
                answers[question.pk] = "Het dagboekje helpt me om patronen te zien."
        evaluation_submit(evaluation=evaluation, answers=answers, by=traject.client.account)
        moment = timezone.now() - timedelta(days=days)
        Evaluation.objects.filter(pk=evaluation.pk).update(
            created_at=moment - timedelta(days=2),
            completed_at=moment,
            expires_at=moment + timedelta(days=12),
        )
    # The third one was just asked for: its prompt goes out through the outbox.
    evaluation_request(
        key=f"traject:{traject.pk}:interim:3",
        kind="interim",
        client=traject.client,
        traject=traject,
    )
