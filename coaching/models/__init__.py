"""The practice core's models, one module per concept."""

from coaching.models.accounts import (
    CLIENT_NEVER_STAFF,
    EMAIL_IN_USE,
    MINOR_NEEDS_GUARDIAN,
    CoachProfile,
    Role,
    User,
)
from coaching.models.backups import BackupRun
from coaching.models.clients import Client, Guardian, Organisation
from coaching.models.consent import CONSENT_AGE, Consent, ThirdParty
from coaching.models.heartbeat import Heartbeat
from coaching.models.invitations import Invitation
from coaching.models.sends import Send
from coaching.models.tariffs import (
    Component,
    Tariff,
    Unit,
    Vat,
    tariff_add,
    tariff_for,
    tariff_remove,
    tariffs_between,
    to_cents,
)

__all__ = [
    "BackupRun",
    "CLIENT_NEVER_STAFF",
    "CONSENT_AGE",
    "EMAIL_IN_USE",
    "MINOR_NEEDS_GUARDIAN",
    "Client",
    "Component",
    "CoachProfile",
    "Consent",
    "Guardian",
    "Heartbeat",
    "Invitation",
    "Organisation",
    "Role",
    "Send",
    "Tariff",
    "ThirdParty",
    "Unit",
    "User",
    "Vat",
    "tariff_add",
    "tariff_for",
    "tariff_remove",
    "tariffs_between",
    "to_cents",
]
