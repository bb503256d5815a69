"""The sections that the apps above coaching put on the coach's page of a client.

The client's page (trajects.views.clients.client_detail) shows the client's details, trajects,
consents and e-mails; an app higher up (billing: the client's strippenkaarten) adds a section
of its own by registering it here in its `AppConfig.ready()`, as on the portal's home
(coaching.portal): coaching and trajects import none of those apps (DESIGN.md §3).

A section's `context(coach, client)` returns the template's context, or None when the section
has nothing to show and nothing to offer. Sections render by `order` (lowest first)."""

from collections.abc import Callable
from dataclasses import dataclass

from coaching.models import Client, User

Context = Callable[[User, Client], dict | None]


@dataclass(frozen=True)
class ClientSection:
    name: str
    template: str
    context: Context
    order: int


CLIENT_SECTIONS: dict[str, ClientSection] = {}


def register_client_section(name: str, *, template: str, context: Context, order: int) -> None:
    CLIENT_SECTIONS[name] = ClientSection(
        name=name, template=template, context=context, order=order
    )


def client_sections(coach: User, client: Client) -> list[dict]:
    """[{"template", "section"}] for the client's page, in order."""
    shown = []
    for section in sorted(CLIENT_SECTIONS.values(), key=lambda s: s.order):
        context = section.context(coach, client)
        if context is not None:
            shown.append({"template": section.template, "section": context})
    return shown
