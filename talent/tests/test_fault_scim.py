"""Faults through SCIM on a live server with real transactions (PostgreSQL, as in CI).

* A PATCH recomputes the person once it commits. Tasks run synchronously under tests, so the
  recompute runs inside the request; when it fails (here as it failed in a test whose client
  gave up: the database emptied under the running request, so the run's row was gone at
  ``run_chunk``), the HR system must still be told what was written, not a 500 saying nothing was.
* Two PATCHes to one person at once: the row is locked for the request (``scim_user_get(...,
  for_update=True)``), so each applies its operations to what the other committed: a field only
  one of them touched is never lost, a field both touched ends as the later one wrote it
  (last writer wins per request). A client that sends ``If-Match`` with the version it read gets
  412 instead of overwriting a change it has not seen (RFC 7644 §3.14).
* The same creation sent twice at once: one 201, one 409, one person.
"""

import logging
import os

import pytest
import requests
from django.contrib.auth.models import User

from profiles.credentials import credential_issue
from profiles.models import Employee, SyncRun
from recommendations import analysis
from recommendations.models import AnalysisRun, EmployeeAnalysis
from talent.tests.test_faults import at_once

live = pytest.mark.django_db(transaction=True)
on_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="concurrency is tested on PostgreSQL (CI)"
)
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def scim(live_server):
    """A requests session with a SCIM token, and the SCIM base URL; the server already warm."""
    token = credential_issue(kind="scim", name="HR system")[1]
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"})
    base = f"{live_server.url}/scim/v2"
    # The first request imports every app's URLs: seconds on a busy machine, not what is tested.
    session.get(f"{base}/ServiceProviderConfig", timeout=300)
    return session, base


def replace(**values) -> dict:
    return {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": p, "value": v} for p, v in values.items()]}


@on_postgresql
@live
def test_a_scim_patch_recomputes_the_person_once_it_commits(scim, org):
    session, base = scim

    response = session.patch(f"{base}/Users/{org.employee.pk}", json=replace(**{"name.givenName": "Ada"}), timeout=300)

    assert response.status_code == 200, response.text
    run = AnalysisRun.objects.get()
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    assert EmployeeAnalysis.objects.get(employee=org.employee).run_id == run.pk


@on_postgresql
@live
def test_a_patch_whose_recompute_fails_still_answers_with_the_committed_change(scim, org, monkeypatch, caplog):
    session, base = scim
    write_chunk = analysis.write_chunk

    def run_deleted_meanwhile(*, run, results):
        written = write_chunk(run=run, results=results)
        AnalysisRun.objects.filter(pk=run.pk).delete()  # what the test teardown's flush did
        return written

    monkeypatch.setattr(analysis, "write_chunk", run_deleted_meanwhile)

    with caplog.at_level(logging.ERROR):
        response = session.patch(
            f"{base}/Users/{org.employee.pk}", json=replace(**{"name.givenName": "Ada"}), timeout=300
        )

    # Before: a SCIM 500 "nothing was changed" although the new name was committed, so the HR
    # system would retry (or alert) over a write that had worked.
    assert response.status_code == 200, response.text
    assert response.json()["name"]["givenName"] == "Ada"
    assert Employee.objects.get(pk=org.employee.pk).first_name == "Ada"
    assert SyncRun.objects.get(source=SyncRun.Source.SCIM).status != SyncRun.Status.FAILED
    assert "was deleted while its chunk" in caplog.text  # the recompute's failure is logged, with why


def _patch_at_once(session, url, bodies, headers=None):
    bodies = list(bodies)
    return at_once(
        lambda: requests.patch(url, json=bodies.pop(), headers={**session.headers, **(headers or {})}, timeout=300),
        times=len(bodies),
    )


@on_postgresql
@live
def test_two_patches_at_once_to_different_fields_both_land(scim, org):
    session, base = scim
    url = f"{base}/Users/{org.employee.pk}"

    responses = _patch_at_once(
        session, url, [replace(**{"name.givenName": "Ada"}), replace(**{"name.familyName": "Lovelace"})]
    )

    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
    employee = Employee.objects.get(pk=org.employee.pk)
    assert (employee.first_name, employee.last_name) == ("Ada", "Lovelace")  # neither update lost
    assert Employee.objects.count() == 6 and User.objects.count() == 7  # no duplicate rows
    assert SyncRun.objects.filter(source=SyncRun.Source.SCIM).count() == 2


@on_postgresql
@live
def test_two_patches_at_once_to_one_field_end_as_the_later_one_wrote_it(scim, org):
    session, base = scim
    url = f"{base}/Users/{org.employee.pk}"

    responses = _patch_at_once(
        session,
        url,
        [replace(**{"name.givenName": "Ada"}), replace(**{"name.givenName": "Grace"})],
    )

    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
    later = max(responses, key=lambda r: r.json()["meta"]["lastModified"])
    final = session.get(url, timeout=60)
    assert final.json()["name"]["givenName"] == later.json()["name"]["givenName"]
    assert final.headers["ETag"] == later.headers["ETag"]  # the later response is what is stored
    assert Employee.objects.count() == 6


@on_postgresql
@live
def test_two_patches_with_the_same_if_match_at_once_one_wins_the_other_is_refused(scim, org):
    session, base = scim
    url = f"{base}/Users/{org.employee.pk}"
    version = session.get(url, timeout=60).headers["ETag"]

    responses = _patch_at_once(
        session,
        url,
        [replace(**{"name.givenName": "Ada"}), replace(**{"name.givenName": "Grace"})],
        headers={"If-Match": version},
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 412], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200)
    refused = next(r for r in responses if r.status_code == 412)
    assert refused.json()["status"] == "412"
    assert Employee.objects.get(pk=org.employee.pk).first_name == winner.json()["name"]["givenName"]


@on_postgresql
@live
def test_the_same_creation_sent_twice_at_once_creates_one_person(scim, org):
    session, base = scim
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "new.hire@example.com",
        "externalId": "E-NEW-1",
        "name": {"givenName": "New", "familyName": "Hire"},
        "emails": [{"value": "new.hire@example.com", "primary": True}],
    }

    responses = at_once(lambda: requests.post(f"{base}/Users", json=body, headers=session.headers, timeout=300))

    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    assert Employee.objects.filter(external_id="E-NEW-1").count() == 1
    assert User.objects.filter(username="new.hire@example.com").count() == 1
