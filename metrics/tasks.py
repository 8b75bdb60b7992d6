"""django-q2 entry point: the weekly outcome snapshot and bias audit."""

from django.utils import timezone

from .services import snapshot_take


def snapshot_task() -> int:
    """Returns the new bias-audit run's id (django-q2 keeps it as the task's result)."""
    return snapshot_take(as_of=timezone.localdate()).audit.pk
