"""Benchmark the outcome snapshot and bias audit at organisation scale (a command, not a timed test).

    python manage.py bench_metrics --employees 100000 [--json FILE]

1. Makes sure the database holds an organisation of that size (``seed_demo`` when it has fewer
   active employees).
2. Takes a snapshot as of today (``snapshot_take``, which also runs the audit) and times its
   steps: read (into pandas), metrics, audit, write; peak resident memory of this process.
3. In the same run, the raw floor: the same queries (``metrics.services.queries``) read with the
   fastest path and nothing else (PostgreSQL ``COPY ... TO STDOUT`` into bytes, SQLite
   ``fetchall``). Reports the snapshot's time as a multiple of that floor.
"""

import resource
import time

import pandas as pd
from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from core.bench import Figure, figures_write, organisation_ensure, raw_read_seconds
from metrics.services import queries, snapshot_take
from profiles.models import Employee


class Command(BaseCommand):
    help = "Benchmark the outcome snapshot and bias audit against the raw read floor."

    def add_arguments(self, parser):
        parser.add_argument("--employees", type=int, default=100_000)
        parser.add_argument("--json", dest="json_path", help="Also write the figures to this file as JSON.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, employees, json_path, seed, **options):
        organisation_ensure(employees, seed=seed, say=self.stderr.write)
        today = timezone.localdate()
        marks = []
        started = time.perf_counter()
        taken = snapshot_take(as_of=today, progress=lambda step: marks.append((step, time.perf_counter())))
        total = time.perf_counter() - started
        marks.append(("end", started + total))
        steps = {name: round(marks[i + 1][1] - at, 2) for i, (name, at) in enumerate(marks[:-1])}
        floor, rows = self.raw_floor(today)
        figures = {
            "database": connection.vendor,
            "employees": Employee.objects.active().count(),
            "snapshot_seconds": round(total, 2),
            "steps_seconds": steps,
            "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "rows_read": rows,
            "raw_floor_seconds": round(floor, 2),
            "ratio_to_floor": round(total / floor, 2) if floor else None,
            "audit_people": taken.audit.employees,
            "audit_flagged": taken.audit.flagged,
            "measured_at": timezone.now().isoformat(timespec="seconds"),
        }
        self.stdout.write(
            f"Outcome snapshot on {figures['database']}, {figures['employees']:,} active employees: "
            f"{total:.1f} s ({', '.join(f'{k} {v} s' for k, v in steps.items())}), peak {figures['peak_memory_mb']} MB; "
            f"raw read floor of the same {rows:,} rows {floor:.1f} s: {figures['ratio_to_floor']}x. "
            f"Audit: {taken.audit.employees:,} people, {taken.audit.flagged} finding(s) flagged."
        )
        if json_path:
            size = {"employees": figures["employees"]}
            figures_write(
                json_path,
                [
                    Figure(
                        "outcome_snapshot",
                        figures["snapshot_seconds"],
                        "s",
                        floor=figures["raw_floor_seconds"],
                        size=size,
                    ),
                    *(Figure(f"outcome_snapshot_{step}", seconds, "s", size=size) for step, seconds in steps.items()),
                    Figure("outcome_snapshot_peak_memory", figures["peak_memory_mb"], "MB", size=size),
                ],
                command="bench_metrics",
            )

    @staticmethod
    def raw_floor(today) -> tuple[float, int]:
        end = pd.Timestamp(today, tz="UTC") + pd.Timedelta(days=1)
        return raw_read_seconds(queries(end=end).values())
