"""Writing the audit log: `record` from the views, plus what is logged for every request
(denied access) and every login attempt (signals and the allauth adapter).

The views call `record` where they open, export, change or erase a client's dossier or
messages; `audit/tests/test_log.py` walks those URLs and fails when one of them writes nothing.
"""

from allauth.core.internal.httpkit import get_client_ip
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.http import HttpRequest, HttpResponse

from audit.models import AuditEvent
from coaching.compiled import Compiled, insert
from coaching.models import Client, Role, User

Action = AuditEvent.Action
What = AuditEvent.What


def client_ip(request: HttpRequest | None) -> str | None:
    """The visitor's address, behind the proxy as the rate limits see it (allauth's setting
    ALLAUTH_TRUSTED_PROXY_COUNT)."""
    if request is None:
        return None
    try:
        return get_client_ip(request)
    except (ImproperlyConfigured, ValueError):
        # A forwarded-for header shorter than the proxies configured, or not an address.
        return None


def role_of(user, client: Client | None) -> str:
    if user is None or not user.is_authenticated:
        return AuditEvent.Role.ANONYMOUS
    if user.role == Role.COACH:
        return AuditEvent.Role.COACH
    if user.role == Role.CLIENT:
        if client is not None and client.account_id != user.pk:
            return AuditEvent.Role.GUARDIAN
        if client is None and not hasattr(user, "client_record"):
            return AuditEvent.Role.GUARDIAN
        return AuditEvent.Role.COACHEE
    return AuditEvent.Role.ADMIN


def _event(
    request: HttpRequest | None,
    action: str,
    what: str,
    *,
    client: Client | None = None,
    obj=None,
    user: User | None = None,
    role: str | None = None,
    detail: str = "",
) -> AuditEvent:
    """The row (not saved): who (the request's user, or `user`), on whose behalf (`client`),
    what (`action` on `what`, the object's uuid), when, from which address, on which page."""
    if user is None and request is not None:
        user = request.user
    actor = user if user is not None and user.is_authenticated else None
    object_id = ""
    if obj is not None:
        object_id = str(getattr(obj, "uuid", None) or obj.pk)
    match = getattr(request, "resolver_match", None)
    return AuditEvent(
        actor=actor,
        actor_role=role or role_of(user, client),
        client=client,
        action=action,
        what=what,
        object_id=object_id,
        page=(match.view_name if match else "")[:80],
        ip=client_ip(request),
        detail=detail[:200],
    )


# The row's columns (a foreign key by its id), and the INSERT that writes them, compiled once
# (coaching.compiled): every opening of a dossier writes one, and Model.save() around it cost as
# much as the INSERT.
COLUMNS = {
    "at": models.DateTimeField(),
    "actor_id": models.BigIntegerField(),
    "actor_role": models.CharField(),
    "client_id": models.BigIntegerField(),
    "action": models.CharField(),
    "what": models.CharField(),
    "object_id": models.CharField(),
    "page": models.CharField(),
    "ip": models.GenericIPAddressField(),
    "detail": models.CharField(),
}
FIELD_OF = {"actor_id": "actor", "client_id": "client"}  # the model's names of the two keys
INSERT = Compiled(
    lambda at: insert(
        AuditEvent,
        **{FIELD_OF.get(name, name): getattr(at, name) for name in COLUMNS},
    ),
    **COLUMNS,
)


def record(request: HttpRequest | None, action: str, what: str, **kwargs) -> AuditEvent:
    """Writes one row (see `_event` for what it holds), and returns it as written (without
    the id the database gave it: nothing reads a row back)."""
    event = _event(request, action, what, **kwargs)
    INSERT.execute(**{name: getattr(event, name) for name in COLUMNS})
    return event


class DeniedAccessMiddleware:
    """Logs denied access: every 403 (a role that may not, a failed CSRF check), and every 404
    of a logged-in user on an existing page, which is how this site answers a request for
    someone else's object (DESIGN.md §4.9: a 404, never a 403 that confirms it exists)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        status = response.status_code
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if status == 403 or (
            status == 404
            and match is not None
            and match.url_name  # the admin's catch-all has none: a mistyped admin address
            and (match.kwargs or (user is not None and user.is_authenticated))
        ):
            ids = " ".join(
                f"{key}={'…' if 'token' in key or 'key' in key else value}"
                for key, value in (match.kwargs if match else {}).items()
            )
            record(request, Action.DENIED, What.PAGE, detail=f"{status} {request.method} {ids}")
        return response


def record_each(request: HttpRequest, action: str, what: str, clients) -> None:
    """One row per client, in one statement: a page that shows several clients' data at once
    (a Backstage group's contributions)."""
    unique = {client.pk: client for client in clients}.values()
    AuditEvent.objects.bulk_create(
        _event(request, action, what, client=client, obj=client) for client in unique
    )


def login_succeeded(sender, request, user, **kwargs) -> None:
    record(request, Action.LOGIN, What.ACCOUNT, user=user, obj=user)


def logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(request, Action.LOGOUT, What.ACCOUNT, user=user, obj=user)


def _account_tried(credentials: dict) -> User | None:
    """The account a failed login was for, if there is one. What was typed is not kept: people
    type their password in the wrong field."""
    login = credentials.get("email") or credentials.get("username") or ""
    return User.objects.filter(email__iexact=login).first() if login else None


def login_failed(sender, credentials, request=None, **kwargs) -> None:
    account = _account_tried(credentials)
    record(
        request,
        Action.LOGIN_FAILED,
        What.ACCOUNT,
        user=account,
        role=AuditEvent.Role.ANONYMOUS,  # someone tried the account; not its owner, perhaps
        obj=account,
        detail="" if account else "onbekend account",
    )


def login_blocked(request: HttpRequest, credentials: dict) -> None:
    account = _account_tried(credentials)
    record(
        request,
        Action.LOGIN_BLOCKED,
        What.ACCOUNT,
        user=account,
        role=AuditEvent.Role.ANONYMOUS,
        obj=account,
        detail="" if account else "onbekend account",
    )


def second_factor_failed(sender, request, user, **kwargs) -> None:
    record(request, Action.SECOND_FACTOR_FAILED, What.ACCOUNT, user=user, obj=user)
