"""Evaluations in the browser: filling one in from the personal link, the portal's list, and
(on the traject page) what the coach sees."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from audit.log import Action, What, record
from coaching.models import Role
from coaching.roles import role_required
from trajects.access import evaluation_by_link
from trajects.forms import EvaluationForm
from trajects.models import Evaluation, Questionnaire
from trajects.services.evaluations import evaluation_submit, link_for, state_of, token_ok


@require_http_methods(["GET", "POST"])
def evaluation_fill(request: HttpRequest, evaluation: str, link_token: str) -> HttpResponse:
    """The personal link: no password needed (the token is the key), valid until it expires
    and only once. A wrong token is a 404, like an evaluation that does not exist."""
    evaluation = evaluation_by_link(evaluation)
    if not token_ok(evaluation, link_token):
        raise Http404
    questions = evaluation.questionnaire.questions.all()
    state = state_of(evaluation)
    form = EvaluationForm(
        request.POST if request.method == "POST" and state == "open" else None,
        questions=questions,
    )
    if request.method == "POST" and state == "open" and form.is_valid():
        try:
            evaluation_submit(evaluation=evaluation, answers=form.answers(), by=request.user)
        except ValidationError as error:
            # Filled in a moment ago (another tab, the other parent) or just expired.
            messages.warning(request, error.messages[0])
        else:
            record(
                request, Action.CREATE, What.EVALUATION, client=evaluation.client, obj=evaluation
            )
            messages.success(request, _("Dank je wel! Je antwoorden zijn opgeslagen."))
        return redirect(request.path)
    return render(
        request,
        "trajects/evaluation_fill.html",
        {
            "evaluation": evaluation,
            "questionnaire": evaluation.questionnaire,
            "client": evaluation.client,
            "form": form,
            "state": state,
        },
    )


@require_safe
@role_required(Role.CLIENT)
def portal_evaluations(request: HttpRequest) -> HttpResponse:
    evaluations = list(
        Evaluation.objects.for_account(request.user)
        # The intake questionnaire is on Intake en overeenkomst, for whom fills it in.
        .exclude(questionnaire__kind=Questionnaire.Kind.INTAKE)
        .select_related("questionnaire", "client")
    )
    for evaluation in evaluations:
        evaluation.state = state_of(evaluation)
        evaluation.link = link_for(evaluation) if evaluation.state == "open" else ""
    return render(request, "trajects/portal_evaluations.html", {"evaluations": evaluations})
