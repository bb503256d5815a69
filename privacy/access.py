"""Who may reach a client's data as a whole: the coach through coaching.access; in the portal,
an adult client their own, a parent with parental authority that of a child under 16. Any other
id is a 404 (STYLE.md 4)."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from coaching.models import Client, User


def may_download(account, client: Client) -> bool:
    """An adult client downloads their own data; a parent with parental authority that of a
    child under 16 (AVG: from 16 a child exercises these rights themselves). `client` is one
    the account acts for (Client.objects.for_account)."""
    if client.account_id == account.pk:
        return True
    return (
        client.age is not None
        and client.age < 16
        and client.guardians.filter(account=account, has_parental_authority=True).exists()
    )


def client_to_download(user: User, uuid) -> Client:
    """A client whose data this account may download in the portal."""
    client = get_object_or_404(Client.objects.for_account(user), uuid=uuid)
    if not may_download(user, client):
        raise Http404
    return client
