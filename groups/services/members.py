"""Who joins a Backstage group and who leaves: a team takes its organisation's employees
(someone else only with the coach's reason), nobody under 18."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.models import Client, User
from groups.models import (
    BackstageGroup,
    Membership,
)
from groups.services.groups import RULES


def outside_the_organisation(group: BackstageGroup, client: Client) -> str:
    """Why this client is no natural member of the group ("" when they are): a team (in-company)
    is one organisation's, so its members are that organisation's employees."""
    if group.composition != BackstageGroup.Composition.TEAM:
        return ""
    if client.organisation_id is None:
        return _("%(name)s heeft geen werkgever vastgelegd; dit team is van %(organisation)s.") % {
            "name": client,
            "organisation": group.organisation,
        }
    if client.organisation_id != group.organisation_id:
        return _("%(name)s werkt bij %(employer)s; dit team is van %(organisation)s.") % {
            "name": client,
            "employer": client.organisation,
            "organisation": group.organisation,
        }
    return ""


@transaction.atomic
def member_add(
    *,
    group: BackstageGroup,
    client: Client,
    joined_on: date,
    exception_reason: str = "",
    by: User | None = None,
) -> Membership:
    """A participant joins: a client of the group's coach, 18 or older (a child never joins a
    Backstage group), while there is room; in a team, an employee of its organisation, or,
    when the coach gives a reason (`exception_reason`, kept with who gave it), someone else.

    The group's and the client's rows are locked, so that two additions at once count each
    other (the size) and a client's employer or date of birth cannot change under the check."""
    locked = BackstageGroup.objects.select_for_update(of=("self",)).select_related("organisation")
    group = locked.filter(pk=group.pk).first()
    if group is None:
        raise ValidationError(_("Deze groep is net verwijderd."), code="gone")
    client = (
        Client.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=client.pk)
    )
    if client.coach_id != group.coach_id:
        raise ValidationError(_("Alleen cliënten van de coach van de groep kunnen deelnemen."))
    if group.stopped_on:
        raise ValidationError(_("Deze groep is gestopt; er kan niemand meer bij."))
    age = client.age_on(max(joined_on, timezone.localdate()))
    if age is not None and age < 18:
        raise ValidationError(
            _(
                "%(name)s is jonger dan 18. Een Backstage-groep is voor volwassen "
                "professionals; een kind doet niet mee."
            )
            % {"name": client},
            code="minor",
        )
    exception_reason = exception_reason.strip()
    outside = _joins_as_an_exception(group, client, reason=exception_reason, by=by)
    if group.members.active().count() >= RULES["max_size"]:
        raise ValidationError(
            _("De groep is vol: hoogstens %(size)s deelnemers.") % {"size": RULES["max_size"]}
        )
    try:
        with transaction.atomic():
            return Membership.objects.create(
                group=group,
                client=client,
                joined_on=joined_on,
                outside_organisation_reason=exception_reason if outside else "",
                outside_organisation_by=by if outside else None,
            )
    except IntegrityError as error:
        raise ValidationError(_("Deze persoon is al deelnemer van de groep.")) from error


def _joins_as_an_exception(
    group: BackstageGroup, client: Client, *, reason: str, by: User | None
) -> bool:
    """Whether the client joins a team from outside its organisation: only with a reason, and
    who allows it."""
    outside = outside_the_organisation(group, client)
    if outside and not reason:
        raise ValidationError(
            _("%(why)s Alleen met een reden kan deze persoon toch meedoen.") % {"why": outside},
            code="outside_organisation",
        )
    if outside and by is None:
        raise ValidationError(_("Zeg wie de uitzondering toestaat."), code="outside_organisation")
    return bool(outside)


def member_leave(*, membership: Membership, on: date) -> Membership:
    membership.left_on = on
    membership.save(update_fields=["left_on"])
    return membership
