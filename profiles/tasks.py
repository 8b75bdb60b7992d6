"""django-q2 entry points. Each is a thin wrapper: the work lives in a service or a command.

Scheduled by ``manage.py setup_schedules``; each is safe to run twice (the scan reconciles
flags with the data, the sync skips files it has already moved aside, the sweep of dead imports
only touches runs still "running").
"""

from django.core.management import call_command

from .quality import quality_scan


def quality_scan_task() -> dict[str, dict[str, int]]:
    return quality_scan()


def drop_folder_sync_task() -> None:
    call_command("sync_drop_folder")


def abandoned_imports_task() -> int:
    """Every 15 minutes: file imports whose process died are marked failed (``abandoned_imports_fail``)."""
    from django.utils import timezone

    from .importing.service import abandoned_imports_fail

    return abandoned_imports_fail(now=timezone.now())


def free_text_retention_task() -> dict[str, int]:
    """Daily; does nothing unless FREE_TEXT_RETENTION_DAYS is set (profiles.privacy.RETENTION)."""
    from django.conf import settings

    from .privacy import free_text_retention

    return free_text_retention(days=settings.FREE_TEXT_RETENTION_DAYS)
