"""The sections that the apps above coaching put on the portal's home.

The portal's home answers "what comes next" for each client an account is or acts for (an
adult for themself, a parent per child): the next appointment (sessions), the next Backstage
meeting (groups), evaluations and unread messages (trajects). coaching sits below those apps
and imports none of them (DESIGN.md §3): each registers a section in its `AppConfig.ready()`.

A section's `context(account, clients)` answers for ALL the account's clients at once, as
{client pk: the template's context}, so that the page's query count does not grow with the
number of children; a client missing from the answer has nothing to show in that section.
The page renders each client's sections by `order` (lowest first); each section's template is
a grid column of its own (the page is a Bootstrap row per client)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from coaching.models import Client, User

Context = Callable[[User, Sequence[Client]], dict[int, dict]]


@dataclass(frozen=True)
class PortalSection:
    name: str
    template: str
    context: Context
    order: int


SECTIONS: dict[str, PortalSection] = {}


def register_portal_section(name: str, *, template: str, context: Context, order: int) -> None:
    SECTIONS[name] = PortalSection(name=name, template=template, context=context, order=order)


@dataclass
class ClientCard:
    """One client on the portal's home: its sections, each {"template", "section"}."""

    client: Client
    own: bool  # the account's own coaching (not a child's)
    heading: str  # "Voor Emma"; "" for an adult's own coaching when that is all there is
    sections: list[dict] = field(default_factory=list)

    @property
    def level(self) -> int:
        """The sections' heading level: under the client's heading, or right under the h1."""
        return 3 if self.heading else 2


def portal_cards(account: User, clients: Sequence[Client]) -> list[ClientCard]:
    """The account's own coaching first, then each child's by first name; per client the
    sections with something to show, in their order. One call per section, whatever the number
    of clients."""
    clients = sorted(clients, key=lambda c: (c.account_id != account.pk, c.first_name, c.pk))
    cards = []
    for client in clients:
        own = client.account_id == account.pk
        if not own:
            heading = _("Voor %(name)s") % {"name": client.first_name}
        else:
            heading = _("Je eigen coaching") if len(clients) > 1 else ""
        cards.append(ClientCard(client, own, heading))
    if not clients:
        return cards
    for section in sorted(SECTIONS.values(), key=lambda s: s.order):
        answers = section.context(account, clients)
        for card in cards:
            context = answers.get(card.client.pk)
            if context is not None:
                card.sections.append({"template": section.template, "section": context})
    return cards
