"""Benchmark the company-wide capability heatmap and supply against demand (a command, not a
timed test).

    python manage.py bench_capability --employees 100000 [--json FILE]

1. Makes sure the database holds an organisation of that size (``seed_demo`` when it has fewer
   active employees; the demo plans its units' demand in people and runs the recompute).
2. Computes capability as of now from the recompute's results and the evidence history
   (``capability_compute``) and times its steps: read (the recompute's results, the plan, the
   stored outcome counts and the outcomes closed since, into pandas), evidence (read a chunk of
   employees ahead while the engine turns the previous chunk into levels three and six months
   ago and today), compute (cells, rates, projection); then the write of the snapshot, apart;
   peak resident memory of this process. Run ``capability_snapshot`` once before on a database
   built by an older version, so the outcomes are stored as the daily snapshot keeps them.
3. In the same run, the raw floor: the same statements (``capability_services.queries``, the
   evidence read and the role requirements) read with the fastest path and nothing else
   (PostgreSQL ``COPY ... TO STDOUT`` into bytes, SQLite ``fetchall``). Reports the compute's
   time as a multiple of that floor.
"""

import json
import resource
import time
from pathlib import Path

import pandas as pd
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from core.bench import organisation_ensure, raw_read_seconds
from core.frames import Select
from metrics.capability_services import capability_compute, capability_write, evidence_select, queries
from profiles.models import Employee, SkillDemand
from taxonomy.models import RoleRequirement


class Command(BaseCommand):
    help = "Benchmark the capability heatmap and supply/demand against the raw read floor."

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=100_000)
        parser.add_argument("--json", dest="json_path", help="Also write the figures to this file as JSON.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, employees, json_path, seed, **options):
        organisation_ensure(employees, seed=seed, say=self.stderr.write)
        now = pd.Timestamp(timezone.now())
        marks = []
        started = time.perf_counter()
        computed = capability_compute(now=now, progress=lambda step: marks.append((step, time.perf_counter())))
        total = time.perf_counter() - started
        marks.append(("end", started + total))
        steps = {name: round(marks[i + 1][1] - at, 2) for i, (name, at) in enumerate(marks[:-1])}
        written = time.perf_counter()
        capability_write(computed=computed)
        write_seconds = time.perf_counter() - written
        floor, rows = self.raw_floor(now)
        figures = {
            "database": connection.vendor,
            "employees": Employee.objects.active().count(),
            "compute_seconds": round(total, 2),
            "steps_seconds": steps,
            "write_seconds": round(write_seconds, 2),
            "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "rows_read": rows,
            "raw_floor_seconds": round(floor, 2),
            "ratio_to_floor": round(total / floor, 2) if floor else None,
            "cells": len(computed.cells),
            "planned_demands": len(computed.supply),
            "measured_at": timezone.now().isoformat(timespec="seconds"),
        }
        self.stdout.write(
            f"Capability on {figures['database']}, {figures['employees']:,} active employees: "
            f"{total:.1f} s ({', '.join(f'{k} {v} s' for k, v in steps.items())}), write {write_seconds:.1f} s, "
            f"peak {figures['peak_memory_mb']} MB; raw read floor of the same {rows:,} rows {floor:.1f} s: "
            f"{figures['ratio_to_floor']}x. {len(computed.cells):,} team cells, {len(computed.supply)} planned demands."
        )
        if json_path:
            Path(json_path).write_text(json.dumps(figures, indent=2))

    @staticmethod
    def raw_floor(now: pd.Timestamp) -> tuple[float, int]:
        skill_ids = set(RoleRequirement.objects.values_list("skill_id", flat=True))
        skill_ids |= set(SkillDemand.objects.filter(people_needed__isnull=False).values_list("skill_id", flat=True))
        statements = [
            *queries(now=now).values(),
            evidence_select(now=now, skill_ids=sorted(skill_ids)),
            Select(f"SELECT role_id, skill_id, target_level FROM {RoleRequirement._meta.db_table}", [], [], {}),  # noqa: S608
        ]
        return raw_read_seconds(statements)
