"""The demo's files go through the importers in pieces one import takes (IMPORT_MAX_ROWS)."""

import random

import pandas as pd
import pytest

from demo.context import Context, DemoSummary
from demo.imports import import_profile_file
from profiles.models import Employee, SyncRun

pytestmark = pytest.mark.django_db


def test_a_frame_longer_than_one_import_goes_in_consecutive_files(settings):
    settings.IMPORT_MAX_ROWS = 2
    ctx = Context(employees=5, seed=1, rng=random.Random(1), progress=None, summary=DemoSummary(5, 1), spec=None)
    frame = pd.DataFrame(
        {
            "external_id": [f"E{n}" for n in range(5)],
            "first_name": ["Ada", "Ben", "Cy", "Di", "Ed"],
            "last_name": ["One", "Two", "Three", "Four", "Five"],
            # managers come before their reports, as the demo orders its people file
            "manager_external_id": ["", "E0", "E0", "E1", "E3"],
        }
    )

    import_profile_file(ctx, "people", frame, "employees")

    runs = list(SyncRun.objects.order_by("pk").values_list("name", "status", "created"))
    assert runs == [
        ("demo-people-1.csv", SyncRun.Status.SUCCEEDED, 2),
        ("demo-people-2.csv", SyncRun.Status.SUCCEEDED, 2),
        ("demo-people-3.csv", SyncRun.Status.SUCCEEDED, 1),
    ]
    assert ctx.summary.table("employees").created == 5
    managers = dict(Employee.objects.values_list("external_id", "manager__external_id"))
    assert managers == {"E0": None, "E1": "E0", "E2": "E0", "E3": "E1", "E4": "E3"}


def test_a_frame_one_import_takes_is_one_file_named_as_before(settings):
    settings.IMPORT_MAX_ROWS = 5
    ctx = Context(employees=2, seed=1, rng=random.Random(1), progress=None, summary=DemoSummary(2, 1), spec=None)
    frame = pd.DataFrame({"external_id": ["E0", "E1"], "first_name": ["Ada", "Ben"], "last_name": ["One", "Two"]})

    import_profile_file(ctx, "people", frame, "employees")

    assert list(SyncRun.objects.values_list("name", flat=True)) == ["demo-people.csv"]
