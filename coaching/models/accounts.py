"""Accounts and roles: who logs in, and as what."""

import secrets
import uuid

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.video import validate_room_url

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
        user = self.create_user(email, password, **fields)
        # Made on the command line (`createsuperuser`) by whoever installs the practice: the
        # address is theirs, so the first admin logs in without waiting for a verification.
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"primary": True, "verified": True}
        )
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """An account. E-mail is the login; the role says which part of the site it uses."""

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
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
        indexes = [
            # The practice's coaches, in the order of the report's coach filter: a few dozen
            # rows among thousands of client accounts, found without scanning those.
            models.Index(
                fields=["first_name", "last_name", "id"],
                condition=Q(role=Role.COACH),
                name="user_coaches_by_name",
            ),
        ]
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
        return self.name_of(self.first_name, self.last_name, self.email)

    @staticmethod
    def name_of(first_name: str, last_name: str, email: str) -> str:
        """How an account is named (its full name, else its address), also from its fields
        read as values: the report's list of coaches."""
        return f"{first_name} {last_name}".strip() or email

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)
        # Practice administration is all or nothing: the admin form shows one box for it.
        self.is_superuser = self.is_staff
        if self.role == Role.CLIENT and self.is_staff:
            raise ValidationError({"is_staff": CLIENT_NEVER_STAFF})

    def get_full_name(self) -> str:
        return self.name_of(self.first_name, self.last_name, "")

    def get_short_name(self) -> str:
        return self.first_name or self.email


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


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
    # A video appointment of this coach gets this room; empty, the practice's
    # pattern (PRAKTIJK_VIDEO_ROOM_BASE) makes a room of its own per appointment.
    video_room_url = models.URLField(
        _("eigen videoruimte"),
        blank=True,
        help_text=_(
            "Het vaste adres van je videoruimte (bijvoorbeeld bij Jitsi, Whereby of Teams). Leeg: "
            "elke video-afspraak krijgt een eigen ruimte van de praktijk."
        ),
    )
    # Vandaag shows what happened since the coach's previous visit. A visit
    # is a sitting: opening Vandaag again within the hour keeps the same "since".
    today_seen_at = models.DateTimeField(_("Vandaag laatst geopend"), null=True, editable=False)
    today_since = models.DateTimeField(_("Vandaag: nieuw sinds"), null=True, editable=False)
    # The secret in the coach's private calendar feed URL; a new one stops the old URL.
    calendar_token = models.CharField(
        _("sleutel van de agendakoppeling"),
        max_length=64,
        unique=True,
        default=new_calendar_token,
        editable=False,
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("coachprofiel")
        verbose_name_plural = _("coachprofielen")

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        super().clean()
        try:
            validate_room_url(self.video_room_url)
        except ValidationError as error:
            raise ValidationError({"video_room_url": error}) from error
