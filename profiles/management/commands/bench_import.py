# ruff: noqa: S608 -- the SQL names only the benchmark's own scratch table and the learning table.
"""Measure the learning-records import against the fastest raw load of the same rows.

    DEBUG=1 python manage.py bench_import --rows 1000000 [--chunk-size 50000] [--json bench.json] [--keep]

1. Makes sure there are at least 1,000 employees (bulk-creates 3,000 ``BENCH-nnnnn`` people if not).
2. Writes a CSV of ``--rows`` learning records for those employees to a temporary folder.
3. Runs each part in a fresh ``manage.py bench_import --part ...`` subprocess, one after the other
   on the same database, so each part's peak memory (``ru_maxrss``) is its own and not a
   leftover of the part before (tracemalloc would slow the import several times over):
   * ``raw``: the fastest way to get the rows into the database at all, with no checks. PostgreSQL:
     the file's bytes straight into ``COPY scratch FROM STDIN (FORMAT csv)``; SQLite: the csv
     module into ``executemany`` INSERTs. The scratch table has text columns and no index.
   * ``raw-indexed``: the same into a scratch table with the learning table's three indexes (on
     the equivalent text columns): the floor for any load into a table indexed like the real one.
   * ``import``: ``file_import(kind="learning")``, the real path (read, check, stage, merge,
     count, SyncRun), every record new.
   * ``reimport``: the same file again, every record unchanged.
4. Prints rows/s, the import/raw ratio, peak RSS and RSS above the child's own baseline (Python,
   Django, pandas loaded; nothing read yet), and writes them to ``--json`` if given.
   Run it with --rows 100000 and --rows 1000000: flat memory means the same peak for both.

The benchmark's learning records (``bench-*`` ids) are deleted afterwards unless ``--keep``.
"""

import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from core.bench import Figure, figures_write
from profiles.importing import CHUNK_ROWS, KINDS, file_import
from profiles.models import Employee, LearningRecord, SyncRun
from profiles.services import org_paths_rebuild

HEADER = [column.name for column in KINDS["learning"].columns]
PARTS = ["raw", "raw-indexed", "import", "reimport"]
SCRATCH = "bench_import_scratch"
STATUSES = ["completed", "passed", "in_progress", "failed"]


class Command(BaseCommand):
    help = "Benchmark the learning import against a raw bulk load of the same rows (rows/s and peak memory)."
    requires_system_checks = []  # each part starts a fresh process; the URL conf and the rest are not used

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--chunk-size", type=int, default=CHUNK_ROWS)
        parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark's learning records and CSV.")
        parser.add_argument("--part", choices=PARTS, help="(internal) run one part in this process and print JSON.")
        parser.add_argument("--file", type=Path, help="(internal) the CSV for --part.")

    def handle(self, *args, rows, chunk_size, json: Path | None, keep, part, file, verbosity, **options):
        if part:
            self.stdout.write(_dumps(_run_part(part, path=file, chunk_size=chunk_size)))
            return
        if rows < 1:
            raise CommandError("--rows must be at least 1.")
        database = f"{connection.vendor} ({settings.DATABASES['default']['NAME']})"
        employees = _employees_ensure(stdout=self.stdout)
        folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
        path = folder / "learning-bench.csv"
        started = time.perf_counter()
        _csv_write(path, rows=rows, employees=employees)
        self.stdout.write(
            f"Wrote {rows:,} rows ({path.stat().st_size / 2**20:,.0f} MiB) in {time.perf_counter() - started:.1f} s "
            f"to {path}; database {database}, chunk size {chunk_size:,}."
        )
        _bench_rows_delete()
        results = {}
        try:
            for name in PARTS:
                results[name] = self._child(name, path=path, chunk_size=chunk_size)
                self._print(name, results[name])
        finally:
            if not keep:
                _bench_rows_delete()
                path.unlink(missing_ok=True)
                folder.rmdir()
        summary = {
            "database": connection.vendor,
            "rows": rows,
            "chunk_size": chunk_size,
            "parts": results,
            "ratio_import_to_raw": results["import"]["rows_per_second"] / results["raw"]["rows_per_second"],
            "ratio_import_to_raw_indexed": results["import"]["rows_per_second"]
            / results["raw-indexed"]["rows_per_second"],
            "ratio_reimport_to_raw": results["reimport"]["rows_per_second"] / results["raw"]["rows_per_second"],
        }
        self.stdout.write(
            f"import / raw = {summary['ratio_import_to_raw']:.2f}; import / raw-indexed = "
            f"{summary['ratio_import_to_raw_indexed']:.2f}; reimport / raw = {summary['ratio_reimport_to_raw']:.2f}"
        )
        if json:
            figures_write(json, _figures(results, rows=rows, chunk_size=chunk_size), command="bench_import")
            self.stdout.write(f"Wrote {json}.")

    def _child(self, part: str, *, path: Path, chunk_size: int) -> dict:
        command = [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "bench_import",
            "--part",
            part,
            "--file",
            str(path),
            "--chunk-size",
            str(chunk_size),
        ]
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), check=False)  # noqa: S603
        if done.returncode != 0:
            raise CommandError(f"The {part} part failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def _print(self, name: str, result: dict) -> None:
        line = (
            f"{name:<12} {result['rows']:>10,} rows in {result['seconds']:7.1f} s = {result['rows_per_second']:>9,.0f} rows/s; "
            f"peak RSS {result['peak_rss_mib']:6.0f} MiB ({result['peak_rss_mib'] - result['baseline_rss_mib']:+.0f} MiB "
            "over the process at rest)"
        )
        if "counts" in result:
            line += f"\n{'':<13}{result['counts']}; time by step: {result['steps']}"
        self.stdout.write(line)


def _figures(results: dict, *, rows: int, chunk_size: int) -> list[Figure]:
    size = {"rows": rows, "chunk_size": chunk_size}
    rate = {name: round(part["rows_per_second"]) for name, part in results.items()}
    return [
        Figure("learning_import", rate["import"], "rows/s", floor=rate["raw-indexed"], size=size),
        Figure("learning_import_vs_bare_copy", rate["import"], "rows/s", floor=rate["raw"], size=size),
        Figure("learning_reimport_unchanged", rate["reimport"], "rows/s", floor=rate["raw"], size=size),
        *(
            Figure(
                f"{name.replace('-', '_')}_peak_rss_over_rest",
                round(part["peak_rss_mib"] - part["baseline_rss_mib"]),
                "MiB",
                size=size,
            )
            for name, part in results.items()
        ),
    ]


def _dumps(value, **kwargs) -> str:
    return json.dumps(value, **kwargs)


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _run_part(part: str, *, path: Path, chunk_size: int) -> dict:
    baseline = _rss_mib()
    started = time.perf_counter()
    extra = {}
    if part in ("import", "reimport"):
        run = file_import(path=path, kind="learning", name=f"bench {part}", chunk_rows=chunk_size)
        if run.status == SyncRun.Status.FAILED:
            raise CommandError(run.error)
        rows = run.received
        extra = {
            "counts": {
                "created": run.created,
                "updated": run.updated,
                "unchanged": run.unchanged,
                "rejected": run.rejected,
            },
            "steps": {step: round(seconds, 1) for step, seconds in run.totals.seconds.items()},
        }
        SyncRun.objects.filter(pk=run.pk).delete()
    else:
        rows = _raw_load(path, chunk_size=chunk_size, indexed=part == "raw-indexed")
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": rows / seconds,
        "peak_rss_mib": round(_rss_mib(), 1),
        "baseline_rss_mib": round(baseline, 1),
        **extra,
    }


def _raw_load(path: Path, *, chunk_size: int, indexed: bool) -> int:
    columns = ", ".join(f"{name} text" for name in HEADER)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        if indexed:
            key = "id bigserial PRIMARY KEY" if connection.vendor == "postgresql" else "id integer PRIMARY KEY"
            cursor.execute(f"CREATE TABLE {SCRATCH} ({key}, {columns})")
            # As LearningRecord's (profiles.0005): the key, (employee, completed_at), unique external id.
            cursor.execute(f"CREATE INDEX {SCRATCH}_0 ON {SCRATCH} (employee, completed_at)")
            cursor.execute(f"CREATE UNIQUE INDEX {SCRATCH}_unique ON {SCRATCH} (record_id)")
        else:
            cursor.execute(f"CREATE TABLE {SCRATCH} ({columns})")
        try:
            if connection.vendor == "postgresql":
                with transaction.atomic(), path.open("rb") as handle:
                    names = ", ".join(HEADER)
                    with cursor.cursor.copy(f"COPY {SCRATCH} ({names}) FROM STDIN (FORMAT csv, HEADER true)") as copy:
                        while block := handle.read(1 << 20):
                            copy.write(block)
                cursor.execute(f"SELECT count(*) FROM {SCRATCH}")
                return cursor.fetchone()[0]
            loaded = 0
            insert = f"INSERT INTO {SCRATCH} ({', '.join(HEADER)}) VALUES ({', '.join(['%s'] * len(HEADER))})"
            with path.open(newline="", encoding="utf-8") as handle:
                reader = csv.reader(handle)
                next(reader)
                while batch := [row for _, row in zip(range(chunk_size), reader, strict=False)]:
                    with transaction.atomic():
                        cursor.executemany(insert, batch)
                    loaded += len(batch)
            return loaded
        finally:
            cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")


def _employees_ensure(*, stdout) -> list[str]:
    if Employee.objects.count() < 1_000:
        Employee.objects.bulk_create(
            [
                Employee(
                    external_id=f"BENCH-{n:05d}",
                    first_name="Bench",
                    last_name=f"Person {n}",
                    email=f"bench{n}@example.com",
                )
                for n in range(1, 3_001)
            ],
            batch_size=1_000,
            ignore_conflicts=True,
        )
        org_paths_rebuild()
        stdout.write("Created 3,000 BENCH-nnnnn employees (the database had fewer than 1,000).")
    return list(Employee.objects.order_by("pk").values_list("external_id", flat=True)[:5_000])


def _csv_write(path: Path, *, rows: int, employees: list[str]) -> None:
    """Realistic learning rows: 2,000 courses, a few statuses, scores, durations, unique record ids."""
    chooser = random.Random(20261120)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            course = chooser.randrange(2_000)
            started = base + timedelta(minutes=chooser.randrange(400_000))
            completed = started + timedelta(minutes=chooser.randrange(30, 20_000))
            status = STATUSES[n % 4]
            writer.writerow(
                [
                    employees[chooser.randrange(len(employees))],
                    f"https://lms.example/courses/{course}",
                    f"Course {course}",
                    "Example LMS",
                    status,
                    started.isoformat().replace("+00:00", "Z"),
                    completed.isoformat().replace("+00:00", "Z") if status != "in_progress" else "",
                    f"{chooser.random():.2f}" if status in ("passed", "failed") else "",
                    chooser.randrange(5, 600),
                    f"bench-{n}",
                ]
            )


def _bench_rows_delete() -> None:
    table = LearningRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE external_id LIKE %s", ["bench-%"])
        if connection.vendor == "postgresql" and cursor.rowcount:
            # Dead rows and index entries would slow the next part's inserts; each part starts alike.
            cursor.execute(f"VACUUM ANALYZE {table}")
