"""The hook later work subscribes to when an employee's inputs change.

Every route in (file import, SCIM, xAPI, REST, portal forms) sends ``profile_changed`` after its
transaction commits, with the ids of the employees whose profile changed and what changed.
The gap-analysis app connects a receiver that queues a recompute for those employees.

The signal is sent robustly (``on_commit(robust=True)``): by then the write has committed, so a
receiver that fails (a recompute that cannot be queued, or one run in the request when tasks are
synchronous) is logged, and the caller still answers with what was written, never "failed,
nothing was changed". The nightly full recompute picks up anyone a lost event missed.
"""

from django.db import transaction
from django.dispatch import Signal

# kwargs: employee_ids (list[int]), what (str: "evidence", "learning", "review", "aspiration",
# "role", "person"), source (str: a SyncRun.Source value or "portal").
profile_changed = Signal()


def profile_changed_on_commit(*, employee_ids, what: str, source: str) -> None:
    ids = sorted(set(employee_ids))
    if ids:
        transaction.on_commit(
            lambda: profile_changed.send(sender=None, employee_ids=ids, what=what, source=source), robust=True
        )
