"""Whom a portal account acts for (`Client.objects.for_account`, the portal's access rule):
itself, and the children under 18 it is a guardian of and may act for. Written as two index
lookups joined by UNION (an OR across the guardians' join read every client of the
practice on each portal page); these pin that it still says the same."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coaching.models import Client
from coaching.tests.factories import ClientFactory, GuardianFactory, UserFactory

pytestmark = pytest.mark.django_db


def years_ago(years: int) -> date:
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def test_itself_and_the_children_it_may_act_for_once_each():
    parent = UserFactory()
    own = ClientFactory(account=parent)
    child = GuardianFactory(account=parent, may_act_in_portal=True).client
    second_child = GuardianFactory(account=parent, may_act_in_portal=True).client
    # The other parent of the same child: the child is listed once, not per guardian row.
    GuardianFactory(client=child, account=UserFactory(), may_act_in_portal=True)
    assert sorted(Client.objects.for_account(parent), key=lambda c: c.pk) == sorted(
        [own, child, second_child], key=lambda c: c.pk
    )


def test_not_a_child_it_may_not_act_for_nor_a_grown_up_one_nor_someone_elses():
    parent = UserFactory()
    GuardianFactory(account=parent, may_act_in_portal=False)
    GuardianFactory(account=parent, may_act_in_portal=True, client__date_of_birth=years_ago(18))
    GuardianFactory(account=UserFactory(), may_act_in_portal=True)
    ClientFactory(account=UserFactory())
    assert list(Client.objects.for_account(parent)) == []


def test_a_child_one_day_before_eighteen_still_counts():
    parent = UserFactory()
    born = years_ago(18) + timedelta(days=1)
    child = GuardianFactory(account=parent, may_act_in_portal=True, client__date_of_birth=born)
    assert list(Client.objects.for_account(parent)) == [child.client]


def test_one_query_and_it_chains():
    parent = UserFactory()
    child = GuardianFactory(account=parent, may_act_in_portal=True).client
    with CaptureQueriesContext(connection) as queries:
        assert list(Client.objects.for_account(parent).filter(uuid=child.uuid)) == [child]
    assert len(queries) == 1
