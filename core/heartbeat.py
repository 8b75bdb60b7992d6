"""Long runs whose process may die without a word, and the sweep that says so.

A recompute (``recommendations.AnalysisRun``) or a file import (``profiles.SyncRun``) writes its
row as "running" when it starts and moves ``heartbeat_at`` at its start, after each chunk and at
its finish. A process killed (SIGKILL, out of memory, a lost machine) leaves its row "running"
for ever; ``silent_runs_fail`` marks those silent for ``ABANDONED_AFTER`` as failed with the
reason the caller gives. Each kind of run sweeps its own table at the start of every new run, and
on a schedule.

A run that was only slow (a chunk longer than ``ABANDONED_AFTER``) and finishes after the sweep
writes its own outcome over the sweep's: its finish is the truth.
"""

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

# Far above a chunk's time (seconds to a few minutes at 100,000 employees or 50,000 rows) and
# above django-q2's task timeout (Q_CLUSTER "timeout", 600 s).
ABANDONED_AFTER = timedelta(minutes=30)


def silent_runs_fail(runs: QuerySet, *, now: datetime, running: str, failed: str, reason: str) -> int:
    """Mark the rows of ``runs`` still in status ``running`` that gave no sign of life for
    ``ABANDONED_AFTER`` (no heartbeat since, or none at all and started before) as ``failed``, with
    ``reason`` as their error. Returns how many."""
    since = now - ABANDONED_AFTER
    silent = Q(heartbeat_at__lt=since) | Q(heartbeat_at__isnull=True, started_at__lt=since)
    return runs.filter(silent, status=running).update(status=failed, finished_at=now, error=reason)


def silence_text() -> str:
    """``ABANDONED_AFTER`` in words, for the reasons the sweeps write: "30 minutes"."""
    minutes = int(ABANDONED_AFTER.total_seconds() // 60)
    return f"{minutes} minutes" if minutes % 60 else f"{minutes // 60} hour{'s' if minutes > 60 else ''}"
