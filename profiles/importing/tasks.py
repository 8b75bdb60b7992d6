"""django-q2 task for uploads too big to import in the request (see ``uploads``).

``file_import`` reads such a file in a child process with a memory limit (``isolated``), so a
file that would need gigabytes fails its own run, not the worker.
"""

from pathlib import Path

from django.utils import timezone

from ..models import SyncRun
from .service import file_import


def uploaded_file_import(run_id: int, path: str) -> int:
    """Import the stored upload into its queued ``SyncRun``, then delete the file.

    The worker claims the run by moving it from "queued" to "running" (with its first heartbeat)
    in one update, so HR sees it start. django-q2 delivers at least once: a run that is neither
    queued nor running was done already (or its first worker died and the sweep marked it
    failed). A delivery again while it is still "running" (the worker died less than
    ``ABANDONED_AFTER`` ago) imports the file again into the same run: the rows already in count
    as unchanged.
    """
    SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED).update(
        status=SyncRun.Status.RUNNING, heartbeat_at=timezone.now()
    )
    run = SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.RUNNING).first()
    try:
        if run is not None:
            file_import(path=Path(path), kind=run.kind, run=run)
    finally:  # also when a run whose worker died was marked failed meanwhile: its file is not needed
        Path(path).unlink(missing_ok=True)
    return run_id
