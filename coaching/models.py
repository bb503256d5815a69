"""The practice core: accounts and roles, coaches, clients and guardians, invitations, heartbeat."""

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EMAIL_IN_USE = _("Er bestaat al een account met dit e-mailadres.")
MINOR_NEEDS_GUARDIAN = _(
    "Deze cliënt is jonger dan 18: nodig dan een ouder of verzorger uit, die namens het kind "
    "het portaal gebruikt."
)

CLIENT_NEVER_STAFF = _("Een cliëntaccount kan geen praktijkbeheerder zijn.")


class Role(models.TextChoices):
    COACH = "coach", _("Coach")
    CLIENT = "client", _("Cliënt")
    ADMIN = "admin", _("Praktijkbeheerder")


class UserQuerySet(models.QuerySet):
    def coaches(self) -> "UserQuerySet":
        return self.filter(role=Role.COACH, is_active=True)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def normalize_email(self, email: str) -> str:
        # One address, one account: stored in lower case (allauth compares it that way too).
        return super().normalize_email(email or "").strip().lower()

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("role", Role.ADMIN)
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. E-mail is the login; the role says which part of the site it uses."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mailadres"), unique=True)
    first_name = models.CharField(_("voornaam"), max_length=150)
    last_name = models.CharField(_("achternaam"), max_length=150)
    role = models.CharField(_("rol"), max_length=10, choices=Role, default=Role.CLIENT)
    language = models.CharField(
        _("taal"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("De taal van de site en van e-mails aan deze persoon."),
    )
    is_active = models.BooleanField(_("actief"), default=True)
    is_staff = models.BooleanField(
        _("praktijkbeheer"),
        default=False,
        help_text=_("Mag alles beheren: de Django-admin, uitnodigingen en de statuspagina."),
    )
    date_joined = models.DateTimeField(_("aangemaakt op"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_ci_unique",
                violation_error_message=EMAIL_IN_USE,
            ),
            # A client account never gets into the admin, whatever someone ticks there.
            models.CheckConstraint(
                condition=~Q(role=Role.CLIENT) | (Q(is_staff=False) & Q(is_superuser=False)),
                name="user_client_is_never_staff",
                violation_error_message=CLIENT_NEVER_STAFF,
            ),
            # Practice administration is all or nothing: no half-admins without permissions.
            models.CheckConstraint(
                condition=Q(is_staff=F("is_superuser")),
                name="user_staff_is_superuser",
                violation_error_message=_("Praktijkbeheer geeft altijd volledige toegang."),
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.ADMIN) | Q(is_staff=True),
                name="user_admin_is_staff",
                violation_error_message=_(
                    "Een praktijkbeheerder heeft altijd toegang tot het beheer: vink "
                    "‘praktijkbeheer’ aan of kies een andere rol."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)
        # Practice administration is all or nothing: the admin form shows one box for it.
        self.is_superuser = self.is_staff
        if self.role == Role.CLIENT and self.is_staff:
            raise ValidationError({"is_staff": CLIENT_NEVER_STAFF})

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class CoachProfile(models.Model):
    """What the practice knows about a coach beyond the login."""

    user = models.OneToOneField(
        User,
        on_delete=models.CASCADE,
        related_name="coach_profile",
        limit_choices_to={"role": Role.COACH},
        verbose_name=_("account"),
    )
    phone = models.CharField(_("telefoon"), max_length=30, blank=True)
    bio = models.TextField(_("over mij"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("coachprofiel")
        verbose_name_plural = _("coachprofielen")

    def __str__(self) -> str:
        return str(self.user)


class ClientQuerySet(models.QuerySet):
    def for_coach(self, user: User) -> "ClientQuerySet":
        """The clients a coach may see: only their own."""
        return self.filter(coach=user)

    def for_account(self, user: User) -> "ClientQuerySet":
        """The clients a portal account acts for: itself, and children it is a guardian of."""
        return self.filter(
            Q(account=user) | Q(guardians__account=user, guardians__may_act_in_portal=True)
        ).distinct()


class Client(models.Model):
    """A coachee: an adult, or a child whose guardians act for them in the portal."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
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
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("cliënt")
        verbose_name_plural = _("cliënten")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def clean(self) -> None:
        super().clean()
        # A child does not get an account of their own: their guardians act for them.
        if self.account_id and self.is_child:
            raise ValidationError({"date_of_birth": MINOR_NEEDS_GUARDIAN})

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

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="guardians", verbose_name=_("cliënt")
    )
    first_name = models.CharField(_("voornaam"), max_length=150)
    last_name = models.CharField(_("achternaam"), max_length=150)
    relation = models.CharField(_("relatie"), max_length=10, choices=Relation)
    email = models.EmailField(_("e-mailadres"), blank=True)
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


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "InvitationQuerySet":
        """The practice admin (is_staff, see coaching.roles) sees every invitation; a coach only
        those they sent."""
        return self if user.is_staff else self.filter(invited_by=user)


class Invitation(models.Model):
    """A coach or admin created an account; its owner sets a password through an e-mailed link."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("account")
    )
    invited_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uitgenodigd door"),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    sent_at = models.DateTimeField(_("verstuurd op"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("geaccepteerd op"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("uitnodiging")
        verbose_name_plural = _("uitnodigingen")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_open(self) -> bool:
        """Not used yet. A password chosen another way (a reset) also closes the invitation."""
        return self.accepted_at is None and not self.user.has_usable_password()

    @property
    def expires_at(self):
        anchor = self.sent_at or self.created_at
        return anchor + timedelta(days=settings.PRAKTIJK_INVITATION_DAYS)

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class Heartbeat(models.Model):
    """When a Celery task last ran: shows that the worker (and beat) are alive."""

    class Source(models.TextChoices):
        BEAT = "beat", _("Beat (elke minuut)")
        PING = "ping", _("Testtaak vanaf de statuspagina")

    source = models.CharField(_("bron"), max_length=10, choices=Source, unique=True)
    last_seen_at = models.DateTimeField(_("laatst gezien"))
    hostname = models.CharField(_("worker"), max_length=255, blank=True)
    count = models.PositiveBigIntegerField(_("aantal keer"), default=0)

    class Meta:
        verbose_name = _("hartslag")
        verbose_name_plural = _("hartslagen")

    def __str__(self) -> str:
        return f"{self.source} @ {timezone.localtime(self.last_seen_at):%Y-%m-%d %H:%M:%S}"

    @property
    def is_fresh(self) -> bool:
        age = timezone.now() - self.last_seen_at
        return age.total_seconds() <= settings.PRAKTIJK_HEARTBEAT_MAX_AGE_SECONDS
