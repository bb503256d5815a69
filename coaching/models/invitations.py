"""Invitations: an account whose owner chooses a password through an e-mailed link."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.models.accounts import User


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> "InvitationQuerySet":
        """The practice admin (is_staff, see coaching.roles) sees every invitation; a coach only
        those they sent."""
        return self if user.is_staff else self.filter(invited_by=user)


class Invitation(models.Model):
    """A coach or admin created an account; its owner sets a password through an e-mailed link."""

    uuid = models.UUIDField(_("kenmerk"), default=uuid.uuid4, unique=True, editable=False)
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
