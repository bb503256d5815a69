"""Clients (coachees) and the parents or guardians who act for a child."""

import uuid
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.models.accounts import MINOR_NEEDS_GUARDIAN, Role, User


class Organisation(models.Model):
    """An employer: of a client, or the buyer of an in-company Backstage group."""

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("naam"), max_length=200)
    contact_person = models.CharField(_("contactpersoon"), max_length=200, blank=True)
    email = models.EmailField(_("e-mailadres"), blank=True)
    phone = models.CharField(_("telefoon"), max_length=30, blank=True)
    # The invoice address of a buyer of an in-company group.
    street = models.CharField(_("straat en huisnummer"), max_length=200, blank=True)
    postal_code = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("plaats"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="organisation_name_ci_unique",
                violation_error_message=_("Er bestaat al een organisatie met deze naam."),
            )
        ]

    def __str__(self) -> str:
        return self.name


def adult_born_before(today: date) -> date:
    """Born before this day: 18 or older today (on 29 February, born before the 28th)."""
    try:
        return today.replace(year=today.year - 18)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 18, day=28)


class ClientQuerySet(models.QuerySet):
    def for_coach(self, user: User) -> "ClientQuerySet":
        """The clients a coach may see: only their own, and not those erased (a row kept,
        anonymised, for the invoices the law makes the practice keep)."""
        return self.current().filter(coach=user)

    def named(self, text: str) -> "ClientQuerySet":
        """Whose first or last name contains each word of the text (a search box)."""
        found = self
        for word in text.split():
            found = found.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        return found

    def current(self) -> "ClientQuerySet":
        """Not erased (privacy.erasure keeps an anonymised row only for the invoices)."""
        return self.filter(erased_on__isnull=True)

    def for_account(self, user: User) -> "ClientQuerySet":
        """The clients a portal account acts for: itself, and children (under 18) it is a
        guardian of. Once a child is grown up, the parent no longer acts for them."""
        return self.acting_for(user, adult_born_before=adult_born_before(timezone.localdate()))

    def acting_for(self, user, *, adult_born_before: date) -> "ClientQuerySet":
        """for_account with the day before which a client was born to be an adult today (the
        values may be Params, coaching.compiled)."""
        # Two small index lookups joined by UNION: an OR across the guardians' join would make
        # PostgreSQL read every client of the practice on each portal page.
        own = Client.objects.filter(account=user).order_by().values("pk")
        children = (
            Guardian.objects.filter(
                account=user, may_act_in_portal=True, client__date_of_birth__gt=adult_born_before
            )
            .order_by()
            .values("client")
        )
        return self.filter(pk__in=own.union(children))


class Client(models.Model):
    """A coachee: an adult, or a child whose guardians act for them in the portal."""

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="clients",
        limit_choices_to={"role": Role.COACH},
        verbose_name=_("coach"),
    )
    first_name = models.CharField(_("voornaam"), max_length=150)
    last_name = models.CharField(_("achternaam"), max_length=150)
    date_of_birth = models.DateField(_("geboortedatum"), null=True, blank=True)
    email = models.EmailField(_("e-mailadres"), blank=True)
    phone = models.CharField(_("telefoon"), max_length=30, blank=True)
    street = models.CharField(_("straat en huisnummer"), max_length=200, blank=True)
    postal_code = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("plaats"), max_length=100, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clients",
        verbose_name=_("werkgever"),
    )
    account = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_record",
        limit_choices_to={"role": Role.CLIENT},
        verbose_name=_("portaalaccount"),
        help_text=_("Het account waarmee een volwassen cliënt zelf het portaal gebruikt."),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)
    # Erased (privacy.erasure): the dossier is gone, this row is kept without a name for the
    # invoices (7 years) and shown nowhere.
    erased_on = models.DateField(_("gewist op"), null=True, blank=True, editable=False)

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("cliënt")
        verbose_name_plural = _("cliënten")
        ordering = ["last_name", "first_name"]
        indexes = [
            # The coach's client list in its order, and its count, from the index alone; the
            # erased rows (kept for the invoices) are not in it.
            models.Index(
                fields=["coach", "last_name", "first_name"],
                condition=Q(erased_on__isnull=True),
                name="client_list_order",
            ),
        ]
        constraints = [
            # What a copy of the client's coach refers to: a traject's (client, coach) pair
            # (trajects' traject_client_coach), so the database keeps the copy equal.
            models.UniqueConstraint(fields=["id", "coach"], name="client_coach_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self) -> None:
        super().clean()
        # A child does not get an account of their own: their guardians act for them.
        if self.account_id and self.is_child:
            raise ValidationError({"date_of_birth": MINOR_NEEDS_GUARDIAN})

    def mail_recipients(self) -> list[tuple[str, str, str]]:
        """(address, first name, language) of everyone who hears of this client's appointments
        and evaluations: the client, or the parents of a child who receive reminders.
        Iterates `guardians.all()`: a caller with many clients prefetches
        `guardians__account`."""
        from django.conf import settings

        people = []
        if self.account_id:
            people.append((self.account.email, self.first_name, self.account.language))
        elif self.email and not self.is_child:
            people.append((self.email, self.first_name, settings.LANGUAGE_CODE))
        if not self.is_child:
            return people
        for guardian in self.guardians.all():
            if not guardian.receives_reminders:
                continue
            address = guardian.account.email if guardian.account_id else guardian.email
            language = guardian.account.language if guardian.account_id else settings.LANGUAGE_CODE
            if address:
                people.append((address, guardian.first_name, language))
        return people

    @property
    def portal_email(self) -> str:
        return self.account.email if self.account_id else self.email

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())

    @property
    def is_child(self) -> bool:
        return self.age is not None and self.age < 18


class Guardian(models.Model):
    """A parent or guardian of a child client."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("moeder")
        FATHER = "father", _("vader")
        GUARDIAN = "guardian", _("voogd")
        OTHER = "other", _("anders")

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="guardians", verbose_name=_("cliënt")
    )
    first_name = models.CharField(_("voornaam"), max_length=150)
    last_name = models.CharField(_("achternaam"), max_length=150)
    relation = models.CharField(_("relatie"), max_length=10, choices=Relation)
    email = models.EmailField(_("e-mailadres"), blank=True)
    phone = models.CharField(_("telefoon"), max_length=30, blank=True)
    # Asked, never assumed: unknown (None) until the parent or the coach says so.
    # Only a parent with authority can consent for the child (coaching.services.consents).
    has_parental_authority = models.BooleanField(
        _("heeft ouderlijk gezag"), null=True, blank=True, default=None
    )
    receives_reminders = models.BooleanField(_("krijgt herinneringen"), default=True)
    account = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guardianships",
        limit_choices_to={"role": Role.CLIENT},
        verbose_name=_("portaalaccount"),
    )
    may_act_in_portal = models.BooleanField(_("mag namens het kind handelen"), default=True)

    class Meta:
        verbose_name = _("ouder/verzorger")
        verbose_name_plural = _("ouders/verzorgers")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "account"],
                name="guardian_one_per_account_and_client",
                violation_error_message=_("Dit account is al ouder/verzorger van deze cliënt."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.get_relation_display()})"
