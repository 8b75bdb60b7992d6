"""The pilot demo organisation, seeded once per test class that reads it."""

import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="class")
def pilot_seeded(django_db_setup, django_db_blocker):
    """``seed_demo`` once for a whole class (about 5 s on PostgreSQL), rolled back after it.

    As Django's ``TestCase.setUpTestData``: the seed runs inside a transaction held open for the
    class; each test runs in a savepoint inside it (``pilot`` asks for ``db``), rolled back after
    the test, so what one test writes never reaches the next, and nothing reaches other classes.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def pilot(pilot_seeded, db):
    """The pilot demo (see ``pilot_seeded``)."""
