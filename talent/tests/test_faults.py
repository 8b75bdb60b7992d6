"""Faults: the same delivery arriving twice at the same moment, and a worker that was down.

The concurrent deliveries go through a real threaded server (pytest-django's live server) with
real transactions, so on PostgreSQL (CI) the requests race in separate connections as they would
behind gunicorn. They are skipped on SQLite: its in-memory test database refuses concurrent
writers outright ("table is locked"), which says nothing about the production file in WAL mode.
"""

import base64
import json
import os
import threading
import uuid

import pytest
import requests

from profiles.credentials import credential_issue
from profiles.models import LearningRecord, XapiStatement

live = pytest.mark.django_db(transaction=True)
on_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="concurrency is tested on PostgreSQL (CI)"
)


def at_once(send, times=2):
    """Call ``send()`` from ``times`` threads released together; their responses."""
    barrier = threading.Barrier(times)
    responses = [None] * times

    def run(index):
        barrier.wait()
        responses[index] = send()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


@on_postgresql
@live
def test_the_same_xapi_statement_twice_at_once_is_stored_once(live_server, org):
    credential, secret = credential_issue(kind="xapi", name="LMS")
    auth = base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
    statement_id = str(uuid.uuid4())
    body = json.dumps(
        {
            "id": statement_id,
            "actor": {"mbox": "mailto:employee@example.com"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": "https://lms.example/courses/sql-101"},
            "result": {"completion": True, "score": {"scaled": 0.9}},
            "timestamp": "2026-11-20T10:00:00Z",
        }
    )
    headers = {
        "Authorization": f"Basic {auth}",
        "Content-Type": "application/json",
        "X-Experience-API-Version": "1.0.3",
    }
    url = f"{live_server.url}/xapi/statements?statementId={statement_id}"
    # The server's first request imports every app's URLs (and so the analytics libraries): seconds
    # on a busy machine, which is not the race under test.
    requests.get(f"{live_server.url}/xapi/about", timeout=300)

    responses = at_once(lambda: requests.put(url, data=body, headers=headers, timeout=120), times=4)

    assert all(response.status_code == 204 for response in responses), [(r.status_code, r.text) for r in responses]
    assert XapiStatement.objects.count() == 1
    assert LearningRecord.objects.filter(employee=org.employee).count() == 1


@pytest.mark.django_db
def test_a_worker_down_for_a_day_runs_each_schedule_once_when_it_comes_back(monkeypatch):
    """catch_up is off (talent/settings.py Q_CLUSTER): a day of missed slots (96 of the 15-minute
    drop-folder sync, one of each nightly job) is one run of each, and the next slots lie ahead."""
    from django.core.management import call_command
    from django.utils import timezone
    from django_q import scheduler as q_scheduler
    from django_q.models import Schedule

    call_command("setup_schedules", verbosity=0)
    day_ago = timezone.now() - timezone.timedelta(days=1)
    Schedule.objects.update(next_run=day_ago)
    queued = []
    monkeypatch.setattr(
        q_scheduler, "async_task", lambda func, *args, **kwargs: queued.append(func) or uuid.uuid4().hex
    )

    q_scheduler.scheduler()

    assert sorted(queued) == sorted(Schedule.objects.values_list("func", flat=True))  # each once
    assert all(run > timezone.now() for run in Schedule.objects.values_list("next_run", flat=True))
    q_scheduler.scheduler()  # the worker's next tick: nothing is due any more
    assert len(queued) == Schedule.objects.count()
