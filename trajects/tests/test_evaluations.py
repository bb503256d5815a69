"""Evaluations: asked for every N held sessions and at the close of a traject, each once; the
personal link (works once, until it expires, 404 with a wrong token); the answers in the
dossier and the chart for the coach; the portal's list; the admin's questionnaires; and the
coach's prompt after a bedenktijd."""

import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from coaching import outbox
from coaching.models import Client, Send
from coaching.tests.factories import ClientFactory
from sessions.models import Appointment
from sessions.services.booking import appointment_book, appointment_mark
from sessions.tests.factories import appointment_for
from trajects.models import Answer, Evaluation, IntakeVersion, Question, Questionnaire, Traject
from trajects.prompts import BEDENKTIJD_OVER, find_bedenktijd_over, prompt_moment
from trajects.services.evaluations import (
    evaluation_request,
    evaluation_submit,
    link_for,
    scores_over_time,
    token_for,
)
from trajects.tests.factories import TrajectFactory, running_traject

pytestmark = pytest.mark.usefixtures("questionnaires")


@pytest.fixture
def traject(coach_a, coachee):
    return running_traject(coach_a, client=Client.objects.get(account=coachee))


def held_session(traject, days_ago):
    start = timezone.now() - timedelta(days=days_ago)
    return appointment_mark(
        appointment=appointment_for(traject, start), status=Appointment.Status.COMPLETED
    )


def expire(evaluation):
    """Time passes: the link was sent 15 days ago and expired yesterday."""
    Evaluation.objects.filter(pk=evaluation.pk).update(
        created_at=timezone.now() - timedelta(days=15),
        expires_at=timezone.now() - timedelta(days=1),
    )


def url_of(evaluation):
    return link_for(evaluation).removeprefix("http://testserver")


def answers_for(evaluation, score=7):
    """A complete, valid POST for the questionnaire (the Dutch choice values)."""
    data = {}
    for question in evaluation.questionnaire.questions.all():
        if question.kind == Question.Kind.SCALE:
            data[f"q{question.pk}"] = str(score)
        elif question.kind == Question.Kind.CHOICE:
            data[f"q{question.pk}"] = question.dutch_options()[0]
        else:
            data[f"q{question.pk}"] = "Het helpt me om hardop te denken."
    return data


def interim(traject, number=1, **kwargs):
    return evaluation_request(
        key=f"traject:{traject.pk}:interim:{number}",
        kind=Questionnaire.Kind.INTERIM,
        client=traject.client,
        traject=traject,
        **kwargs,
    )


@pytest.mark.django_db
class TestAsked:
    def test_the_practice_has_questionnaires_of_every_kind_in_both_languages(self):
        for kind in Questionnaire.Kind.values:
            questionnaire = Questionnaire.objects.get(kind=kind, active=True)
            questions = list(questionnaire.questions.all())
            # The intake's are open questions, each filling a field of the intake form.
            if kind == Questionnaire.Kind.INTAKE:
                assert {q.kind for q in questions} == {Question.Kind.OPEN}
                assert {q.intake_field for q in questions} == set(IntakeVersion.TEXT_FIELDS)
            else:
                assert {q.kind for q in questions} == set(Question.Kind.values)
            assert all(q.text and q.text_en for q in questions) and questionnaire.name_en

    def test_an_interim_evaluation_every_n_held_sessions_each_once(
        self, traject, coach_a, coachee, settings, django_capture_on_commit_callbacks
    ):
        settings.PRAKTIJK_EVALUATION_EVERY_SESSIONS = 2
        with django_capture_on_commit_callbacks(execute=True):
            first = held_session(traject, days_ago=20)
        assert not Evaluation.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            second = held_session(traject, days_ago=13)
            # Marked again (the coach corrects the announcement): nothing new is asked.
            appointment_mark(appointment=second, status=Appointment.Status.COMPLETED)
        (evaluation,) = Evaluation.objects.all()
        assert evaluation.key == f"traject:{traject.pk}:interim:1"
        assert evaluation.questionnaire.kind == Questionnaire.Kind.INTERIM
        (prompt,) = mail.outbox
        assert prompt.to == [coachee.email]
        assert link_for(evaluation) in prompt.body and "Tussentijdse evaluatie" in prompt.body
        # A no-show does not count; the fourth held session asks the second one.
        assert first.status == Appointment.Status.COMPLETED
        with django_capture_on_commit_callbacks(execute=True):
            appointment_mark(
                appointment=appointment_book(
                    coach=coach_a,
                    start=timezone.now() - timedelta(days=6),
                    end=timezone.now() - timedelta(days=6, hours=-1),
                    kind=Appointment.Kind.SESSION,
                    mode="practice",
                    by=coach_a,
                    traject=traject,
                ),
                status=Appointment.Status.NO_SHOW,
            )
            held_session(traject, days_ago=5)
        assert Evaluation.objects.count() == 1
        with django_capture_on_commit_callbacks(execute=True):
            held_session(traject, days_ago=2)
        assert Evaluation.objects.count() == 2 and len(mail.outbox) == 2

    def test_a_final_evaluation_when_the_traject_is_closed(
        self, traject, coach_a, coachee, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            traject.advance("close", by=coach_a, on=timezone.localdate())
        evaluation = Evaluation.objects.get()
        assert evaluation.questionnaire.kind == Questionnaire.Kind.FINAL
        assert evaluation.key == f"traject:{traject.pk}:final"
        (prompt,) = mail.outbox
        assert prompt.to == [coachee.email] and "Eindevaluatie" in prompt.body

    def test_a_parent_is_asked_about_the_child_in_their_language(
        self, coach_a, guardian, django_capture_on_commit_callbacks
    ):
        guardian.language = "en"
        guardian.save(update_fields=["language"])
        child_traject = running_traject(
            coach_a, client=Client.objects.get(guardians__account=guardian)
        )
        with django_capture_on_commit_callbacks(execute=True):
            interim(child_traject)
        (prompt,) = mail.outbox
        assert prompt.to == [guardian.email]
        assert "Interim evaluation" in prompt.body and "coaching of Lotte" in prompt.body

    def test_nothing_is_asked_without_a_questionnaire_in_use(self, traject):
        Questionnaire.objects.update(active=False)
        assert interim(traject) is None and not Evaluation.objects.exists()

    def test_the_same_key_never_makes_a_second_one(self, traject):
        assert interim(traject) == interim(traject)
        with pytest.raises(IntegrityError), transaction.atomic():
            Evaluation.objects.create(
                key=f"traject:{traject.pk}:interim:1",
                questionnaire=Questionnaire.objects.get(kind="interim"),
                client=traject.client,
                expires_at=timezone.now() + timedelta(days=1),
            )

    def test_a_prompt_for_an_evaluation_filled_in_or_expired_is_skipped(
        self, traject, django_capture_on_commit_callbacks
    ):
        evaluation = interim(traject, prompt=False)
        expire(evaluation)
        with django_capture_on_commit_callbacks(execute=True):
            outbox.outbox_add(
                [(f"evaluation:{evaluation.pk}", "evaluation_prompt", timezone.now())]
            )
        assert Send.objects.get().status == Send.Status.SKIPPED and not mail.outbox


@pytest.mark.django_db
class TestTheLink:
    def test_fill_in_once_from_the_link_without_logging_in(self, client, traject, coach_a):
        evaluation = interim(traject, prompt=False)
        page = client.get(url_of(evaluation)).content.decode()
        assert "Tussentijdse evaluatie" in page and "Voor Anna Coach." in page
        assert 'type="radio"' in page and "<legend" in page  # each question a fieldset
        response = client.post(url_of(evaluation), answers_for(evaluation))
        assert response.status_code == 302
        evaluation.refresh_from_db()
        assert evaluation.completed_at is not None and evaluation.completed_by is None
        assert evaluation.answers.count() == evaluation.questionnaire.questions.count()
        again = client.post(url_of(evaluation), answers_for(evaluation, score=2), follow=True)
        assert "Deze evaluatie is ingevuld op" in again.content.decode()
        assert set(evaluation.answers.values_list("scale", flat=True)) - {None} == {7}

    def test_a_missing_answer_is_named_and_nothing_typed_is_lost(self, client, traject):
        evaluation = interim(traject, prompt=False)
        data = answers_for(evaluation)
        scale = evaluation.questionnaire.questions.filter(kind="scale").first()
        del data[f"q{scale.pk}"]
        response = client.post(url_of(evaluation), data)
        page = response.content.decode()
        assert response.status_code == 200 and "Dit veld is verplicht." in page
        assert "Het helpt me om hardop te denken." in page  # the open answer is still there
        assert not Answer.objects.exists()
        data[f"q{scale.pk}"] = "11"
        page = client.post(url_of(evaluation), data).content.decode()
        assert "Selecteer een geldige keuze" in page and not Answer.objects.exists()

    def test_a_wrong_token_is_a_404_and_an_expired_link_says_so(self, client, traject):
        evaluation = interim(traject, prompt=False)
        wrong = f"/evaluatie/{evaluation.uuid}/{'0' * 40}/"
        assert client.get(wrong).status_code == 404
        assert client.post(wrong, answers_for(evaluation)).status_code == 404
        expire(evaluation)
        page = client.get(url_of(evaluation)).content.decode()
        assert "Deze link is verlopen." in page
        client.post(url_of(evaluation), answers_for(evaluation))
        assert not Answer.objects.exists()

    def test_english_page_shows_english_questions_and_stores_the_dutch_choice(
        self, client, traject
    ):
        evaluation = interim(traject, prompt=False)
        client.cookies["django_language"] = "en"
        page = client.get(url_of(evaluation)).content.decode()
        assert "How satisfied are you with the coaching so far?" in page
        choice = evaluation.questionnaire.questions.get(kind="choice")
        assert "More often" in page
        data = answers_for(evaluation)
        data[f"q{choice.pk}"] = "Vaker"
        client.post(url_of(evaluation), data)
        assert Answer.objects.get(question=choice).choice == "Vaker"

    def test_the_logged_in_parent_is_recorded_as_who_filled_it_in(self, client, coach_a, guardian):
        child_traject = running_traject(
            coach_a, client=Client.objects.get(guardians__account=guardian)
        )
        evaluation = interim(child_traject, prompt=False)
        client.force_login(guardian)
        client.post(url_of(evaluation), answers_for(evaluation))
        evaluation.refresh_from_db()
        assert evaluation.completed_by == guardian

    def test_the_database_keeps_a_score_between_1_and_10(self, traject):
        evaluation = interim(traject, prompt=False)
        question = evaluation.questionnaire.questions.filter(kind="scale").first()
        with pytest.raises(IntegrityError), transaction.atomic():
            Answer.objects.create(evaluation=evaluation, question=question, scale=11)
        with pytest.raises(IntegrityError), transaction.atomic():
            Answer.objects.bulk_create(
                [Answer(evaluation=evaluation, question=question, scale=5)] * 2
            )


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_store_one_set_of_answers(coach_a, coachee):
    traject = running_traject(coach_a, client=Client.objects.get(account=coachee))
    evaluation = interim(traject, prompt=False)
    answers = {
        q.pk: 5 if q.kind == "scale" else "Ja" for q in evaluation.questionnaire.questions.all()
    }
    barrier = threading.Barrier(4)
    outcomes = []

    def submit():
        barrier.wait()
        try:
            evaluation_submit(evaluation=evaluation, answers=answers, by=None)
            outcomes.append("stored")
        except Exception as error:  # noqa: BLE001 - every other outcome is counted below
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ValidationError"] * 3 + ["stored"]
    assert Answer.objects.count() == evaluation.questionnaire.questions.count()


@pytest.mark.django_db
class TestWhatTheCoachSees:
    def test_the_answers_on_the_traject_page_and_the_scores_over_time(
        self, client, coach_a, traject
    ):
        for number, score in ((1, 4), (2, 6), (3, 9)):
            evaluation_submit(
                evaluation=interim(traject, number, prompt=False),
                answers={
                    q.pk: score
                    for q in Questionnaire.objects.get(kind="interim").questions.filter(
                        kind="scale"
                    )
                },
                by=None,
            )
        assert [p["mean"] for p in scores_over_time(traject.client)] == [4, 6, 9]
        interim(traject, 4, prompt=False)  # asked, not filled in yet
        client.force_login(coach_a)
        page = client.get(f"/coach/trajecten/{traject.uuid}/").content.decode()
        assert page.count("<circle") == 3 and "<polyline" in page
        assert "Gemiddelde score (1–10)" in page and "nog niet ingevuld" in page
        assert "Hoe tevreden ben je over de coaching tot nu toe?" in page and "9 / 10" in page

    def test_the_traject_page_queries_do_not_grow_with_evaluations(
        self, client, coach_a, traject, django_assert_num_queries
    ):
        client.force_login(coach_a)
        url = f"/coach/trajecten/{traject.uuid}/"

        def count():
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            return len(queries)

        questions = Questionnaire.objects.get(kind="interim").questions.all()
        evaluation_submit(
            evaluation=interim(traject, 1, prompt=False),
            answers={q.pk: 6 if q.kind == "scale" else "Zoals nu" for q in questions},
            by=None,
        )
        small = count()
        for number in range(2, 9):
            evaluation_submit(
                evaluation=interim(traject, number, prompt=False),
                answers={q.pk: 6 if q.kind == "scale" else "Zoals nu" for q in questions},
                by=None,
            )
        assert count() == small

    def test_the_traject_lists_its_own_newest_first_and_charts_every_traject(
        self, client, coach_a, traject
    ):
        questions = Questionnaire.objects.get(kind="interim").questions.filter(kind="scale")
        earlier = TrajectFactory(client=traject.client)
        elsewhere = interim(earlier, prompt=False)
        evaluation_submit(evaluation=elsewhere, answers={q.pk: 5 for q in questions}, by=None)
        first = interim(traject, 1, prompt=False)
        evaluation_submit(evaluation=first, answers={q.pk: 8 for q in questions}, by=None)
        second = interim(traject, 2, prompt=False)
        Evaluation.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=3))
        client.force_login(coach_a)
        page = client.get(f"/coach/trajecten/{traject.uuid}/").content.decode()
        assert page.index(f"evaluation-{second.uuid}") < page.index(f"evaluation-{first.uuid}")
        assert f"evaluation-{elsewhere.uuid}" not in page
        assert page.count("<circle") == 2

    def test_another_coach_never_sees_them(self, client, coach_b, traject):
        interim(traject, prompt=False)
        client.force_login(coach_b)
        assert client.get(f"/coach/trajecten/{traject.uuid}/").status_code == 404


@pytest.mark.django_db
def test_the_portal_lists_ones_own_evaluations_with_the_link(client, coach_a, coachee, traject):
    mine = interim(traject, prompt=False)
    other = TrajectFactory(client=ClientFactory(coach=coach_a))
    theirs = evaluation_request(
        key="other", kind="interim", client=other.client, traject=other, prompt=False
    )
    client.force_login(coachee)
    page = client.get("/portaal/evaluaties/").content.decode()
    assert url_of(mine) in page and token_for(theirs) not in page
    evaluation_submit(evaluation=mine, answers={}, by=coachee)
    page = client.get("/portaal/evaluaties/").content.decode()
    assert "Ingevuld op" in page and token_for(mine) not in page


@pytest.mark.django_db
def test_the_admin_keeps_one_questionnaire_in_use_per_kind(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/beheer/trajects/questionnaire/add/",
        {
            "kind": "interim",
            "active": "on",
            "name": "Nieuwe tussenevaluatie",
            "name_en": "",
            "intro": "",
            "intro_en": "",
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "0",
            "questions-0-position": "1",
            "questions-0-kind": "choice",
            "questions-0-required": "on",
            "questions-0-text": "Hoe gaat het?",
            "questions-0-text_en": "",
            "questions-0-choices": "Goed",
            "questions-0-choices_en": "",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Er is al een vragenlijst van deze soort in gebruik" in page
    assert "Geef ten minste twee keuzes." in page
    assert Questionnaire.objects.filter(kind="interim").count() == 1
    listing = client.get("/beheer/trajects/questionnaire/").content.decode()
    assert "Tussentijdse evaluatie" in listing and "Backstage-evaluatie" in listing


@pytest.mark.django_db
class TestBedenktijdPrompt:
    def test_the_coach_is_prompted_once_the_morning_after_the_term(
        self, coach_a, settings, django_capture_on_commit_callbacks
    ):
        settings.PRAKTIJK_BEDENKTIJD_DAYS = 14
        kennismaking = timezone.localdate() - timedelta(days=20)
        traject = TrajectFactory(client=ClientFactory(coach=coach_a, first_name="Noor"))
        traject.advance("record_kennismaking", by=coach_a, on=kennismaking, mode="phone")
        due = prompt_moment(kennismaking)
        assert timezone.localtime(due).date() == kennismaking + timedelta(days=15)
        assert timezone.localtime(due).hour == 8
        assert find_bedenktijd_over(due - timedelta(minutes=1)) == []
        ((subject, kind, due_at),) = find_bedenktijd_over(due)
        assert kind == BEDENKTIJD_OVER and due_at == due
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                outbox.sweep()
        (prompt,) = mail.outbox
        assert prompt.to == [coach_a.email] and "Noor" in prompt.subject
        assert f"/coach/trajecten/{traject.uuid}/" in prompt.body

    def test_no_prompt_when_the_client_decided_in_the_meantime(
        self, coach_a, django_capture_on_commit_callbacks
    ):
        kennismaking = timezone.localdate() - timedelta(days=20)
        traject = TrajectFactory(client=ClientFactory(coach=coach_a))
        traject.advance("record_kennismaking", by=coach_a, on=kennismaking, mode="phone")
        outbox.outbox_record(find_bedenktijd_over(timezone.now()))
        traject.advance("start_intake", by=coach_a, on=timezone.localdate())
        with django_capture_on_commit_callbacks(execute=True):
            outbox.sweep()
        assert Send.objects.get().status == Send.Status.SKIPPED and not mail.outbox
        assert traject.status == Traject.Status.INTAKE
        assert find_bedenktijd_over(timezone.now()) == []


def test_prompt_moment_is_8_in_the_morning_in_amsterdam_across_dst(settings):
    settings.PRAKTIJK_BEDENKTIJD_DAYS = 14
    # The term ends across the autumn change (25 October 2026): still 08:00 local, 07:00 UTC.
    moment = prompt_moment(date(2026, 10, 12))
    assert timezone.localtime(moment).hour == 8 and moment.utcoffset() == timedelta(hours=1)


def test_the_charts_coordinates_are_svg_numbers_in_every_language():
    """Written with a decimal point, never in the page's locale ("45,0" breaks the SVG)."""
    from django.utils import translation

    from trajects.services.evaluations import chart

    with translation.override("nl"):
        drawn = chart([{"mean": 7.5, "on": date(2026, 1, 5)}, {"mean": 4, "on": date(2026, 2, 5)}])
    # x from the left margin to the right one; y: 10 at the top (10 px), 1 at the bottom.
    assert drawn["polyline"] == "30.0,45.0 470.0,94.0"
    assert drawn["grid"][0]["y"] == "136.0"  # the 1 of the axis, at the bottom
    # The last date is written leftwards from its point, inside the chart ("17 nov." was cut).
    assert [point["anchor"] for point in drawn["points"]] == ["middle", "end"]


@pytest.mark.django_db
def test_the_link_works_until_the_end_of_the_day_the_email_names(traject, settings):
    settings.PRAKTIJK_EVALUATION_VALID_DAYS = 14
    evaluation = interim(traject, prompt=False)
    last = timezone.localtime(evaluation.expires_at)
    assert last.date() == timezone.localdate() + timedelta(days=14)
    assert (last.hour, last.minute) == (23, 59)
