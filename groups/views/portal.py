"""A participant's Backstage groups in the portal: the schedule, a turn to claim, a meeting's
.ics."""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from audit.log import Action, What, record_each
from coaching.models import Role
from coaching.roles import role_required
from groups.access import meeting_of_account, meeting_to_claim, memberships_seen_by_account
from groups.forms import ClaimForm
from groups.models import Contribution
from groups.services.meetings import MeetingFull, turn_claim
from groups.views.common import why
from sessions import ical


@require_safe
@role_required(Role.CLIENT)
def portal_groups(request: HttpRequest) -> HttpResponse:
    memberships = list(memberships_seen_by_account(request.user).select_related("group", "client"))
    groups = []
    now = timezone.now()
    for membership in memberships:
        meetings = list(
            membership.group.meetings.select_related("appointment").annotate(
                turns=Count("contributions")
            )
        )
        own = {
            c.meeting_id: c
            for c in Contribution.objects.filter(membership=membership).select_related("meeting")
        }
        groups.append((membership, meetings, own))
    return render(
        request,
        "groups/portal_groups.html",
        {"groups": groups, "now": now, "claim_form": ClaimForm()},
    )


@require_POST
@role_required(Role.CLIENT)
def portal_turn_claim(request: HttpRequest, meeting: UUID) -> HttpResponse:
    meeting, membership = meeting_to_claim(request.user, meeting)
    form = ClaimForm(request.POST)
    form.is_valid()
    try:
        turn_claim(
            meeting=meeting, membership=membership, problem=form.cleaned_data.get("problem", "")
        )
    except (MeetingFull, ValidationError) as error:
        messages.error(request, why(error))
    else:
        record_each(request, Action.CREATE, What.BACKSTAGE, [membership.client])
        messages.success(
            request, _("Je hebt een beurt bij bijeenkomst %(number)s.") % {"number": meeting.number}
        )
    return redirect("portal_groups")


@require_safe
@role_required(Role.CLIENT)
def portal_meeting_ics(request: HttpRequest, meeting: UUID) -> HttpResponse:
    """One meeting of the participant's own group as .ics, with the group's place; a 404 for
    anyone else."""
    meeting = meeting_of_account(request.user, meeting)
    response = HttpResponse(
        ical.for_client(meeting.appointment, language=request.LANGUAGE_CODE),
        content_type="text/calendar",
    )
    response["Content-Disposition"] = f'attachment; filename="bijeenkomst-{meeting.number}.ics"'
    return response
