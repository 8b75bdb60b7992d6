"""setup_schedules: the django-q2 schedules exist once, whatever how often the command runs."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import Schedule

from talent.management.commands.setup_schedules import SCHEDULES

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("setup_schedules", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return sorted(Schedule.objects.values_list("pk", "name", "func", "schedule_type", "cron", "minutes", "next_run"))


def test_it_creates_the_nightly_scan_and_the_drop_folder_sync():
    run()
    scan = Schedule.objects.get(name="Nightly data-quality scan")
    assert scan.func == "profiles.tasks.quality_scan_task"
    assert scan.schedule_type == Schedule.CRON and scan.cron == "0 2 * * *"
    assert scan.next_run > timezone.now()
    assert timezone.localtime(scan.next_run).hour == 2
    sync = Schedule.objects.get(name="Drop-folder sync")
    assert sync.func == "profiles.tasks.drop_folder_sync_task"
    assert sync.schedule_type == Schedule.MINUTES and sync.minutes == 15


def test_running_it_twice_leaves_the_same_schedules():
    run()
    first = snapshot()
    output = run()
    assert snapshot() == first
    assert len(first) == len(SCHEDULES)
    assert output.count("unchanged") == len(SCHEDULES)


def test_it_puts_back_what_someone_changed_and_drops_a_copy():
    run()
    Schedule.objects.filter(name="Drop-folder sync").update(minutes=1)
    Schedule.objects.create(name="Nightly data-quality scan", func="profiles.tasks.quality_scan_task")
    output = run()
    assert "Drop-folder sync (profiles.tasks.drop_folder_sync_task, every 15 min): updated" in output
    assert Schedule.objects.get(name="Drop-folder sync").minutes == 15
    assert Schedule.objects.filter(name="Nightly data-quality scan").count() == 1


def test_dry_run_changes_nothing():
    output = run("--dry-run")
    assert "would be created" in output
    assert not Schedule.objects.exists()


@pytest.mark.parametrize("spec", SCHEDULES, ids=lambda spec: spec.name)
def test_every_scheduled_function_exists(spec):
    assert callable(import_string(spec.func))
