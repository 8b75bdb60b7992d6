"""Shared test people: an employee, their manager, a skip-level manager, a peer, HR, an outsider."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group

from profiles.tests.factories import EmployeeFactory, UserFactory
from talent.access import HR_GROUP

PASSWORD = "correct horse battery"


@dataclass
class Org:
    director: object  # skip-level manager of `employee`
    manager: object
    employee: object
    peer: object  # same manager as `employee`
    outsider: object  # in another branch of the tree
    outsider_manager: object
    hr_user: object


@pytest.fixture
def org(db):
    """A small org chart, each person with a signed-in-able user account."""

    def person(email, manager=None):
        return EmployeeFactory(user=UserFactory(username=email, email=email), email=email, manager=manager)

    director = person("director@example.com")
    manager = person("manager@example.com", director)
    employee = person("employee@example.com", manager)
    peer = person("peer@example.com", manager)
    outsider_manager = person("other.manager@example.com", director)
    outsider = person("outsider@example.com", outsider_manager)
    hr_user = UserFactory(username="hr@example.com", email="hr@example.com", is_staff=True)
    hr_user.groups.add(Group.objects.get_or_create(name=HR_GROUP)[0])
    return Org(director, manager, employee, peer, outsider, outsider_manager, hr_user)
