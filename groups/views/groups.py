"""A coach's Backstage groups: the list, a new group with its eight meetings, the group's page
(members, meetings, a fair rota, open agreements, evaluations), its place, and stopping or
deleting it. A meeting's own page: groups.views.meetings; the participants': groups.views.portal."""

from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit.log import Action, What, record_each
from coaching.compiled import Compiled
from coaching.confirm import ReasonForm, confirmation_page
from coaching.links import url_for
from coaching.models import Client, Role
from coaching.roles import role_required
from coaching.services.clients import organisation_for_name
from groups.access import (
    client_to_add,
    clients_to_add,
    group_of_coach,
    groups_of_coach,
    member_of_group,
)
from groups.forms import GroupForm, MemberExceptionForm, MemberSearchForm, PlaceForm
from groups.models import Attendance, BackstageGroup, Contribution, Meeting, Membership
from groups.services.groups import (
    Ending,
    group_create,
    group_delete,
    group_ending,
    group_evaluation_summary,
    group_place_change,
    group_stop,
    why_not_deletable,
)
from groups.services.meetings import RotaTurn, plan_rota, rota_accept
from groups.services.members import member_add, member_leave, outside_the_organisation
from sessions.models import Appointment

# The most clients a search on the group page lists (after that: search more precisely).
CANDIDATES = 20


def _form_errors(form, error: ValidationError) -> None:
    """A service's errors on the form's fields where it has them, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# --- The coach -------------------------------------------------------------------------------


@require_safe
@role_required(Role.COACH)
def group_list(request: HttpRequest) -> HttpResponse:
    groups = (
        groups_of_coach(request.user)
        .select_related("organisation")
        .annotate(
            size=Count("members", filter=Q(members__left_on__isnull=True), distinct=True),
            held=Count(
                "meetings",
                filter=Q(meetings__appointment__start__lt=timezone.now()),
                distinct=True,
            ),
        )
    )
    return render(request, "groups/group_list.html", {"groups": groups})


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def group_new(request: HttpRequest) -> HttpResponse:
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = data["organisation"]
        if data["new_organisation"].strip():
            organisation = organisation_for_name(data["new_organisation"])
        try:
            group = group_create(
                coach=request.user,
                name=data["name"],
                composition=data["composition"],
                daypart=data["daypart"],
                interval_weeks=data["interval_weeks"],
                first_start=data["first_start"],
                location=data["location"],
                video_link=data["video_link"],
                organisation=organisation,
                contact_person=data["contact_person"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("De groep en haar acht bijeenkomsten staan in de agenda."))
            return redirect("group_detail", group=group.uuid)
    return render(
        request,
        "coaching/form_page.html",
        {"title": _("Nieuwe Backstage-groep"), "forms": [form], "back": "/coach/groepen/"},
    )


@require_safe
@role_required(Role.COACH)
def group_detail(request: HttpRequest, group: UUID) -> HttpResponse:
    group = group_of_coach(request.user, group)
    # Everyone who took part (a turn may be of someone who left since), with their client.
    everyone = {m.pk: m for m in MEMBERS.all(known={"group": group}, group=group.pk)}
    # The list: those a participant sees (of a stopped group: who took part until it stopped).
    members = [m for m in everyone.values() if _seen_by_participant(m, group)]
    meetings = _meetings(group, everyone)
    now = timezone.now()
    open_agreements = [c for m in meetings for c in m.turns if c.agreements and not c.report_back]
    search = MemberSearchForm(request.GET or None)
    candidates = None  # not searched
    if search.is_valid() and search.cleaned_data["zoek"].strip():
        found = clients_to_add(request.user, search.cleaned_data["zoek"], besides=members)
        candidates = list(found[: CANDIDATES + 1])
    # The page shows the contributions (agreements, report-backs) of these clients.
    shown = [c.membership.client for m in meetings for c in m.turns]
    record_each(request, Action.VIEW, What.BACKSTAGE, shown)
    evaluations = group_evaluation_summary(group)
    # What the page loaded says whether anything happened yet (why_not_deletable decides when
    # the coach asks): then the group can still be deleted, else only stopped.
    untouched = not evaluations and not any(
        m.appointment.start <= now or m.turns or m.recorded for m in meetings
    )
    return render(
        request,
        "groups/group_detail.html",
        {
            "group": group,
            "members": members,
            "meetings": meetings,
            "now": now,
            "proposal": _proposal(members, meetings, now),
            "open_agreements": open_agreements,
            "search": search,
            "candidates": candidates and candidates[:CANDIDATES],
            "more_candidates": candidates is not None and len(candidates) > CANDIDATES,
            "missing": max(0, settings.PRAKTIJK_BACKSTAGE["min_size"] - len(members)),
            "evaluations": evaluations,
            "may_delete": untouched and not group.stopped_on,
            "leave_url": reverse("group_member_leave", args=[group.uuid]),
        },
    )


# The group page's reads, compiled once (coaching.compiled; the meetings' lists per number).
MEMBERS = Compiled(
    lambda at: Membership.objects.filter(group=at.group).select_related("client"),
    group=models.BigIntegerField(),
)
MEETINGS = Compiled(
    lambda at: (
        Meeting.objects.filter(group=at.group)
        .select_related("appointment")
        .only("uuid", "number", "group", "appointment__start", "appointment__status")
        .order_by("number")
    ),  # the default order (by group first) joins the group
    group=models.BigIntegerField(),
)
TURNS = Compiled(
    lambda at: (
        Contribution.objects.filter(meeting__pk__in=at.meetings)
        .only("meeting", "membership", "turn", "agreements", "report_back")
        .order_by("meeting_id", "turn")
    ),
    meetings=[models.BigIntegerField()],
)
ATTENDANCE = Compiled(
    lambda at: Attendance.objects.filter(meeting__pk__in=at.meetings).values_list(
        "meeting", "membership", "present"
    ),
    meetings=[models.BigIntegerField()],
)


def _seen_by_participant(membership: Membership, group: BackstageGroup) -> bool:
    """As MembershipQuerySet.seen_by_participant, for the memberships the page loaded."""
    return membership.left_on is None or (
        group.stopped_on is not None and membership.left_on == group.stopped_on
    )


def _meetings(group: BackstageGroup, everyone: dict[int, Membership]) -> list[Meeting]:
    """The group's meetings with their appointments, each with `turns` (its contributions, in
    turn order, each with its participant from `everyone`), `recorded` (the attendance:
    (membership pk, present)), `present_count` and `link`. Three plain queries: prefetching
    the turns with their participants and clients joined the group and the clients again."""
    meetings = MEETINGS.all(known={"group": group}, group=group.pk)
    by_pk = {}
    link = url_for("meeting_detail")
    for meeting in meetings:
        meeting.turns, meeting.recorded, meeting.link = [], [], link(meeting.uuid)
        by_pk[meeting.pk] = meeting
    for turn in TURNS.all(meetings=list(by_pk)):
        turn.meeting, turn.membership = by_pk[turn.meeting_id], everyone[turn.membership_id]
        turn.meeting.turns.append(turn)
    for meeting_pk, membership_pk, present in ATTENDANCE.all(meetings=list(by_pk)):
        by_pk[meeting_pk].recorded.append((membership_pk, present))
    for meeting in meetings:
        present = [is_present for _pk, is_present in meeting.recorded]
        meeting.present_count = sum(present) if present else None
    return meetings


def _proposal(members: list[Membership], meetings: list[Meeting], now) -> list[tuple[int, str]]:
    """A fair rota for the free turns of the meetings to come, as (meeting number, first name),
    from what the group page loaded (turns taken, who was absent)."""
    upcoming = [
        m.number
        for m in meetings
        if m.appointment.start > now and m.appointment.status == Appointment.Status.BOOKED
    ]
    taken = [RotaTurn(m.number, c.membership_id) for m in meetings for c in m.turns]
    absent = {m.number: {pk for pk, present in m.recorded if not present} for m in meetings}
    proposal = plan_rota([m.pk for m in members], upcoming, absent=absent, taken=taken)
    names = {m.pk: m.client.first_name for m in members}
    return [(turn.meeting, names[turn.member]) for turn in proposal]


def _ending_sentences(ending: Ending, *, deleting: bool) -> list[str]:
    """What the confirmation page says will happen."""
    if ending.cancelled:
        sentences = [
            ngettext(
                "%(count)s bijeenkomst die nog moest komen gaat niet door: ze verdwijnt uit je "
                "agenda en de tijd komt vrij voor andere afspraken, ook voor online boeken.",
                "%(count)s bijeenkomsten die nog moesten komen gaan niet door: ze verdwijnen uit "
                "je agenda en de tijd komt vrij voor andere afspraken, ook voor online boeken.",
                ending.cancelled,
            )
            % {"count": ending.cancelled}
        ]
    else:
        sentences = [_("Er staan geen bijeenkomsten meer in de agenda die nog moeten komen.")]
    if ending.told:
        sentences.append(
            _(
                "De deelnemers krijgen een e-mail (zonder de reden en zonder wat er in de groep "
                "is besproken), met de vervallen bijeenkomsten voor hun agenda: %(names)s."
            )
            % {"names": ", ".join(ending.told)}
        )
    else:
        sentences.append(_("Er zijn geen deelnemers die bericht krijgen."))
    if deleting:
        sentences.append(
            _(
                "De groep, haar deelnemerslijst en haar bijeenkomsten worden verwijderd. Dit kan "
                "niet ongedaan worden gemaakt."
            )
        )
    else:
        sentences.append(
            _(
                "Wat er al is geweest blijft bewaard: de gehouden bijeenkomsten, de inbreng en "
                "afspraken, de aanwezigheid en de evaluaties. De groep staat daarna als gestopt, "
                "met de datum en de reden; de deelname eindigt vandaag."
            )
        )
    return sentences


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def group_stop_view(request: HttpRequest, group: UUID) -> HttpResponse:
    """Stop the group, with a reason: the confirmation page says what happens (GET), the POST
    does it (groups.services.groups.group_stop)."""
    group = group_of_coach(request.user, group)
    back = reverse("group_detail", args=[group.uuid])
    if group.stopped_on:
        messages.info(request, _("Deze groep is al gestopt."))
        return redirect(back)
    form = ReasonForm(
        request.POST or None,
        label=_("Waarom stopt de groep?"),
        help_text=_("Blijft bij de groep, voor jou; de deelnemers krijgen de reden niet te zien."),
    )
    if request.method == "POST" and form.is_valid():
        try:
            ending = group_stop(group=group, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "De groep is gestopt; %(count)s bijeenkomst is uit de agenda gehaald.",
                    "De groep is gestopt; %(count)s bijeenkomsten zijn uit de agenda gehaald.",
                    ending.cancelled,
                )
                % {"count": ending.cancelled},
            )
        return redirect(back)
    return confirmation_page(
        request,
        title=_("Groep %(name)s stoppen") % {"name": group.name},
        consequences=_ending_sentences(group_ending(group), deleting=False),
        form=form,
        confirm_label=_("Groep stoppen"),
        back=back,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def group_delete_view(request: HttpRequest, group: UUID) -> HttpResponse:
    """Delete a group in which nothing happened yet; otherwise the coach is sent to stopping
    it. The confirmation page first (GET), the POST deletes (services.groups.group_delete)."""
    group = group_of_coach(request.user, group)
    back = reverse("group_detail", args=[group.uuid])
    if group.stopped_on:
        messages.info(request, _("Deze groep is gestopt; wat er is geweest blijft bewaard."))
        return redirect(back)
    if why := why_not_deletable(group):
        messages.info(
            request,
            _(
                "Deze groep kan niet meer worden verwijderd: %(why)s Stop de groep in plaats "
                "daarvan."
            )
            % {"why": why},
        )
        return redirect("group_stop", group=group.uuid)
    if request.method == "POST":
        try:
            ending = group_delete(group=group, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(back)
        messages.success(
            request,
            ngettext(
                "De groep is verwijderd; %(count)s deelnemer krijgt bericht.",
                "De groep is verwijderd; %(count)s deelnemers krijgen bericht.",
                len(ending.told),
            )
            % {"count": len(ending.told)},
        )
        return redirect("group_list")
    return confirmation_page(
        request,
        title=_("Groep %(name)s verwijderen") % {"name": group.name},
        consequences=_ending_sentences(group_ending(group), deleting=True),
        confirm_label=_("Groep verwijderen"),
        back=back,
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def group_place(request: HttpRequest, group: UUID) -> HttpResponse:
    """Where the group meets: the meetings to come follow, and the participants hear of it."""
    group = group_of_coach(request.user, group)
    form = PlaceForm(
        request.POST or None, initial={"location": group.location, "video_link": group.video_link}
    )
    if request.method == "POST" and form.is_valid():
        try:
            moved = group_place_change(
                group=group,
                location=form.cleaned_data["location"],
                video_link=form.cleaned_data["video_link"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "De plaats is gewijzigd, ook bij %(count)s bijeenkomst die nog komt; de "
                    "deelnemers krijgen bericht.",
                    "De plaats is gewijzigd, ook bij de %(count)s bijeenkomsten die nog komen; de "
                    "deelnemers krijgen bericht.",
                    moved,
                )
                % {"count": moved},
            )
            return redirect("group_detail", group=group.uuid)
    return render(
        request,
        "coaching/form_page.html",
        {
            "title": _("Plaats van %(name)s") % {"name": group.name},
            "forms": [form],
            "back": reverse("group_detail", args=[group.uuid]),
        },
    )


@require_POST
@role_required(Role.COACH)
def group_member_add(request: HttpRequest, group: UUID) -> HttpResponse:
    group = group_of_coach(request.user, group)
    client = client_to_add(request.user, request.POST.get("client", ""))
    # The second round: the coach adds someone from outside the team's organisation anyway.
    exception = MemberExceptionForm(request.POST) if "reason" in request.POST else None
    if client is None:
        messages.error(request, _("Kies een cliënt."))
    elif exception is not None and not exception.is_valid():
        return _ask_for_an_exception(request, group, client, exception)
    else:
        reason = exception.cleaned_data["reason"] if exception else ""
        try:
            member_add(
                group=group,
                client=client,
                joined_on=timezone.localdate(),
                exception_reason=reason,
                by=request.user,
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "outside_organisation" and not reason:
                initial = {"client": client.pk, "zoek": request.POST.get("zoek", "")}
                return _ask_for_an_exception(
                    request, group, client, MemberExceptionForm(initial=initial)
                )
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(name)s doet mee.") % {"name": client})
    # Back to the search the client was found by, for the next one to add.
    search = MemberSearchForm(request.POST)
    if search.is_valid() and search.cleaned_data["zoek"].strip():
        query = urlencode({"zoek": search.cleaned_data["zoek"]})
        return redirect(f"{reverse('group_detail', args=[group.uuid])}?{query}#members-heading")
    return redirect("group_detail", group=group.uuid)


def _ask_for_an_exception(
    request: HttpRequest,
    group: BackstageGroup,
    client: Client,
    form: MemberExceptionForm,
) -> HttpResponse:
    """A team is one organisation's: someone from elsewhere joins only with a reason."""
    return confirmation_page(
        request,
        title=_("%(name)s toch toevoegen aan %(group)s?") % {"name": client, "group": group},
        consequences=[
            outside_the_organisation(group, client),
            _(
                "Dit team is in-company: de deelnemers werken bij %(organisation)s. Met een "
                "reden kan %(name)s toch meedoen; die blijft bij de deelname bewaard."
            )
            % {"organisation": group.organisation, "name": client},
        ],
        form=form,
        confirm_label=_("Toch toevoegen"),
        back=reverse("group_detail", args=[group.uuid]),
        danger=False,
    )


@require_POST
@role_required(Role.COACH)
def group_member_leave(request: HttpRequest, group: UUID) -> HttpResponse:
    group = group_of_coach(request.user, group)
    membership = member_of_group(group, request.POST.get("member"))
    if membership is not None:
        member_leave(membership=membership, on=timezone.localdate())
        messages.success(request, _("%(name)s is gestopt.") % {"name": membership.client})
    return redirect("group_detail", group=group.uuid)


@require_POST
@role_required(Role.COACH)
def group_rota_accept(request: HttpRequest, group: UUID) -> HttpResponse:
    """The coach accepts the proposed rota: each proposed turn becomes a contribution."""
    group = group_of_coach(request.user, group)
    assigned = rota_accept(group=group)
    messages.success(request, _("%(count)s beurten ingedeeld.") % {"count": assigned})
    return redirect("group_detail", group=group.uuid)
