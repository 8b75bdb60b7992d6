"""Files HR uploads on /hr/data/upload/: small ones are imported in the request, big ones queued.

The upload is streamed to a file under ``DROP_FOLDER/uploads/`` (never held in memory; Django
itself spools uploads over 2.5 MB to disk). When reading it means parsing at most
``IN_REQUEST_MAX_BYTES`` (a CSV file's size, an Excel workbook's unpacked size: a 300 KB
workbook may unpack to 100 MB) the import runs in the request and the page shows its result; a
bigger file gets a ``SyncRun`` in status "queued" at once and a django-q2 task does the import
(reading the file in a child process with a memory limit, see ``isolated``), so the request
returns in a second whatever the size; the run turns "running" when a task worker takes it, so
HR can tell a file still waiting for a worker (none running?) from one being imported. A workbook over the size limits is refused in the
request, unopened, and the page says why.
The uploads folder sits beside the drop folder so a task worker on another machine sharing that
folder finds the file; the drop-folder sync ignores subfolders.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from core.isolated import IN_PROCESS_MAX_BYTES
from core.readers import Limits, UnreadableFile, read_size

from ..models import SyncRun
from .service import file_import

IN_REQUEST_MAX_BYTES = IN_PROCESS_MAX_BYTES  # what the request may read is what is read without a child process


def uploads_folder() -> Path:
    return Path(settings.DROP_FOLDER) / "uploads"


def upload_import(*, upload: UploadedFile, kind: str, user) -> SyncRun:
    """Store ``upload`` and import it now or queue it; returns the run (finished, or queued)."""
    folder = uploads_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    with path.open("wb") as target:
        for block in upload.chunks():
            target.write(block)
    if _quick_to_read(path, name=upload.name):
        try:
            return file_import(path=path, kind=kind, name=upload.name, triggered_by=user)
        finally:
            path.unlink(missing_ok=True)
    run = SyncRun.objects.create(
        source=SyncRun.Source.FILE,
        kind=kind,
        name=upload.name[:300],
        triggered_by=user,
        status=SyncRun.Status.QUEUED,
    )
    transaction.on_commit(lambda: _queue(run_id=run.pk, path=path))
    return run


def _quick_to_read(path: Path, *, name: str) -> bool:
    """Whether the file is small enough to read in the request; a file the size check refuses
    counts as small, since ``file_import`` then refuses it at once and the page says why."""
    try:
        return read_size(path, name=name, limits=Limits.from_settings()) <= IN_REQUEST_MAX_BYTES
    except UnreadableFile:
        return True


def _queue(*, run_id: int, path: Path) -> None:
    from django_q.tasks import async_task

    async_task("profiles.importing.tasks.uploaded_file_import", run_id, str(path), task_name=f"import upload {run_id}")
