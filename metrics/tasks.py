"""django-q2 entry points: the weekly outcome snapshot and bias audit; the daily capability snapshot."""

from django.utils import timezone

from .capability_services import capability_take
from .services import snapshot_take


def snapshot_task() -> int:
    """Returns the new bias-audit run's id (django-q2 keeps it as the task's result)."""
    return snapshot_take(as_of=timezone.localdate()).audit.pk


def capability_task() -> int:
    """Returns the new capability snapshot's id."""
    return capability_take().pk
