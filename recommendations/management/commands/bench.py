"""Benchmark the recompute at organisation scale (a command, not a timed test).

    python manage.py bench --employees 100000 [--json FILE] [--samples 200]

1. Makes sure the database holds an organisation of that size (builds one with the demo
   generator when it has fewer active employees).
2. Full recompute from database to database, in a fresh process so its peak memory is its own:
   wall time, its parts (read, compute, write) and peak resident memory.
3. In the same run, on the same database, the raw I/O floor with no ORM and no engine: the same
   input rows read with the fastest path (PostgreSQL ``COPY ... TO``, SQLite ``fetchall``) into
   arrays, and the same number of result rows written with ``COPY ... FROM`` / ``executemany``
   into an unindexed scratch table. Reports the ratio of the full recompute to that floor.
4. The incremental one-employee recompute, p50 and p95 over ``--samples`` employees.
5. The nightly steady state: 1% of the people (``--changed-share``) get a new piece of evidence,
   then their recompute (the run every write path queues for the people it changed, through
   ``profile_changed``) until live, beside the floor of reading those people's inputs. The
   benchmark's evidence is removed afterwards and those people recomputed again.
"""

import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from core.bench import Figure, figures_write, organisation_ensure
from core.frames import id_ranges, is_postgres, read_frame, write_frame
from profiles.models import Employee, EvidenceSource, SkillEvidence
from recommendations import analysis
from recommendations.models import AnalysisRun, EmployeeAnalysis
from taxonomy.models import Skill

FLOOR_TABLE = "bench_floor_results"
STEADY_PREFIX = "bench-steady:"


class Command(BaseCommand):
    help = "Benchmark the full and incremental recompute against the raw I/O floor."

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=100_000)
        parser.add_argument("--samples", type=int, default=200, help="Employees for the incremental timing.")
        parser.add_argument("--json", dest="json_path", help="Also write the figures to this file as JSON.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--changed-share", type=float, default=0.01, help="Share of people with new evidence in the steady state."
        )

    def handle(self, *args, employees, samples, json_path, seed, changed_share, verbosity, **options):
        organisation_ensure(employees, seed=seed, say=self.stderr.write)
        full = self.full_recompute()
        floor = self.raw_floor(result_rows=full["gaps"] + full["paths"] + full["matches"])
        incremental = self.incremental(samples)
        steady = self.steady_state(changed_share)
        figures = {
            "database": connection.vendor,
            "employees": Employee.objects.active().count(),
            "full_recompute": full,
            "raw_floor": floor,
            "ratio_to_floor": round(full["until_live_seconds"] / floor["total_seconds"], 2),
            "incremental_one_employee_ms": incremental,
            "steady_state": steady,
            "measured_at": timezone.now().isoformat(timespec="seconds"),
        }
        self.report(figures)
        if json_path:
            figures_write(json_path, self.figures(figures), command="bench")

    @staticmethod
    def figures(measured) -> list[Figure]:
        full, floor, one = measured["full_recompute"], measured["raw_floor"], measured["incremental_one_employee_ms"]
        steady = measured["steady_state"]
        size = {"employees": measured["employees"]}
        return [
            Figure(
                "full_recompute_until_live", full["until_live_seconds"], "s", floor=floor["total_seconds"], size=size
            ),
            Figure("full_recompute_read", full["read_seconds"], "s", floor=floor["read_seconds"], size=size),
            Figure("full_recompute_compute", full["compute_seconds"], "s", size=size),
            Figure("full_recompute_write", full["write_seconds"], "s", floor=floor["write_seconds"], size=size),
            Figure("full_recompute_peak_memory", full["peak_memory_mb"], "MB", size=size),
            Figure("full_recompute_rows_written", full["gaps"] + full["paths"] + full["matches"], "rows", size=size),
            Figure("one_employee_p50", one.get("p50", 0), "ms", size=size | {"samples": one.get("samples", 0)}),
            Figure("one_employee_p95", one.get("p95", 0), "ms", size=size | {"samples": one.get("samples", 0)}),
            Figure(
                "steady_state_changed_until_live",
                steady["until_live_seconds"],
                "s",
                floor=steady["floor_read_seconds"],
                size=size | {"changed": steady["changed"]},
            ),
        ]

    def full_recompute(self) -> dict:
        """Run ``recompute`` in a child process and read its own peak memory."""
        started = time.perf_counter()
        child = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "recompute", "--verbosity", "0"],
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        run = AnalysisRun.objects.filter(status=AnalysisRun.Status.SUCCEEDED).latest("started_at")
        if child.stderr.strip():
            self.stderr.write(child.stderr.strip()[-2000:])
        return {
            "wall_seconds": round(wall, 2),
            "until_live_seconds": round((run.finished_at - run.started_at).total_seconds(), 2),
            "read_seconds": round(run.read_seconds or 0, 2),
            "compute_seconds": round(run.compute_seconds or 0, 2),
            "write_seconds": round(run.write_seconds or 0, 2),
            "peak_memory_mb": round(peak_mb),
            "employees": run.employees,
            "gaps": run.gaps,
            "paths": run.paths,
            "matches": run.matches,
        }

    def raw_floor(self, *, result_rows: int) -> dict:
        """The same input rows in, the same number of result rows out, nothing else."""
        now = timezone.now()
        scope = analysis.Scope()
        started = time.perf_counter()
        analysis.read_shared()
        input_rows = 0
        ids = read_frame("SELECT id FROM profiles_employee WHERE status = 'active'", columns=["id"])["id"].to_numpy()
        for low, high in id_ranges(ids, analysis.CHUNK_EMPLOYEES):
            employees, evidence = analysis.read_chunk(scope=scope, low=low, high=high, now=now)
            input_rows += len(employees) + len(evidence)
        read_seconds = time.perf_counter() - started

        rng = np.random.default_rng(0)
        frame = pd.DataFrame(
            {
                "run_id": 0,
                "employee_id": rng.integers(1, 100_000, result_rows),
                "skill_id": rng.integers(1, 300, result_rows),
                "a": rng.random(result_rows),
                "b": rng.random(result_rows),
                "c": rng.random(result_rows),
                "d": rng.random(result_rows),
                "rank": rng.integers(1, 20, result_rows),
            }
        )
        columns = list(frame.columns)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
            kind = "UNLOGGED TABLE" if is_postgres() else "TABLE"
            cursor.execute(
                f"CREATE {kind} {FLOOR_TABLE} (run_id bigint, employee_id bigint, skill_id bigint, a double precision, "
                "b double precision, c double precision, d double precision, rank smallint)"
            )
        started = time.perf_counter()
        with transaction.atomic():
            write_frame(FLOOR_TABLE, frame, columns)
        write_seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {FLOOR_TABLE}")
        return {
            "input_rows": int(input_rows),
            "result_rows": int(result_rows),
            "read_seconds": round(read_seconds, 2),
            "write_seconds": round(write_seconds, 2),
            "total_seconds": round(read_seconds + write_seconds, 2),
        }

    def incremental(self, samples: int) -> dict:
        ids = list(Employee.objects.active().order_by("pk").values_list("pk", flat=True))
        if not ids:
            return {}
        chosen = [ids[i] for i in np.linspace(0, len(ids) - 1, min(samples, len(ids))).astype(int)]
        timings = []
        for employee_id in chosen:
            started = time.perf_counter()
            analysis.recompute_employee(employee_id, trigger="bench")
            timings.append((time.perf_counter() - started) * 1000)
        return {
            "samples": len(timings),
            "p50": round(float(np.percentile(timings, 50)), 1),
            "p95": round(float(np.percentile(timings, 95)), 1),
            "max": round(max(timings), 1),
        }

    def steady_state(self, share: float) -> dict:
        """Step 5: new evidence for ``share`` of the people, then their recompute until live."""
        ids = np.array(Employee.objects.active().order_by("pk").values_list("pk", flat=True))
        changed = [int(pk) for pk in ids[:: max(1, round(1 / share))]] if len(ids) else []
        if not changed:
            return {"changed": 0, "until_live_seconds": 0.0, "floor_read_seconds": 0.0}
        top_skill = dict(
            EmployeeAnalysis.objects.filter(employee_id__in=changed, top_skill_id__isnull=False).values_list(
                "employee_id", "top_skill_id"
            )
        )
        any_skill = Skill.objects.order_by("pk").values_list("pk", flat=True).first()
        now = timezone.now()
        SkillEvidence.objects.bulk_create(
            [
                SkillEvidence(
                    employee_id=pk,
                    skill_id=top_skill.get(pk, any_skill),
                    level=3,
                    source=EvidenceSource.MANAGER,
                    observed_at=now,
                    confidence=0.8,
                    note="bench: steady state",
                    external_id=f"{STEADY_PREFIX}{pk}",
                )
                for pk in changed
            ],
            batch_size=5_000,
            ignore_conflicts=True,
        )
        started = time.perf_counter()
        analysis.read_chunk(scope=analysis.Scope(employee_ids=changed), low=None, high=None, now=now)
        floor_read = time.perf_counter() - started
        run, _ = analysis.recompute(employee_ids=changed, trigger="bench: steady state")
        until_live = (run.finished_at - run.started_at).total_seconds()
        SkillEvidence.objects.filter(external_id__startswith=STEADY_PREFIX).delete()
        analysis.recompute(employee_ids=changed, trigger="bench: steady state undone")
        return {
            "changed": len(changed),
            "until_live_seconds": round(until_live, 2),
            "floor_read_seconds": round(floor_read, 2),
        }

    def report(self, figures):
        full, floor, one = figures["full_recompute"], figures["raw_floor"], figures["incremental_one_employee_ms"]
        steady = figures["steady_state"]
        lines = [
            f"Recompute benchmark on {figures['database']}, {figures['employees']:,} active employees",
            "",
            f"{'full recompute, database to database':<44}{full['until_live_seconds']:>8.2f} s  (until the results are live)",
            f"{'  whole command incl. start-up and cleanup':<44}{full['wall_seconds']:>8.2f} s",
            f"{'  read / compute / write':<44}{full['read_seconds']:>8.2f} / {full['compute_seconds']:.2f} / {full['write_seconds']:.2f} s",
            f"{'  peak memory':<44}{full['peak_memory_mb']:>8} MB",
            f"{'  rows written (gaps + paths + matches)':<44}{full['gaps'] + full['paths'] + full['matches']:>12,}",
            f"{'raw I/O floor (same rows in and out)':<44}{floor['total_seconds']:>8.2f} s",
            f"{'  read {:,} rows / write {:,} rows'.format(floor['input_rows'], floor['result_rows']):<44}"
            f"{floor['read_seconds']:>8.2f} / {floor['write_seconds']:.2f} s",
            f"{'ratio full / floor':<44}{figures['ratio_to_floor']:>8.2f} x",
            f"{'one employee, p50 / p95 over ' + str(one.get('samples', 0)):<44}{one.get('p50', 0):>8.1f} / {one.get('p95', 0):.1f} ms",
            f"{'steady state: {:,} people changed, until live'.format(steady['changed']):<44}"
            f"{steady['until_live_seconds']:>8.2f} s  (floor: reading their inputs {steady['floor_read_seconds']:.2f} s)",
        ]
        self.stdout.write("\n".join(lines))
