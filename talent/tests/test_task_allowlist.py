"""The task queue runs only this project's task functions, and only superusers change it.

django-q2 calls whatever function a schedule or a queued task names: an HR schedule naming
``os.system`` ran a shell command as the worker's user. HR now only looks at the task queue in
the admin, a schedule must name one of the project's tasks, and the worker refuses anything else.
"""

import ast
from datetime import timedelta
from multiprocessing import Value
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import Failure, OrmQ, Schedule, Success, Task
from django_q.monitor import monitor
from django_q.queues import Queue
from django_q.scheduler import scheduler
from django_q.signing import SignedPackage
from django_q.tasks import async_task
from django_q.worker import worker

from profiles.access import HR_GROUP
from profiles.tests.factories import UserFactory
from talent.management.commands.setup_schedules import SCHEDULES
from talent.roles import hr_group_ensure
from talent.task_allowlist import allowed_tasks

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]
REFUSED = "Refused to run os.system: only this project's task functions may run"


def shell(marker: Path) -> str:
    """A command whose only effect is to leave ``marker`` behind, so a test sees whether it ran."""
    return f"touch {marker}"


def work_off_the_queue():
    """What a running cluster does, in this process: take each task off the broker (the pusher),
    run it (a worker) and record its result (the monitor)."""
    broker = get_broker()
    tasks, results = Queue(), Queue()
    while batch := broker.dequeue():
        for ack_id, package in batch:
            task = SignedPackage.loads(package)
            task["ack_id"] = ack_id
            tasks.put(task)
    tasks.put("STOP")
    worker(tasks, results, Value("f", -1))
    results.put("STOP")
    monitor(results, broker)


def task_queue_rows():
    """One row of each django-q2 table the admin shows."""
    schedule = Schedule.objects.create(name="Nightly data-quality scan", func="profiles.tasks.quality_scan_task")
    now = timezone.now()
    done = {"func": "profiles.tasks.quality_scan_task", "started": now, "stopped": now}
    success = Task.objects.create(id="a" * 32, name="scan ok", success=True, **done)
    failure = Task.objects.create(id="b" * 32, name="scan failed", success=False, **done)
    queued = OrmQ.objects.create(key="talent", payload="x", lock=now)
    return {Schedule: schedule, Success: success, Failure: failure, OrmQ: queued}


# --- Who may change the task queue ------------------------------------------------------------


def test_the_hr_group_may_only_look_at_the_task_queue_even_after_it_had_more():
    group = Group.objects.get(name=HR_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="django_q"))  # an older database
    hr_group_ensure()
    granted = set(group.permissions.filter(content_type__app_label="django_q").values_list("codename", flat=True))
    assert granted == {"view_schedule", "view_success", "view_failure"}
    assert group.permissions.filter(content_type__app_label="taxonomy", codename="change_skill").exists()


def test_hr_gets_403_on_every_add_and_change_page_of_the_task_queue(client, org):
    rows = task_queue_rows()
    client.force_login(org.hr_user)
    for model in [m for m in admin.site._registry if m._meta.app_label == "django_q"]:
        info = (model._meta.app_label, model._meta.model_name)
        add = reverse("admin:{}_{}_add".format(*info))
        change = reverse("admin:{}_{}_change".format(*info), args=[rows[model].pk])
        assert client.get(add).status_code == 403, add
        assert client.post(add, {"func": "os.system", "args": "'id'"}).status_code == 403, add
        assert client.post(change, {"func": "os.system", "args": "'id'"}).status_code == 403, change
    assert not Schedule.objects.filter(func="os.system").exists()


def test_hr_sees_schedules_and_task_results_read_only(client, org):
    rows = task_queue_rows()
    client.force_login(org.hr_user)
    for model in (Schedule, Success, Failure):
        info = (model._meta.app_label, model._meta.model_name)
        assert client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200
        page = client.get(reverse("admin:{}_{}_change".format(*info), args=[rows[model].pk]))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:django_q_ormq_changelist")).status_code == 403


def test_hr_may_not_resubmit_a_failed_task(client, org):
    failure = task_queue_rows()[Failure]
    client.force_login(org.hr_user)
    client.post(
        reverse("admin:django_q_failure_changelist"),
        {"action": "resubmit_task", "_selected_action": [failure.pk]},
    )
    assert Failure.objects.filter(pk=failure.pk).exists()  # resubmitting runs it again and deletes this row


# --- What a schedule may name -----------------------------------------------------------------


def schedule_form(**fields) -> dict:
    """The admin's add-schedule form filled in: a daily run of a task of this project, unless ``fields`` say otherwise."""
    now = timezone.localtime()
    return {
        "name": "By hand",
        "func": SCHEDULES[0].func,
        "hook": "",
        "args": "",
        "kwargs": "",
        "schedule_type": Schedule.DAILY,
        "minutes": "",
        "repeats": "-1",
        "next_run_0": now.date().isoformat(),
        "next_run_1": now.time().strftime("%H:%M:%S"),
        "cron": "",
        "cluster": "",
        "intended_date_kwarg": "",
        **fields,
    }


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root@example.com", is_staff=True, is_superuser=True))
    return client


def test_a_superuser_may_schedule_a_task_of_this_project(superuser_client):
    response = superuser_client.post(reverse("admin:django_q_schedule_add"), schedule_form())
    assert response.status_code == 302
    assert Schedule.objects.get(name="By hand").func == SCHEDULES[0].func


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"func": "os.system", "args": "'id'"}, "Refused to run os.system"),
        # A module prefix is not enough: pydoc reaches the module's own imports through it.
        ({"func": "profiles.tasks.call_command", "args": "'flush', '--noinput'"}, "Refused to run profiles.tasks"),
        ({"hook": "os.system"}, "use no result hook"),
    ],
)
def test_a_schedule_naming_anything_else_is_refused_with_the_reason(superuser_client, fields, message):
    form = schedule_form(**fields)
    response = superuser_client.post(reverse("admin:django_q_schedule_add"), form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Schedule.objects.filter(name="By hand").exists()


# --- What the worker runs ---------------------------------------------------------------------


def test_a_task_naming_os_system_does_not_run(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(PermissionDenied, match=REFUSED):
        async_task("os.system", shell(marker))  # sync under tests: the worker runs it at once
    assert not marker.exists()


def test_a_queued_task_naming_os_system_is_recorded_as_refused(tmp_path):
    marker = tmp_path / "ran"
    async_task("os.system", shell(marker), sync=False)  # onto the broker, as in production
    work_off_the_queue()
    assert not marker.exists()
    failure = Failure.objects.get()
    assert failure.func == "os.system"
    assert failure.args == (shell(marker),)
    assert failure.result.startswith(REFUSED)
    assert not OrmQ.objects.exists()  # a refusal is final: it is not tried again


@pytest.mark.django_db(transaction=True)  # the cluster closes connections between tasks
def test_a_schedule_naming_os_system_written_to_the_database_does_not_run(tmp_path, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)  # as in production: the scheduler queues, a worker runs
    marker = tmp_path / "ran"
    past = timezone.now() - timedelta(minutes=1)
    hourly = {"schedule_type": Schedule.HOURLY, "next_run": past}
    Schedule.objects.create(name="By hand", func="os.system", args=repr(shell(marker)), **hourly)
    Schedule.objects.create(name="Nightly data-quality scan", func="profiles.tasks.quality_scan_task", **hourly)

    scheduler(get_broker())
    work_off_the_queue()

    assert not marker.exists()
    refused = Failure.objects.get()
    assert (refused.func, refused.group) == ("os.system", "By hand")
    assert refused.result.startswith(REFUSED)
    assert Success.objects.get().func == "profiles.tasks.quality_scan_task"  # the project's own still run


def test_a_task_put_on_the_queue_some_other_way_never_runs(tmp_path):
    marker = tmp_path / "ran"
    forged = {"id": "c" * 32, "name": "forged", "func": "os.system", "args": (shell(marker),), "kwargs": {}}
    get_broker().enqueue(SignedPackage.dumps({**forged, "started": timezone.now()}))
    with pytest.raises(PermissionDenied, match=REFUSED):
        work_off_the_queue()  # in the cluster the exception ends that worker process
    assert not marker.exists()
    assert not OrmQ.objects.exists()  # not to come back on the next retry


def queued_in_code() -> set[str]:
    """The first argument of every ``async_task("...")`` call in the project's own code."""
    names = set()
    apps = [folder for folder in PROJECT.iterdir() if folder.is_dir() and not folder.name.startswith(".")]
    for path in (path for app in apps for path in app.rglob("*.py") if "tests" not in path.parts):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            called = getattr(node, "func", None)
            name = getattr(called, "id", None) or getattr(called, "attr", None)
            if isinstance(node, ast.Call) and name == "async_task" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value)
    return names


def test_every_task_the_code_queues_or_schedules_is_on_the_list():
    queued = queued_in_code()
    assert "recommendations.tasks.recompute_employees" in queued  # the scan finds them
    assert queued | {spec.func for spec in SCHEDULES} <= allowed_tasks()
