"""E-mail coaching in the browser: the coachee's conversation in the portal, the coach's reply
on the traject page, attachments behind the same access, and the statistics."""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit.log import Action, What, record
from coaching.confirm import confirmation_page
from coaching.models import Role
from coaching.roles import role_required
from coaching.uploads import refused_uploads
from trajects.access import (
    conversation_of_account,
    conversations_of_account,
    message_with_attachment,
    traject_of_coach,
    traject_page_of_coach,
)
from trajects.conversation_html import messages_html
from trajects.forms import MessageForm
from trajects.models import Traject
from trajects.services.email_coaching import (
    EXTENSIONS,
    answer_statistics,
    conversation_messages,
    email_conversation_close,
    email_switch_request,
    email_traject_switch,
    message_write,
    switched_to_live_on,
)
from trajects.views.trajects import traject_page


def _write(request, traject: Traject, *, from_coach: bool) -> MessageForm:
    # An attachment too large to keep in memory was not kept at all: the form says so.
    form = MessageForm(request.POST, request.FILES, refused_uploads=refused_uploads(request))
    if form.is_valid():
        try:
            message_write(
                traject=traject,
                by=request.user,
                body=form.cleaned_data["body"],
                from_coach=from_coach,
                attachment=form.cleaned_data["attachment"],
                seen_until=form.cleaned_data["seen"],
            )
        except ValidationError as error:
            form.add_error("attachment" if error.code in ("type", "too_big") else None, error)
        else:
            messages.success(request, _("Je bericht is verstuurd."))
    return form


logger = logging.getLogger(__name__)


@require_safe
@role_required(Role.CLIENT)
def portal_messages(request: HttpRequest) -> HttpResponse:
    trajects = conversations_of_account(request.user).select_related("client")
    if len(trajects) == 1:
        return redirect("portal_conversation", traject=trajects[0].uuid)
    return render(request, "trajects/portal_messages.html", {"trajects": trajects})


@require_http_methods(["GET", "POST"])
@role_required(Role.CLIENT)
def portal_conversation(request: HttpRequest, traject: str) -> HttpResponse:
    traject = conversation_of_account(request.user, traject)
    form = MessageForm()
    if request.method == "POST":
        form = _write(request, traject, from_coach=False)
        if not form.errors:
            record(request, Action.CREATE, What.MESSAGES, client=traject.client, obj=traject)
            return redirect("portal_conversation", traject=traject.uuid)
    record(request, Action.VIEW, What.MESSAGES, client=traject.client, obj=traject)
    messages_list, earlier = conversation_messages(traject, everything="alle" in request.GET)
    if any(message.from_coach and message.read_at is None for message in messages_list):
        # The client's side opened the conversation: the coach's messages are read (the portal's
        # home counts the unread ones). One UPDATE, and only when an unread one is shown: the
        # unread are the newest. Up to the last one shown: one written since this page read them
        # was not seen.
        last_shown = max(message.pk for message in messages_list)
        traject.messages.unread().filter(pk__lte=last_shown).update(read_at=timezone.now())
    return render(
        request,
        "trajects/portal_conversation.html",
        {
            "traject": traject,
            "messages_list": messages_list,
            "messages_html": messages_html(messages_list, show_deadline=False, now=timezone.now()),
            "earlier": earlier,
            "answer_hours": settings.PRAKTIJK_EMAIL_ANSWER_HOURS,
            "form": form,
            "switched_on": switched_to_live_on(traject),
        },
    )


@require_POST
@role_required(Role.CLIENT)
def portal_conversation_live(request: HttpRequest, traject: str) -> HttpResponse:
    traject = conversation_of_account(request.user, traject)
    try:
        email_switch_request(traject=traject)
        record(
            request, Action.CHANGE, What.DOSSIER, client=traject.client, obj=traject, detail="live"
        )
        messages.success(
            request, _("Je coach ziet je verzoek om live sessies en neemt contact op.")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("portal_conversation", traject=traject.uuid)


@require_POST
@role_required(Role.CLIENT)
def portal_conversation_close(request: HttpRequest, traject: str) -> HttpResponse:
    traject = conversation_of_account(request.user, traject)
    try:
        email_conversation_close(
            traject=traject,
            by=request.user,
            reason=_("Gesprek afgesloten door de cliënt via het portaal."),
        )
        record(
            request, Action.CHANGE, What.DOSSIER, client=traject.client, obj=traject, detail="close"
        )
        messages.success(request, _("Het gesprek is afgesloten. Dank je wel, en het beste!"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("portal_conversation", traject=traject.uuid)


@require_POST
@role_required(Role.COACH)
def coach_reply(request: HttpRequest, traject: str) -> HttpResponse:
    traject = traject_page_of_coach(request.user, traject)
    form = _write(request, traject, from_coach=True)
    if form.errors:
        # Shown again with the text as typed and the reason next to the field.
        return traject_page(request, traject, message_form=form)
    record(request, Action.CREATE, What.MESSAGES, client=traject.client, obj=traject)
    return redirect("traject_detail", traject=traject.uuid)


@require_http_methods(["GET", "POST"])
@role_required(Role.COACH)
def coach_switch(request: HttpRequest, traject: str) -> HttpResponse:
    """GET asks first (what the coachee hears, what stops, what stays); POST switches."""
    traject = traject_of_coach(request.user, traject)
    if request.method == "GET" and traject.takes_messages:
        name = traject.client.first_name
        return confirmation_page(
            request,
            title=_("Overstappen naar live sessies – %(name)s") % {"name": traject.client},
            consequences=[
                _(
                    "De cliënt krijgt een e-mail dat de coaching verdergaat met live sessies (bij "
                    "een kind de ouders), en ziet dat ook in het portaal."
                ),
                _("Nieuwe berichten kunnen niet meer; er geldt geen antwoordtermijn meer."),
                _(
                    "Het gesprek blijft leesbaar, voor jou in het dossier en voor %(name)s in het "
                    "portaal. Daarna plan je de sessies in de agenda."
                )
                % {"name": name},
            ],
            confirm_label=_("Overstappen naar live sessies"),
            back=reverse("traject_detail", args=[traject.uuid]),
            danger=False,
        )
    if request.method == "GET":  # not (or no longer) e-mail coaching: nothing to ask
        messages.info(request, _("Dit traject is geen lopende e-mailcoaching."))
        return redirect("traject_detail", traject=traject.uuid)
    try:
        email_traject_switch(traject=traject, by=request.user)
        record(
            request, Action.CHANGE, What.DOSSIER, client=traject.client, obj=traject, detail="live"
        )
        messages.success(
            request,
            _("Het traject gaat verder met live sessies; het gesprek blijft in het dossier."),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("traject_detail", traject=traject.uuid)


@require_safe
def message_attachment(request: HttpRequest, message: str) -> HttpResponse:
    """An attachment, only for the traject's coach and the coachee (or parent)."""
    found = message_with_attachment(request.user, message)
    client = found.traject.client
    record(request, Action.VIEW, What.ATTACHMENT, client=client, obj=found)
    # Decrypted here, for this response only: the storage holds the ciphertext (at most the
    # attachment limit, so it is read whole).
    try:
        content = found.attachment.decrypted()
    except OSError:
        # The row is there but its file is not (a storage restored without its files): the
        # person gets "not found", the practice a log line to act on (no name in it).
        logger.error("The attachment file of message %s is missing from the storage.", found.uuid)
        raise Http404 from None
    response = HttpResponse(content, content_type=found.attachment_type)
    extension = EXTENSIONS.get(found.attachment_type, "")
    response["Content-Disposition"] = (
        f'attachment; filename="bijlage-{found.uuid.hex[:8]}{extension}"'
    )
    response["Cache-Control"] = "no-store"  # no decrypted copy in a shared or disk cache
    return response


@require_safe
@role_required(Role.COACH)
def message_statistics(request: HttpRequest) -> HttpResponse:
    return render(
        request, "trajects/message_statistics.html", {"figures": answer_statistics(request.user)}
    )
