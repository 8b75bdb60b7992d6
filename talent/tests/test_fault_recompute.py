"""A recompute worker killed with SIGKILL in the middle of writing (PostgreSQL, as in CI).

``manage.py recompute`` runs in a real child process against the test database. The test watches
the run's own progress row and kills the process once it has written some chunks and not all:
no hook in the production code. Then what the portals read (each employee's pointer to their
last complete generation, its gaps, paths and matches, the live learning picks) is what it was
before; the killed run's rows are in the tables but nobody points at them. The next run, once
the killed one has been silent for ``ABANDONED_AFTER``, marks it failed, completes and clears its rows.
"""

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
from profiles.models import Employee, SkillEvidence
from recommendations import analysis
from recommendations.models import (
    AnalysisRun,
    CareerPath,
    EmployeeAnalysis,
    EngineSettings,
    Opportunity,
    OpportunityMatch,
    Recommendation,
    RunSummary,
    SkillGap,
)
from taxonomy.tests.factories import MobilityPathFactory, RequirementFactory, RoleFactory, SkillFactory

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 800
CHUNK = 10  # 80 chunks: the kill lands between the first few and the last
on_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="a second process needs a database it can share (PostgreSQL, as in CI)",
)


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def recompute_process(chunk_size: int = CHUNK) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "1"}
    return subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "recompute", "--chunk-size", str(chunk_size), "-v0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
def organisation(transactional_db):
    """PEOPLE employees in one role that asks for three skills, with evidence, a goal role above it
    and an open opportunity; results released without review."""
    skills = [SkillFactory(name=name) for name in ("SQL", "Python", "Negotiation")]
    role = RoleFactory(title="Analyst")
    lead = RoleFactory(title="Lead Analyst", family=role.family, grade=role.grade + 1)
    for skill, level in zip(skills, (3, 3, 2), strict=True):
        RequirementFactory(role=role, skill=skill, target_level=level, importance=4, core=True)
        RequirementFactory(role=lead, skill=skill, target_level=level + 1, importance=5, core=True)
    MobilityPathFactory(from_role=role, to_role=lead)
    Opportunity.objects.create(title="Lead Analyst, Risk", kind="role", role=lead)
    Employee.objects.bulk_create(
        Employee(external_id=f"K{n:05d}", first_name="Person", last_name=str(n), email=f"k{n}@example.com", role=role)
        for n in range(PEOPLE)
    )
    observed = timezone.now() - timedelta(days=20)
    SkillEvidence.objects.bulk_create(
        SkillEvidence(
            employee=employee, skill=skill, level=1 + (employee.pk + i) % 3, source="manager", observed_at=observed
        )
        for employee in Employee.objects.all()
        for i, skill in enumerate(skills[:2])
    )
    EngineSettings.objects.update_or_create(pk=1, defaults={"pilot_mode": False, "review_threshold": 0.0})


def what_the_portals_read() -> dict:
    """Each employee's released generation and the rows of it the pages show."""
    pointers = dict(EmployeeAnalysis.objects.values_list("employee_id", "visible_run_id"))
    visible = set(pointers.values())
    return {
        "pointers": pointers,
        "gaps": sorted(SkillGap.objects.filter(run__in=visible).values_list("employee_id", "skill_id", "rank")),
        "paths": sorted(CareerPath.objects.filter(run__in=visible).values_list("employee_id", "role_id", "readiness")),
        "matches": sorted(
            OpportunityMatch.objects.filter(run__in=visible).values_list("employee_id", "opportunity_id", "score")
        ),
        "picks": sorted(
            Recommendation.objects.filter(shown=True, status__in=Recommendation.LIVE).values_list(
                "employee_id", "resource_id", "status"
            )
        ),
    }


def wait_for_chunks_written(first: AnalysisRun, process: subprocess.Popen, *, at_least: int) -> AnalysisRun:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        run = AnalysisRun.objects.exclude(pk=first.pk).first()
        if run is not None and run.chunks_done >= at_least:
            return run
        assert process.poll() is None, process.stdout.read().decode()
        time.sleep(0.02)
    raise AssertionError("the recompute wrote no chunks within 5 minutes")


@on_postgresql
def test_a_recompute_killed_while_writing_leaves_the_last_complete_generation_visible(organisation):
    first, _ = analysis.recompute(trigger="before the kill")
    before = what_the_portals_read()
    assert len(before["pointers"]) == PEOPLE and set(before["pointers"].values()) == {first.pk}
    assert before["gaps"] and before["paths"] and before["matches"]

    process = recompute_process()
    killed = wait_for_chunks_written(first, process, at_least=3)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    killed.refresh_from_db()

    assert process.returncode == -signal.SIGKILL
    assert killed.status == AnalysisRun.Status.RUNNING and 3 <= killed.chunks_done < killed.chunks_total
    assert SkillGap.objects.filter(run=killed).exists()  # it had written part of a generation ...
    assert what_the_portals_read() == before  # ... which nobody sees: the previous one is shown
    assert not EmployeeAnalysis.objects.filter(run=killed).exists()
    assert not EmployeeAnalysis.objects.filter(visible_run=killed).exists()

    # Half an hour later the killed run has given no sign of life; the next run completes.
    AnalysisRun.objects.filter(pk=killed.pk).update(
        heartbeat_at=timezone.now() - ABANDONED_AFTER - timedelta(minutes=1)
    )
    rerun = recompute_process(chunk_size=PEOPLE)
    output = rerun.communicate(timeout=600)[0].decode()

    assert rerun.returncode == 0, output
    killed.refresh_from_db()
    latest = AnalysisRun.objects.exclude(pk__in=[first.pk, killed.pk]).get()
    assert latest.status == AnalysisRun.Status.SUCCEEDED and latest.chunks_done == latest.chunks_total
    assert killed.status == AnalysisRun.Status.FAILED and "Abandoned" in killed.error
    after = what_the_portals_read()
    assert set(after["pointers"].values()) == {latest.pk} and len(after["pointers"]) == PEOPLE
    assert after["gaps"] == before["gaps"]  # nothing changed in between: the same results, complete
    for model in (SkillGap, CareerPath, OpportunityMatch, RunSummary):  # the killed run's rows are gone
        assert not model.objects.filter(run_id__in=[killed.pk, first.pk]).exists(), model.__name__
    assert not Recommendation.objects.filter(status=Recommendation.Status.PROPOSED).exists()
