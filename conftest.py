"""Shared test people: an employee, their manager, a skip-level manager, a peer, HR, an outsider."""

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from profiles.access import HR_GROUP
from profiles.tests.factories import EmployeeFactory, UserFactory

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


# Browser tests (talent/tests/browser/): pytest-playwright drives Debian's chromium, never a
# browser of its own (`.ci/run` installs the package). Playwright's sync API runs an event loop in
# the test thread, and Django refuses ORM calls from a thread with a running loop without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        message = (
            f"{CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium) to run the browser tests"
        )
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it, so a skip there would hide the journeys
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "headless": True, "args": CHROMIUM_FLAGS}


@pytest.fixture(autouse=True)
def _fresh_skill_tagger():
    """The skill tagger is cached per process and rechecks the taxonomy every 30 s: a test must not
    tag with the skills (and ids) of an earlier test's taxonomy."""
    from feedback.mentions import tagger_forget

    tagger_forget()
    yield
    tagger_forget()
