"""One shape for every benchmark's JSON, so runs can be compared over time.

Each bench command (``bench``, ``bench_web``, ``bench_import``, ``bench_metrics``) builds a list
of ``Figure``s and hands it to ``figures_write``; the file is a JSON list with one object per
figure::

    {"figure": "full_recompute", "value": 59.6, "unit": "s", "floor": 19.7, "ratio": 3.03,
     "size": {"employees": 100000}, "command": "bench",
     "machine": {"cpus": 2, "memory_mb": 7940, "platform": "Linux-6.1-x86_64", "python": "3.11.2"},
     "database": "PostgreSQL 15.8", "commit": "c369a94...", "measured_at": "2026-12-03T16:00:00+00:00"}

``floor`` is what the same work costs done the plainest way, measured in the same run (raw COPY
in and out, a bare view), in the figure's unit; ``ratio`` is value / floor (for a throughput,
value and floor are both rates: a higher ratio is better; for a time, lower is better). Either is
``null`` when the figure has no floor.
"""

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection


@dataclass
class Figure:
    figure: str
    value: float
    unit: str
    floor: float | None = None
    ratio: float | None = None
    size: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.ratio is None and self.floor:
            self.ratio = float(f"{self.value / self.floor:.3g}")  # three significant digits: 0.000356, 3.03


def organisation_ensure(size: int, *, seed: int, say) -> None:
    """Build the demo organisation of ``size`` employees with ``seed_demo`` unless the database
    already holds one. Everyone built counts, leavers too: ``seed_demo --employees N`` plants two
    leavers, and a bench run after it must not build the organisation again."""
    from django.apps import apps
    from django.core.management import call_command

    if apps.get_model("profiles", "Employee").objects.count() >= size:
        return
    say(f"Building a demo organisation of {size:,} employees (once) ...")
    call_command("seed_demo", employees=size, seed=seed, verbosity=1)


def raw_read_seconds(selects) -> tuple[float, int]:
    """The floor a bench compares against: the seconds and rows of reading ``selects``
    (``core.frames.Select``) raw, by COPY on PostgreSQL (no parsing, no frames) or a plain
    fetch elsewhere."""
    from core.frames import is_postgres

    rows = 0
    started = time.perf_counter()
    for query in selects:
        if is_postgres():
            connection.ensure_connection()
            with (
                connection.connection.cursor() as cursor,
                cursor.copy(f"COPY ({query.sql}) TO STDOUT", query.params) as copy,
            ):
                rows += sum(bytes(block).count(b"\n") for block in copy)
        else:
            with connection.cursor() as cursor:
                cursor.execute(query.sql, query.params)
                rows += len(cursor.fetchall())
    return time.perf_counter() - started, rows


def machine() -> dict:
    try:
        memory_mb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20)
    except (ValueError, OSError, AttributeError):  # not every platform answers
        memory_mb = None
    return {
        "cpus": os.cpu_count(),
        "memory_mb": memory_mb,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def database() -> str:
    """The server's name and version: ``PostgreSQL 15.8``, ``SQLite 3.40.1``."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
    return connection.vendor


def commit() -> str | None:
    """The code's commit (``git rev-parse HEAD``), with ``+changes`` when the tree differs from it."""
    where = Path(settings.BASE_DIR)
    git = shutil.which("git")
    if git is None:
        return None
    try:
        head = subprocess.run(  # noqa: S603 - git with fixed arguments
            [git, "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603
            [git, "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+changes" if dirty else head


def figures_rows(figures: list[Figure], *, command: str) -> list[dict]:
    """The figures with what they were measured on, one dict each."""
    context = {
        "command": command,
        "machine": machine(),
        "database": database(),
        "commit": commit(),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return [{**asdict(figure), **context} for figure in figures]


def figures_write(path, figures: list[Figure], *, command: str) -> list[dict]:
    """Write ``figures`` to ``path`` (folders made as needed) as a JSON list; returns the rows."""
    rows = figures_rows(figures, command=command)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=2) + "\n")
    return rows


def figures_table(rows: list[dict]) -> str:
    """The rows as a plain text table (``make bench`` prints it)."""
    lines = [f"{'command':<14}{'figure':<40}{'value':>12} {'unit':<7}{'floor':>10}{'ratio':>8}"]
    for row in rows:
        floor = "" if row["floor"] is None else f"{row['floor']:g}"
        ratio = "" if row["ratio"] is None else f"{row['ratio']:g}"
        lines.append(
            f"{row['command']:<14}{row['figure']:<40}{row['value']:>12g} {row['unit']:<7}{floor:>10}{ratio:>8}"
        )
    return "\n".join(lines)


def folder_table(folder) -> str:
    """The table of every figure in the JSON files of ``folder`` (what ``make bench`` wrote)."""
    rows = []
    for path in sorted(Path(folder).glob("*.json")):
        rows.extend(json.loads(path.read_text()))
    return figures_table(rows)
