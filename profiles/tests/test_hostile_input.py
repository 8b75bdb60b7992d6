"""Hostile input from a client holding a valid credential: every answer is a 4xx with a JSON error.

Each integration (REST API, xAPI, SCIM) is sent what a hostile test sent them: bodies nested
200,000 deep, bodies over the upload limit, numbers no float holds, durations with hundreds of
digits, ids written in non-ASCII digits, paging past 64 bits. None of it may be a server error or
an HTML page. The REST API is also fuzzed against its own schema: every status and body it
answers must be one the schema documents.
"""

import base64
import json
import uuid

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from profiles.credentials import credential_issue
from profiles.models import Employee, LearningRecord, SkillEvidence, SyncRun, XapiStatement
from profiles.safe_json import MAX_DEPTH, InvalidJson, loads
from taxonomy.tests.factories import SkillFactory

pytestmark = pytest.mark.django_db

DEEP = 200_000  # brackets: far past Python's recursion limit
SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def deeply_nested(opening: str = "[", closing: str = "]") -> str:
    return opening * DEEP + closing * DEEP


def too_large_body() -> str:
    """Valid JSON just over the upload limit, so only its size is wrong."""
    return json.dumps({"padding": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].split(";")[0] in ("application/json", "application/scim+json")
    return response.json()


# --- the JSON every integration reads ------------------------------------------------------


def test_json_nested_to_the_limit_is_read_and_one_level_more_is_refused():
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(InvalidJson, match=f"more than {MAX_DEPTH} deep"):
        loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


@pytest.mark.parametrize("number", ["1e400", "-1e400", "9" * 400, "NaN", "Infinity"])
def test_a_number_no_float_holds_is_refused(number):
    with pytest.raises(InvalidJson):
        loads(f"[{number}]")


# --- REST API ------------------------------------------------------------------------------


@pytest.fixture
def api(org):
    """HR's API client (a real token from ``credential_issue``)."""
    token = credential_issue(kind="api", name="hostile tester", user=org.hr_user)[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def review_body(org, **changes) -> dict:
    body = {"employee": org.employee.pk, "period": "2026-H1", "score": "4.0", "submitted_at": "2026-06-30T09:00:00Z"}
    return {**body, **changes}


class TestRestApi:
    def test_a_body_nested_past_the_recursion_limit_is_a_400(self, api):
        response = api.post("/api/reviews/", deeply_nested(), content_type="application/json")
        assert "detail" in assert_json_error(response, 400)

    def test_a_body_over_the_upload_limit_is_a_413_json_error(self, api):
        response = api.post("/api/reviews/", too_large_body(), content_type="application/json")
        assert "detail" in assert_json_error(response, 413)

    def test_a_form_over_the_upload_limit_is_a_413_json_error(self, api):
        response = api.post("/api/reviews/", {"commentary": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
        assert "detail" in assert_json_error(response, 413)

    def test_a_form_with_too_many_fields_is_a_400_json_error(self, api):
        fields = {f"field{number}": "x" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
        assert "detail" in assert_json_error(api.post("/api/reviews/", fields), 400)

    def test_a_number_no_float_holds_is_a_400(self, api, org):
        body = json.dumps(review_body(org)).replace('"score": "4.0"', '"score": 4, "goal_attainment": ' + "9" * 400)
        response = api.post("/api/reviews/", body, content_type="application/json")
        assert "detail" in assert_json_error(response, 400)

    def test_evidence_without_a_link_answers_null_as_the_schema_says(self, api, org, client):
        body = {"employee": org.employee.pk, "skill": SkillFactory().pk, "level": 2, "source": "assessment"}
        response = api.post("/api/evidence/", {**body, "observed_at": "2026-06-30T09:00:00Z"}, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["evidence_url"] is None
        assert SkillEvidence.objects.get().evidence_url == ""
        schema = client.get("/api/schema/?format=json").json()
        evidence_url = schema["components"]["schemas"]["EvidenceOut"]["properties"]["evidence_url"]
        assert evidence_url["format"] == "uri" and evidence_url["nullable"] is True

    @pytest.mark.parametrize(
        ("path", "query"),
        [
            ("/api/employees/", "status=bogus"),
            ("/api/employees/", "manager=%C2%B2"),
            ("/api/reviews/", "employee=99999999999999999999"),
            ("/api/aspirations/", "employee=-1"),
            ("/api/evidence/", "source=bogus"),
        ],
    )
    def test_a_bad_list_filter_is_a_400_the_schema_documents(self, api, client, path, query):
        assert_json_error(api.get(f"{path}?{query}"), 400)
        schema = client.get("/api/schema/?format=json").json()
        assert "400" in schema["paths"][path]["get"]["responses"]


# --- xAPI ----------------------------------------------------------------------------------


@pytest.fixture
def lrs(client):
    """POST a body to /xapi/statements with a real xAPI credential; returns the response."""
    credential, secret = credential_issue(kind="xapi", name="hostile LMS")
    basic = base64.b64encode(f"{credential.key}:{secret}".encode()).decode()

    def post(body: str):
        return client.post(
            "/xapi/statements",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Basic {basic}",
            HTTP_X_EXPERIENCE_API_VERSION="1.0.3",
        )

    return post


def statement(**result) -> str:
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "actor": {"mbox": "mailto:employee@example.com"},
            "verb": {"id": COMPLETED},
            "object": {"id": "https://lms.example/courses/sql-101"},
            "result": result,
        }
    )


def assert_xapi_refused(response, status: int, field: str | None = None) -> None:
    error = assert_json_error(response, status)["error"]
    assert field is None or field in error
    assert not XapiStatement.objects.exists() and not LearningRecord.objects.exists()


class TestXapi:
    def test_a_duration_with_hundreds_of_digits_is_a_400_naming_the_field(self, org, lrs):
        assert_xapi_refused(lrs(statement(duration=f"PT{'9' * 400}H")), 400, "result.duration")

    def test_a_duration_no_learning_record_can_hold_is_a_400_naming_the_field(self, org, lrs):
        assert_xapi_refused(lrs(statement(duration="P99999999999Y")), 400, "result.duration")

    def test_a_duration_in_non_ascii_digits_is_a_400_naming_the_field(self, org, lrs):
        assert_xapi_refused(lrs(statement(duration="PT\u0663H")), 400, "result.duration")

    def test_a_score_no_float_holds_is_a_400(self, org, lrs):
        body = statement(score={"raw": 1}).replace('"raw": 1', f'"raw": {"9" * 400}')
        assert_xapi_refused(lrs(body), 400)

    def test_a_body_nested_past_the_recursion_limit_is_a_400(self, org, lrs):
        assert_xapi_refused(lrs(deeply_nested()), 400)
        assert SyncRun.objects.get().status == SyncRun.Status.FAILED

    @pytest.mark.parametrize("depth", [MAX_DEPTH, 990])  # inside the statement, so deeper than MAX_DEPTH
    def test_an_extension_nested_deeper_than_the_limit_is_a_400(self, org, lrs, depth):
        extension = "[" * depth + "]" * depth
        body = statement().replace(
            '"result": {}', f'"context": {{"extensions": {{"https://x.example/e": {extension}}}}}'
        )
        assert_xapi_refused(lrs(body), 400)

    def test_a_body_over_the_upload_limit_is_a_413_json_error(self, org, lrs):
        response = lrs(too_large_body())
        assert_xapi_refused(response, 413)
        assert response["X-Experience-API-Version"] == "1.0.3"


# --- SCIM ----------------------------------------------------------------------------------


@pytest.fixture
def scim(client):
    """Call SCIM as the HR system with a real SCIM token: ``scim("get", "/Users")``."""
    token = credential_issue(kind="scim", name="hostile HR system")[1]

    def call(method: str, path: str, body: str | dict | None = None):
        data = json.dumps(body) if isinstance(body, dict) else body
        return getattr(client, method)(
            f"/scim/v2{path}", data, content_type="application/scim+json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    return call


def assert_scim_error(response, status: int, scim_type: str | None) -> dict:
    body = assert_json_error(response, status)
    assert response["Content-Type"] == "application/scim+json"
    assert (body["schemas"], body["status"], body.get("scimType")) == ([SCIM_ERROR], str(status), scim_type)
    assert body["detail"]
    return body


def listed_ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [user["id"] for user in response.json().get("Resources", [])]


def patch(*operations) -> dict:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


class TestScim:
    @pytest.mark.parametrize("pk", ["\u00b2", "\u0663", "99999999999999999999999"])
    def test_an_id_that_is_not_ascii_digits_or_too_large_is_not_found(self, org, scim, pk):
        assert_scim_error(scim("get", f"/Users/{pk}"), 404, None)

    @pytest.mark.parametrize("attribute", ["id", "manager", f"{ENTERPRISE}:manager.value"])
    def test_a_filter_on_an_id_in_non_ascii_digits_matches_nobody(self, org, scim, attribute):
        assert listed_ids(scim("get", f'/Users?filter={attribute} eq "\u00b2"')) == []

    def test_a_manager_in_non_ascii_digits_is_an_invalid_value(self, org, scim):
        operation = {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": "\u00b2"}
        assert_scim_error(scim("patch", f"/Users/{org.employee.pk}", patch(operation)), 400, "invalidValue")
        assert Employee.objects.get(pk=org.employee.pk).manager == org.manager

    @pytest.mark.parametrize("value", ["\u00b2", "\u0663", "1_0", " 1", "9" * 5000])
    @pytest.mark.parametrize("name", ["startIndex", "count"])
    def test_paging_that_is_not_an_ascii_integer_is_an_invalid_value(self, org, scim, name, value):
        assert_scim_error(scim("get", f"/Users?{name}={value}"), 400, "invalidValue")

    def test_a_start_index_past_64_bits_is_an_empty_page(self, org, scim):
        huge = 10**30
        response = scim("get", f"/Users?startIndex={huge}")
        assert listed_ids(response) == []
        assert (response.json()["totalResults"], response.json()["startIndex"]) == (6, huge)

    def test_a_search_starting_past_64_bits_is_an_empty_page(self, org, scim):
        search = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "startIndex": 10**30}
        assert listed_ids(scim("post", "/Users/.search", search)) == []

    def test_a_count_past_64_bits_is_capped(self, org, scim):
        assert len(listed_ids(scim("get", f"/Users?count={10**30}"))) == 6

    def test_a_body_nested_past_the_recursion_limit_is_invalid_syntax(self, org, scim):
        assert_scim_error(scim("post", "/Users", deeply_nested('{"a":', "}")), 400, "invalidSyntax")
        assert_scim_error(scim("post", "/Users/.search", deeply_nested()), 400, "invalidSyntax")

    def test_a_body_over_the_upload_limit_is_a_413_scim_error(self, org, scim):
        assert_scim_error(scim("post", "/Users", too_large_body()), 413, None)

    def test_a_patch_on_an_attribute_no_user_has_is_an_invalid_path_and_changes_nothing(self, org, scim):
        before = Employee.objects.get(pk=org.employee.pk).updated_at
        operation = {"op": "replace", "path": "nickNameTypo", "value": "Bob"}
        assert_scim_error(scim("patch", f"/Users/{org.employee.pk}", patch(operation)), 400, "invalidPath")
        assert Employee.objects.get(pk=org.employee.pk).updated_at == before

    def test_a_patch_on_a_standard_attribute_not_stored_here_is_still_accepted(self, org, scim):
        # Entra's default mapping sends phone numbers; they are dropped, as on POST and PUT.
        operation = {"op": "replace", "path": 'phoneNumbers[type eq "work"].value', "value": "+44 20 7946 0000"}
        assert scim("patch", f"/Users/{org.employee.pk}", patch(operation)).status_code == 200
