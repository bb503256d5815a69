"""Invitations: a coach or the admin invites a client, a parent or a colleague; the invitee sets
a password through the link."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coaching.access import invitation_of_staff, invitation_to_accept
from coaching.forms import (
    AcceptInvitationForm,
    ClientInvitationForm,
    InviteFor,
    StaffInvitationForm,
)
from coaching.models import EMAIL_IN_USE, Guardian, Invitation, Role
from coaching.roles import has_role, role_required
from coaching.services.accounts import (
    Invitee,
    account_invite,
    client_invite,
    guardian_invite,
    invitation_accept,
    invitation_is_valid,
    invitation_send,
    invitation_sends,
)


def _invitations_page(
    request: HttpRequest,
    client_form: ClientInvitationForm | None = None,
    staff_form: StaffInvitationForm | None = None,
) -> HttpResponse:
    """The invitations page: a coach invites clients, the admin coaches and admins (a practice
    owner who is both sees both forms), with the invitations sent so far."""
    if client_form is None and has_role(request.user, Role.COACH):
        client_form = ClientInvitationForm()
    if staff_form is None and has_role(request.user, Role.ADMIN):
        staff_form = StaffInvitationForm()
    sent = Invitation.objects.visible_to(request.user).select_related(
        "user", "invited_by", "user__client_record"
    )
    sent = sent.prefetch_related(
        Prefetch("user__guardianships", queryset=Guardian.objects.select_related("client"))
    )
    page = Paginator(sent, 25).get_page(request.GET.get("page"))
    # What became of each one's latest e-mail (its outbox row), in one query.
    mails = invitation_sends(page.object_list)
    for invitation in page.object_list:
        invitation.mail = mails.get(invitation.pk)
    return render(
        request,
        "coaching/invitations.html",
        {
            "client_form": client_form,
            "staff_form": staff_form,
            "page": page,
            "days": settings.PRAKTIJK_INVITATION_DAYS,
        },
    )


def _invitation_sent(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    messages.success(
        request,
        _("Uitnodiging verstuurd naar %(email)s.") % {"email": invitation.user.email},
    )
    return redirect("invitations")


@require_safe
@role_required(Role.COACH, Role.ADMIN)
def invitations(request: HttpRequest) -> HttpResponse:
    return _invitations_page(request)


@require_POST
@role_required(Role.COACH)
def invitation_create_client(request: HttpRequest) -> HttpResponse:
    form = ClientInvitationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        invitee = Invitee(data["email"], data["first_name"], data["last_name"], data["language"])
        try:
            if data["invite_for"] == InviteFor.GUARDIAN:
                invitation = guardian_invite(
                    coach=request.user,
                    invitee=invitee,
                    relation=data["relation"],
                    has_parental_authority=data["has_parental_authority"],
                    child_first_name=data["child_first_name"],
                    child_last_name=data["child_last_name"],
                    child_date_of_birth=data["child_date_of_birth"],
                )
            else:
                invitation = client_invite(
                    coach=request.user, invitee=invitee, date_of_birth=data["date_of_birth"]
                )
        except IntegrityError:
            # Two invitations for one address at the same moment: the other one won.
            form.add_error("email", EMAIL_IN_USE)
        else:
            return _invitation_sent(request, invitation)
    return _invitations_page(request, client_form=form)


@require_POST
@role_required(Role.ADMIN)
def invitation_create_staff(request: HttpRequest) -> HttpResponse:
    form = StaffInvitationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        invitee = Invitee(data["email"], data["first_name"], data["last_name"], data["language"])
        try:
            invitation = account_invite(invitee=invitee, role=data["role"], invited_by=request.user)
        except IntegrityError:
            form.add_error("email", EMAIL_IN_USE)
        else:
            return _invitation_sent(request, invitation)
    return _invitations_page(request, staff_form=form)


@require_POST
@role_required(Role.COACH, Role.ADMIN)
def invitation_resend(request: HttpRequest, invitation: str) -> HttpResponse:
    invitation = invitation_of_staff(request.user, invitation)
    if invitation_send(invitation=invitation):
        messages.success(
            request,
            _("Uitnodiging opnieuw verstuurd naar %(email)s.") % {"email": invitation.user.email},
        )
    else:
        messages.info(request, _("Deze uitnodiging is al geaccepteerd."))
    return redirect("invitations")


@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, invitation: str, token: str) -> HttpResponse:
    invitation = invitation_to_accept(invitation)
    if request.user.is_authenticated:
        messages.info(
            request, _("Je bent al ingelogd. Log eerst uit om een uitnodiging te gebruiken.")
        )
        return redirect("after_login")
    if not invitation_is_valid(invitation, token):
        return render(request, "coaching/invitation_invalid.html", status=410)
    form = AcceptInvitationForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["new_password1"]
        if not invitation_accept(invitation=invitation, password=password):
            # Accepted a moment ago in another tab: that password counts, not this one.
            return render(request, "coaching/invitation_invalid.html", status=410)
        messages.success(request, _("Je wachtwoord is ingesteld. Log nu in met je e-mailadres."))
        return redirect("account_login")
    return render(
        request, "coaching/invitation_accept.html", {"form": form, "invitation": invitation}
    )
