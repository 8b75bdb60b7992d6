"""Only this project's task functions run in the task worker.

django-q2 calls whatever dotted path a schedule or a queued task names, ``os.system`` included,
with whatever arguments it carries. So every task must name one of the functions below, matched
exactly: a module prefix would not do, since ``profiles.tasks.os.system`` resolves through that
module's own imports.

The list is checked three times:

* in the admin's schedule form, so whoever types another function is told at once (``talent.admin``);
* when a task is queued (``pre_enqueue``, also for every run of a schedule): a task naming another
  function is swapped for a refusal, which the worker records as a failed task with the reason;
* just before the worker calls a function (``pre_execute``): the last stop for a task that reached
  the queue without being queued here (it would have to be signed with the SECRET_KEY).
"""

from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django_q.brokers import get_broker
from django_q.signals import pre_enqueue, pre_execute
from django_q.utils import get_func_repr

# Tasks the code queues with ``async_task``; the schedules' functions come from setup_schedules.
QUEUED_TASKS = frozenset(
    {
        "recommendations.tasks.recompute_employees",  # recommendations.tasks.queue_recompute
        "recommendations.tasks.recompute_chunk",  # recompute --distribute
        "recommendations.tasks.succession_propose",  # the HR succession page
        "profiles.importing.tasks.uploaded_file_import",  # large uploads on the HR data pages
        "feedback.tasks.text_tag",  # feedback.mentions.text_record
        "feedback.tasks.texts_tag",  # feedback.mentions.review_comments_record
        "feedback.tasks.review_replan",  # feedback.replan.plan_apply, when a deep review closes
    }
)


def allowed_tasks() -> frozenset[str]:
    """Every function a task may name: the scheduled ones and those the code queues."""
    from .management.commands.setup_schedules import SCHEDULES

    return QUEUED_TASKS | {spec.func for spec in SCHEDULES}


def is_allowed(func) -> bool:
    """Whether ``func`` (a dotted path, or a function object) is one of this project's tasks."""
    name = func if isinstance(func, str) else get_func_repr(func)
    return name in allowed_tasks()


def refusal(name: str) -> str:
    """Why a task naming ``name`` did not run, as its failed task and the admin show it."""
    return f"Refused to run {name}: only this project's task functions may run (talent/task_allowlist.py lists them)."


class RefusedTask:
    """Stands in for a task that may not run: calling it fails with the reason.

    django-q2 records ``str(func)`` as a task's function, so the failed task still shows what was
    asked for (``os.system``), next to the arguments it came with.
    """

    def __init__(self, name: str, reason: str):
        self.name = name
        self.reason = reason

    def __call__(self, *args, **kwargs):
        raise PermissionDenied(self.reason)

    def __str__(self):
        return self.name


@receiver(pre_enqueue, dispatch_uid="talent.task_allowlist.refuse")
def refuse_unknown_tasks(sender, task, **kwargs):
    """Swap a task that may not run for its refusal, before it is signed and queued.

    A result hook is a function too (called with the finished task) and this project uses none,
    so a task asking for one is refused as well. A refusal is final: no retries.
    """
    func, hook = task["func"], task.get("hook")
    if isinstance(func, RefusedTask):
        return
    name = get_func_repr(func)
    if not is_allowed(func):
        reason = refusal(name)
    elif hook:
        reason = f"Refused to run {name}: it asks for the result hook {hook}, and this project's tasks use none."
    else:
        return
    task["func"] = RefusedTask(name, reason)
    task["hook"] = None
    task["ack_failure"] = True


@receiver(pre_execute, dispatch_uid="talent.task_allowlist.stop")
def stop_unknown_tasks(sender, func, task, **kwargs):
    """Raise before the worker calls a function that is not on the list.

    Only a task that skipped ``refuse_unknown_tasks`` gets here. The exception escapes the worker,
    so the function never runs; the worker process ends and the cluster starts a new one.
    """
    if not isinstance(task["func"], RefusedTask) and not is_allowed(task["func"]):
        if task.get("ack_id"):  # off the broker, or each retry would end another worker
            get_broker().acknowledge(task["ack_id"])
        raise PermissionDenied(refusal(get_func_repr(task["func"])))
