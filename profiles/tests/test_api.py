"""The REST API: the access table, token auth, idempotent writes, messages, schema and fuzzing."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from profiles.credentials import credential_issue, credential_revoke
from profiles.models import CareerAspiration, PerformanceReview, SkillEvidence, SyncRun
from profiles.signals import profile_changed
from talent.wsgi import application
from taxonomy.tests.factories import SkillFactory

pytestmark = pytest.mark.django_db

SUBMITTED = "2026-06-30T09:00:00Z"


def token_for(user):
    return credential_issue(kind="api", name=f"token of {user}", user=user)[1]


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
    return client


def user_of(org, who):
    return org.hr_user if who == "hr_user" else getattr(org, who).user


def review_body(employee, **changes):
    return {"employee": employee.pk, "period": "2026-H1", "score": "4.0", "submitted_at": SUBMITTED, **changes}


def aspiration_body(employee, **changes):
    return {"employee": employee.pk, "interests": "Lead a data team", "stated_at": SUBMITTED, **changes}


def evidence_body(employee, skill, source, **changes):
    return {
        "employee": employee.pk,
        "skill": skill.pk,
        "level": 3,
        "source": source,
        "observed_at": SUBMITTED,
        **changes,
    }


# Who may do what to `org.employee`. peer and outsider_manager may not see them: reads are 404,
# writes are 400 on the employee field (the same answer as for an id that does not exist).
# fmt: off
ACCESS_TABLE = {
    #                       employee manager director peer outsider_manager hr_user
    "read employee":        (200,    200,    200,     404, 404,             200),
    "submit review":        (403,    201,    201,     400, 400,             201),
    "state aspiration":     (201,    201,    201,     400, 400,             201),
    "add self evidence":    (201,    403,    403,     400, 400,             201),
    "add manager evidence": (403,    201,    201,     400, 400,             201),
}
# fmt: on
VIEWERS = ("employee", "manager", "director", "peer", "outsider_manager", "hr_user")


def act(action, client, org):
    subject = org.employee
    if action == "read employee":
        return client.get(f"/api/employees/{subject.pk}/")
    if action == "submit review":
        return client.post("/api/reviews/", review_body(subject), format="json")
    if action == "state aspiration":
        return client.post("/api/aspirations/", aspiration_body(subject), format="json")
    source = "self" if action == "add self evidence" else "manager"
    return client.post("/api/evidence/", evidence_body(subject, SkillFactory(), source), format="json")


@pytest.mark.parametrize(
    ("action", "viewer", "expected"),
    [
        (action, viewer, status)
        for action, row in ACCESS_TABLE.items()
        for viewer, status in zip(VIEWERS, row, strict=True)
    ],
)
def test_access_table(org, action, viewer, expected):
    response = act(action, client_for(user_of(org, viewer)), org)
    assert response.status_code == expected, response.content


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        ("employee", {"employee"}),
        ("manager", {"manager", "employee", "peer"}),
        ("director", {"director", "manager", "employee", "peer", "outsider_manager", "outsider"}),
        ("outsider_manager", {"outsider_manager", "outsider"}),
        ("hr_user", {"director", "manager", "employee", "peer", "outsider_manager", "outsider"}),
    ],
)
def test_the_employee_list_holds_only_people_the_caller_may_see(org, viewer, visible):
    response = client_for(user_of(org, viewer)).get("/api/employees/")
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {getattr(org, name).pk for name in visible}


def test_the_employee_list_filters_by_manager_and_business_unit(org):
    client = client_for(org.hr_user)
    ids = {row["id"] for row in client.get(f"/api/employees/?manager={org.manager.pk}").json()["results"]}
    assert ids == {org.employee.pk, org.peer.pk}
    rows = client.get(f"/api/employees/?business_unit={org.peer.business_unit_id}").json()["results"]
    assert [row["id"] for row in rows] == [org.peer.pk]


def test_lists_of_records_hold_only_people_the_caller_may_see(org):
    hr = client_for(org.hr_user)
    for person in (org.employee, org.outsider):
        assert hr.post("/api/reviews/", review_body(person), format="json").status_code == 201
    rows = client_for(org.manager.user).get("/api/reviews/").json()["results"]
    assert [row["employee"] for row in rows] == [org.employee.pk]


def test_reading_someone_unknown_is_404(org):
    assert client_for(org.hr_user).get("/api/employees/999999/").status_code == 404


def test_writing_for_someone_you_may_not_see_names_the_employee_field(org):
    response = client_for(org.peer.user).post("/api/reviews/", review_body(org.employee), format="json")
    assert response.status_code == 400
    assert response.json() == {"employee": [f"No employee with id {org.employee.pk} that you may see."]}


def test_an_employee_cannot_submit_their_own_review(org):
    response = client_for(org.employee.user).post("/api/reviews/", review_body(org.employee), format="json")
    assert response.status_code == 403
    assert "your own performance review" in response.json()["detail"]
    assert not PerformanceReview.objects.exists()


class TestTokens:
    def test_a_valid_token_authenticates_as_its_owner(self, org):
        response = client_for(org.employee.user).get("/api/employees/")
        assert [row["id"] for row in response.json()["results"]] == [org.employee.pk]

    def test_a_revoked_token_is_401(self, org):
        credential, token = credential_issue(kind="api", name="old", user=org.hr_user)
        credential_revoke(credential=credential)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = client.get("/api/employees/")
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")

    @pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer abc.def", "Bearer ", "Bearer"])
    def test_an_unknown_token_is_401(self, org, header):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        assert client.get("/api/employees/").status_code == 401

    def test_an_xapi_credential_is_not_an_api_token(self, org):
        credential, secret = credential_issue(kind="xapi", name="LMS", user=org.hr_user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {credential.key}.{secret}")
        assert client.get("/api/employees/").status_code == 401

    def test_no_credentials_is_401(self, org):
        response = APIClient().get("/api/employees/")
        assert response.status_code == 401


class TestWrites:
    def test_posting_the_same_review_twice_changes_nothing_the_second_time(self, org):
        client = client_for(org.manager.user)
        first = client.post("/api/reviews/", review_body(org.employee, commentary="Strong half"), format="json")
        assert first.status_code == 201
        assert first.json()["score"] == 4.0 and first.json()["reviewer"] == org.manager.pk
        second = client.post("/api/reviews/", review_body(org.employee, commentary="Strong half"), format="json")
        assert second.status_code == 200
        assert second.json() == first.json()
        assert PerformanceReview.objects.count() == 1
        runs = list(SyncRun.objects.order_by("pk").values_list("source", "kind", "created", "unchanged"))
        assert runs == [("api", "review", 1, 0), ("api", "review", 0, 1)]

    def test_a_changed_review_for_the_same_period_replaces_it(self, org):
        client = client_for(org.manager.user)
        client.post("/api/reviews/", review_body(org.employee), format="json")
        response = client.post("/api/reviews/", review_body(org.employee, score="3.5"), format="json")
        assert response.status_code == 200
        assert PerformanceReview.objects.get().score == 3.5
        assert SyncRun.objects.order_by("pk").last().updated == 1

    def test_a_review_records_the_delay_since_it_was_submitted(self, org):
        client_for(org.manager.user).post("/api/reviews/", review_body(org.employee), format="json")
        run = SyncRun.objects.get()
        assert run.max_delay_seconds == run.median_delay_seconds > 0
        assert run.name.startswith("token of") and run.triggered_by == org.manager.user

    def test_a_write_announces_the_changed_profile_once(self, org, django_capture_on_commit_callbacks):
        heard = []

        def receiver(sender, **kwargs):
            heard.append((kwargs["employee_ids"], kwargs["what"], kwargs["source"]))

        profile_changed.connect(receiver)
        try:
            client = client_for(org.employee.user)
            for _ in range(2):
                with django_capture_on_commit_callbacks(execute=True):
                    client.post("/api/aspirations/", aspiration_body(org.employee), format="json")
        finally:
            profile_changed.disconnect(receiver)
        assert heard == [([org.employee.pk], "aspiration", "api")]
        assert CareerAspiration.objects.count() == 1

    @pytest.mark.parametrize(
        ("body_changes", "field"),
        [
            ({"score": "7"}, "score"),
            ({"score": "abc"}, "score"),
            ({"period": ""}, "period"),
            ({"submitted_at": "yesterday"}, "submitted_at"),
            ({"goal_attainment": 3}, "goal_attainment"),
            ({"employee": "x"}, "employee"),
        ],
    )
    def test_a_validation_error_names_the_field(self, org, body_changes, field):
        body = {**review_body(org.employee), **body_changes}
        response = client_for(org.hr_user).post("/api/reviews/", body, format="json")
        assert response.status_code == 400
        assert list(response.json()) == [field]

    def test_an_aspiration_needs_a_target_role_or_interests(self, org):
        response = client_for(org.employee.user).post(
            "/api/aspirations/", aspiration_body(org.employee, interests=""), format="json"
        )
        assert response.status_code == 400
        assert response.json() == {"interests": ["An aspiration needs a target role, interests, or both."]}

    def test_evidence_is_append_only_and_idempotent(self, org):
        client = client_for(org.manager.user)
        skill = SkillFactory()
        body = evidence_body(org.employee, skill, "manager", external_id="hris-1")
        assert client.post("/api/evidence/", body, format="json").status_code == 201
        assert client.post("/api/evidence/", body, format="json").status_code == 200
        response = client.post("/api/evidence/", {**body, "level": 4}, format="json")
        assert response.status_code == 400 and list(response.json()) == ["external_id"]
        evidence = SkillEvidence.objects.get()
        assert (evidence.level, evidence.recorded_by) == (3, org.manager.user)

    def test_evidence_level_out_of_range_names_the_level(self, org):
        body = evidence_body(org.employee, SkillFactory(), "self", level=5)
        response = client_for(org.employee.user).post("/api/evidence/", body, format="json")
        assert response.status_code == 400 and list(response.json()) == ["level"]


class TestSchema:
    def test_the_schema_is_openapi_with_a_bearer_scheme(self, client):
        response = client.get("/api/schema/?format=json")
        assert response.status_code == 200
        schema = response.json()
        assert schema["openapi"].startswith("3.")
        assert schema["components"]["securitySchemes"]["apiToken"] == {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "<key>.<secret>",
        }
        assert {"/api/employees/", "/api/reviews/", "/api/aspirations/", "/api/evidence/"} <= set(schema["paths"])

    def test_the_schema_is_also_yaml(self, client):
        response = client.get("/api/schema/")
        assert response.status_code == 200
        assert response.content.startswith(b"openapi: 3.")

    def test_the_docs_page_uses_vendored_assets_only(self, client):
        page = client.get("/api/docs/").content.decode()
        assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
        assert "cdn" not in page.lower() and "<script>" not in page


# --- fuzzing: schemathesis over every operation, as HR with a token: never a 5xx, and every answer
# (status, content type, body) one the schema documents.

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_requests_keep_the_test_transaction():
    """Django closes "old" connections around each request, which would end the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_setup(org, wsgi_requests_keep_the_test_transaction):
    """HR's token, and real ids to put in generated bodies so writes get past "no such employee"."""
    ids = {"employee": org.employee.pk, "skill": SkillFactory().pk, "target_role": org.manager.role_id}
    return token_for(org.hr_user), ids


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_api_answer_is_one_the_schema_documents(case, fuzz_setup):
    token, ids = fuzz_setup
    if isinstance(case.body, dict):
        case.body.update({field: pk for field, pk in ids.items() if type(case.body.get(field)) is int})
    headers = {"Authorization": f"Bearer {token}"}
    response = case.call(headers=headers)
    case.validate_response(response, checks=CONFORMANCE, headers=headers)
