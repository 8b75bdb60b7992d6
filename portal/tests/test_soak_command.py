"""``manage.py soak`` itself, for a few seconds on a handful of people (the real soak is run by
hand: README "Figures"). Needs a database gunicorn can share: PostgreSQL, as in CI."""

import json
import os

import pytest
from django.core.management import call_command
from django.db import connection

from profiles.tests.factories import EmployeeFactory

on_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="gunicorn shares the test database"
)


@on_postgresql
def test_the_soak_drives_every_endpoint_without_errors_and_reports_memory(transactional_db, monkeypatch, tmp_path):
    db = connection.settings_dict
    monkeypatch.setenv(
        "DATABASE_URL", f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    for _ in range(2):
        manager = EmployeeFactory()
        EmployeeFactory.create_batch(3, manager=manager)
    figures_path = tmp_path / "soak.json"

    call_command(
        "soak", employees=0, minutes=0.25, users=3, concurrency=2, sample=2, json_path=str(figures_path), verbosity=0
    )

    figures = json.loads(figures_path.read_text())
    assert figures["errors"] == 0
    assert all(row["requests"] > 0 and row["p95_ms"] for row in figures["endpoints"].values()), figures["endpoints"]
    assert len(figures["endpoints"]) == 9
    assert figures["memory"]["samples"] >= 3 and figures["memory"]["first_mb"] > 0
    warm_up = figures["memory"]["warm_up"]  # every person's pages once before the clock: 3 + 3 + 3 + 3 HR + ...
    assert warm_up["requests"] >= 12 and warm_up["after_mb"] > 0, warm_up
    processes = figures["memory"]["processes"]  # the master and each of gunicorn's two workers, apart
    assert list(processes)[0] == "master" and sum(name.startswith("worker ") for name in processes) == 2, processes
    assert all(row["samples"] >= 2 and row["slope_mb_per_minute"] is not None for row in processes.values())
    from django.contrib.auth import get_user_model

    from profiles.models import Credential, XapiStatement

    assert not get_user_model().objects.filter(username__startswith="bench-web-").exists()  # cleaned up
    assert not Credential.objects.exists() and not XapiStatement.objects.exists()
