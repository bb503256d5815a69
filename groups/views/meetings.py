"""A meeting of a Backstage group, for its coach: the page shows it (the turns, last
meeting's agreements to report back on, attendance, reminders), and each of its forms posts to
a view of its own over groups.services."""

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from audit.log import Action, What, record_each
from coaching.compiled import Compiled
from coaching.models import Role, Send
from coaching.roles import role_required
from groups.access import is_id, meeting_of_coach, member_of_group, turn_of_coach
from groups.forms import TurnForm
from groups.models import Meeting, Membership
from groups.reminders import participant_reminders_of
from groups.services.meetings import (
    MeetingFull,
    meeting_attendance_record,
    meeting_move,
    meeting_report_back,
    meeting_turns,
    turn_claim,
    turn_release,
)
from groups.views.common import why
from sessions.forms import MoveForm
from sessions.services.booking import SlotTaken
from sessions.views.common import json_answer, wants_json

# The participants with whether they were there (compiled once, coaching.compiled).
MEMBERS_PRESENT = Compiled(
    lambda at: (
        Membership.objects.filter(group=at.group)
        .active()
        .select_related("client")
        .with_presence(at.meeting)
    ),
    group=models.BigIntegerField(),
    meeting=models.BigIntegerField(),
)


@require_safe
@role_required(Role.COACH)
def meeting_detail(request: HttpRequest, meeting: UUID) -> HttpResponse:
    """The meeting page; each of its forms posts to a view of its own (below)."""
    meeting = meeting_of_coach(request.user, meeting)
    group = meeting.group
    contributions, previous = meeting_turns(meeting)
    members = MEMBERS_PRESENT.all(known={"group": group}, group=group.pk, meeting=meeting.pk)
    record_each(
        request,
        Action.VIEW,
        What.BACKSTAGE,
        [c.membership.client for c in [*contributions, *previous]],
    )
    return render(
        request,
        "groups/meeting_detail.html",
        {
            "meeting": meeting,
            "group": group,
            "turns": [(c, TurnForm(instance=c, prefix=str(c.uuid))) for c in contributions],
            "previous": previous,
            "members": members,
            # A turn goes to someone without one at this meeting.
            "assignable": [
                m for m in members if m.pk not in {c.membership_id for c in contributions}
            ],
            "present": {member.pk for member in members if member.present},
            "move_form": MoveForm(initial={"start": timezone.localtime(meeting.appointment.start)}),
            "free_turns": 2 - len(contributions),
            "reminders_sent": [
                send
                for send in participant_reminders_of(meeting, members)
                if send.status == Send.Status.SENT
            ],
            "reminder_hours": settings.PRAKTIJK_REMINDER_HOURS,
        },
    )


def _back_to(meeting: Meeting) -> HttpResponse:
    return redirect("meeting_detail", meeting=meeting.uuid)


@require_POST
@role_required(Role.COACH)
def meeting_move_view(request: HttpRequest, meeting: UUID) -> HttpResponse:
    """Move the meeting (services.meetings.meeting_move): from the form on its page, or dragged
    in the coach's calendar (static/js/calendar.js), which asks for the answer in JSON
    (`{"ok": …, "message": …}`)."""
    meeting = meeting_of_coach(request.user, meeting)
    form = MoveForm(request.POST)
    refusal: str | None = None
    status = 200
    if not form.is_valid():
        refusal, status = " ".join(form.errors.get("start", [])), 400
    else:
        try:
            meeting_move(meeting=meeting, start=form.cleaned_data["start"])
        except (ValidationError, SlotTaken) as error:
            refusal, status = why(error), 409
    if refusal is not None:
        if wants_json(request):
            return json_answer(refusal, status=status)
        messages.error(request, refusal)
        return _back_to(meeting)
    moved = (
        _("De bijeenkomst is verzet; de deelnemers krijgen bericht.")
        if meeting.group.members.active().exists()
        else _("De bijeenkomst is verzet.")
    )
    if wants_json(request):
        return json_answer(moved)
    messages.success(request, moved)
    return _back_to(meeting)


@require_POST
@role_required(Role.COACH)
def turn_record(request: HttpRequest, meeting: UUID, turn: UUID) -> HttpResponse:
    """The steps of a turn, as the coach writes them down during or after the meeting."""
    turn = turn_of_coach(request.user, meeting, turn)
    form = TurnForm(request.POST, instance=turn, prefix=str(turn.uuid))
    if form.is_valid():
        form.save()
        record_each(request, Action.CHANGE, What.BACKSTAGE, [turn.membership.client])
        messages.success(
            request,
            _("De beurt van %(name)s is vastgelegd.") % {"name": turn.membership.client.first_name},
        )
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _back_to(turn.meeting)


@require_POST
@role_required(Role.COACH)
def meeting_report_back_view(request: HttpRequest, meeting: UUID) -> HttpResponse:
    """How last meeting's agreements went (`report-<turn's uuid>`, one field a turn)."""
    meeting = meeting_of_coach(request.user, meeting)
    texts = {
        key.removeprefix("report-"): value
        for key, value in request.POST.items()
        if key.startswith("report-")
    }
    changed = meeting_report_back(meeting=meeting, texts=texts)
    record_each(
        request, Action.CHANGE, What.BACKSTAGE, [turn.membership.client for turn in changed]
    )
    messages.success(request, _("De terugkoppeling is vastgelegd."))
    return _back_to(meeting)


@require_POST
@role_required(Role.COACH)
def turn_assign(request: HttpRequest, meeting: UUID) -> HttpResponse:
    """The coach gives a free turn to a participant (also during or after the meeting)."""
    meeting = meeting_of_coach(request.user, meeting)
    member = member_of_group(meeting.group, request.POST.get("member"))
    try:
        if member is None:
            raise ValidationError(_("Kies een deelnemer."))
        turn_claim(meeting=meeting, membership=member, by_coach=True)
    except (MeetingFull, ValidationError) as error:
        messages.error(request, why(error))
    else:
        messages.success(request, _("De beurt is toegewezen."))
    return _back_to(meeting)


@require_POST
@role_required(Role.COACH)
def turn_release_view(request: HttpRequest, meeting: UUID, turn: UUID) -> HttpResponse:
    """Free a turn; a turn freed already (a second click) changes nothing."""
    meeting = meeting_of_coach(request.user, meeting)
    if turn_release(meeting=meeting, turn=turn):
        messages.success(request, _("De beurt is vrijgegeven."))
    return _back_to(meeting)


@require_POST
@role_required(Role.COACH)
def meeting_attendance(request: HttpRequest, meeting: UUID) -> HttpResponse:
    """Who was there: the participants ticked are present, the others absent."""
    meeting = meeting_of_coach(request.user, meeting)
    present = {int(pk) for pk in request.POST.getlist("present") if is_id(pk)}
    meeting_attendance_record(meeting=meeting, present=present)
    messages.success(request, _("De aanwezigheid is vastgelegd."))
    return _back_to(meeting)
