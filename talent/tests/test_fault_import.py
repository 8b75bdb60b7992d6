"""The database connection dropped, or the importing process killed, in the middle of a file
import (PostgreSQL, as in CI).

``manage.py import_data --no-recompute`` (a bulk load; with recomputes queued, django-q2's
broker closes and reopens the connection after every chunk) runs in a child process on a skill-evidence file of 40,000 rows in
chunks of 1,000 (each chunk one transaction that also updates the run's counts). Once the run
shows chunks landed, the test ends the importer's connection from the server side
(``pg_terminate_backend``, what a database restart or a failover does). The importer reconnects to
say so: its ``SyncRun`` ends failed with the reason and where it stopped; the rows in the database
are exactly the chunks the run reports (a chunk is all in or all out); the same file imported
again completes, the rows already in counted as unchanged.

A killed importer (SIGKILL, as the kernel's out-of-memory killer does) cannot say anything: its run
stays "running" with the chunks it committed. Once it has been silent for
``core.heartbeat.ABANDONED_AFTER``, the next import of any file (and the sweep task every 15 minutes)
marks it failed with the reason; the rows in the database are still exactly the chunks it reports,
and the same file again completes.
"""

import csv
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from core.heartbeat import ABANDONED_AFTER
from profiles.models import Employee, SkillEvidence, SyncRun
from profiles.tasks import abandoned_imports_task
from taxonomy.tests.factories import SkillFactory

ROOT = Path(__file__).resolve().parents[2]
ROWS = 40_000
CHUNK = 1_000
on_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="pg_terminate_backend is PostgreSQL's (as in CI)",
)


APPLICATION = "importer-under-test"


def database_url() -> str:
    """The test database, the child's connection named so the test can find it in pg_stat_activity."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}?application_name={APPLICATION}"


def importer(path: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own command
        [
            sys.executable,
            "manage.py",
            "import_data",
            "evidence",
            str(path),
            "--chunk-size",
            str(CHUNK),
            "--no-recompute",
            "-v0",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(), "DEBUG": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def evidence_file(transactional_db, tmp_path):
    skills = [SkillFactory(name=f"Skill {n}") for n in range(8)]
    Employee.objects.bulk_create(
        Employee(external_id=f"D{n:04d}", first_name="P", last_name=str(n), email=f"d{n}@example.com")
        for n in range(500)
    )
    path = tmp_path / "evidence.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["employee", "skill", "level", "source", "observed_at", "evidence_id"])
        for n in range(ROWS):
            skill = skills[n % len(skills)].name
            out.writerow([f"D{n % 500:04d}", skill, 1 + n % 4, "manager", f"2026-0{1 + n % 9}-15", f"EV{n:06d}"])
    return path


def backend_of_the_importer() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APPLICATION])
        return [pid for (pid,) in cursor.fetchall()]


@on_postgresql
def test_an_import_whose_connection_is_dropped_says_where_it_stopped_and_a_rerun_completes(evidence_file):
    process = importer(evidence_file)
    try:
        drop_the_connection_then_rerun(process, evidence_file)
    finally:
        process.kill()  # if the test failed early: no importer writing under the teardown's flush


def chunks_landed(process, *, at_least: int = 3) -> SyncRun:
    """The importer's run, once it shows ``at_least`` chunks landed."""
    deadline = time.monotonic() + 300
    while True:
        run = SyncRun.objects.filter(kind="evidence").first()
        if run is not None and run.received >= at_least * CHUNK:
            return run
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no chunk landed within 5 minutes"
        time.sleep(0.02)


def drop_the_connection_then_rerun(process, evidence_file):
    run = chunks_landed(process)
    pids = backend_of_the_importer()
    assert len(pids) == 1, pids
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", pids)
    _, stderr = process.communicate(timeout=300)
    run.refresh_from_db()

    assert process.returncode == 1, stderr.decode()
    assert run.status == SyncRun.Status.FAILED, (run.status, stderr.decode())
    assert run.error.startswith(f"The import stopped at row {run.received + 2}: "), run.error  # header is line 1
    assert "the connection to the database was lost" in run.error, stderr.decode()[-3000:]
    assert run.finished_at is not None
    assert 3 * CHUNK <= run.received < ROWS and run.received % CHUNK == 0  # whole chunks only
    assert SkillEvidence.objects.count() == run.created == run.received  # what landed is what it says

    rerun = importer(evidence_file)
    _, stderr = rerun.communicate(timeout=600)

    assert rerun.returncode == 0, stderr.decode()
    again = SyncRun.objects.exclude(pk=run.pk).get()
    assert again.status == SyncRun.Status.SUCCEEDED, again.error
    assert (again.received, again.unchanged, again.created) == (ROWS, run.created, ROWS - run.created)
    assert SkillEvidence.objects.count() == ROWS


@on_postgresql
def test_an_importer_killed_midway_is_marked_failed_by_the_next_import_which_completes(evidence_file):
    process = importer(evidence_file)
    try:
        run = chunks_landed(process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        process.kill()
    run.refresh_from_db()

    assert process.returncode == -signal.SIGKILL
    assert run.status == SyncRun.Status.RUNNING and run.finished_at is None  # nobody could say otherwise
    assert 3 * CHUNK <= run.received < ROWS and run.received % CHUNK == 0  # whole chunks only
    assert SkillEvidence.objects.count() == run.created == run.received  # the killed chunk left nothing

    abandoned_imports_task()  # still beating recently: the sweep leaves it alone
    run.refresh_from_db()
    assert run.status == SyncRun.Status.RUNNING

    # Half an hour later it has given no sign of life; the same file is imported again.
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - ABANDONED_AFTER - timedelta(minutes=1))
    rerun = importer(evidence_file)
    _, stderr = rerun.communicate(timeout=600)
    run.refresh_from_db()

    assert rerun.returncode == 0, stderr.decode()
    assert run.status == SyncRun.Status.FAILED and run.finished_at is not None
    assert run.error.startswith("The import stopped without finishing: its process stopped"), run.error
    assert "nothing of its unfinished chunk was applied" in run.error
    again = SyncRun.objects.exclude(pk=run.pk).get()
    assert again.status == SyncRun.Status.SUCCEEDED, again.error
    assert (again.received, again.unchanged, again.created) == (ROWS, run.created, ROWS - run.created)
    assert SkillEvidence.objects.count() == ROWS
