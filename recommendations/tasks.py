"""django-q2 entry points: thin wrappers that take ids and call the analysis service."""

from django.db import transaction

from . import analysis

# Above this many employees, one full pass is cheaper than a scoped one.
FULL_RECOMPUTE_ABOVE = 5_000


def recompute_employees(employee_ids: list[int], trigger: str = "event") -> int:
    if len(employee_ids) > FULL_RECOMPUTE_ABOVE:
        run, _ = analysis.recompute(trigger=trigger)
    else:
        run, _ = analysis.recompute(employee_ids=sorted(set(employee_ids)), trigger=trigger)
    return run.pk


def recompute_all(trigger: str = "nightly") -> int:
    run, _ = analysis.recompute(trigger=trigger)
    succession_propose()  # benches follow the night's readiness
    return run.pk


def succession_propose() -> int:
    """Propose every critical role's bench (``recommendations.succession``); returns how many new names."""
    from .succession import succession_propose as propose

    return propose().created


def queue_succession_propose() -> None:
    from django_q.tasks import async_task

    transaction.on_commit(
        lambda: async_task("recommendations.tasks.succession_propose", task_name="succession: propose benches")
    )


def recompute_chunk(run_id: int, low: int, high: int, business_unit_id: int | None = None) -> bool:
    """One chunk of a distributed run; the worker that finishes the last chunk finishes the run."""
    from django.utils import timezone

    from .models import AnalysisRun

    run = AnalysisRun.objects.get(pk=run_id)
    scope = analysis.Scope(business_unit_id=business_unit_id)
    last = analysis.run_chunk(
        run=run,
        scope=scope,
        low=low,
        high=high,
        shared=analysis.read_shared(),
        now=run.started_at,
        timings=analysis.Timings(),
    )
    if last:
        analysis.run_finish(run=run, scope=scope, now=timezone.now())
        analysis.remove_unreferenced(scope=scope)
    return last


def queue_recompute(employee_ids, *, trigger: str) -> None:
    """Queue a recompute of these employees once the current transaction commits."""
    from django_q.tasks import async_task

    ids = sorted({int(pk) for pk in employee_ids})
    if ids:
        transaction.on_commit(
            lambda: async_task(
                "recommendations.tasks.recompute_employees", ids, trigger, task_name=f"recompute: {trigger}"
            )
        )


def delivery_digest_task() -> int:
    """The daily e-mail of new learning picks (``outcomes.delivery_digest``); returns e-mails sent."""
    from django.utils import timezone

    from .outcomes import delivery_digest

    return delivery_digest(now=timezone.now())
