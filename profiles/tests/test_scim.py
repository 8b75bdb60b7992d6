"""The SCIM server: the scim2-tester compliance run, then what HR notices when the HR system pushes people."""

import json
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from allauth.account.utils import filter_users_by_email
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server

from profiles.access import may_see
from profiles.credentials import credential_issue, credential_revoke
from profiles.models import Employee, SyncRun
from profiles.signals import profile_changed
from profiles.tests.factories import EmployeeFactory, UserFactory
from taxonomy.tests.factories import JobFamilyFactory, RoleFactory

pytestmark = pytest.mark.django_db

BASE = "http://localhost/scim/v2"


@pytest.fixture
def token(db):
    return credential_issue(kind="scim", name="Workday (tests)")[1]


@pytest.fixture
def roles(db):
    engineering = JobFamilyFactory(name="Engineering")
    return {
        "engineer": RoleFactory(title="Engineer", family=engineering, grade=1),
        "senior": RoleFactory(title="Senior Engineer", family=engineering, grade=2),
        "analyst": RoleFactory(title="Data Analyst", family=JobFamilyFactory(name="Data"), grade=2),
    }


@pytest.fixture
def wsgi_app():
    """The project's WSGI app, without Django closing the test's database connection after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _declared_unsupported(config) -> set[str]:
    """The check tags a server may have skipped because its ServiceProviderConfig says so."""
    unsupported = set()
    if config is None or not (config.patch and config.patch.supported):
        unsupported |= {"patch:add", "patch:remove", "patch:replace"}
    return unsupported


def test_it_passes_the_scim2_tester_compliance_checks(wsgi_app, token, roles):
    client = WSGISCIMClient(wsgi_app, base_url=BASE, headers={"Authorization": f"Bearer {token}"})
    results = check_server(client)

    unsupported = _declared_unsupported(client.provider.config)
    failures = [
        result
        for result in results
        if result.status is not Status.SUCCESS and not (result.status is Status.SKIPPED and result.tags & unsupported)
    ]
    tally = {status.name: sum(r.status is status for r in results) for status in Status}
    print(f"scim2-tester: {tally}")
    assert len(results) > 40
    assert not failures, "\n".join(
        f"{result.status.name} {result.title} [{result.resource_type or '-'}]: {result.reason}" for result in failures
    )


# --- what HR notices ------------------------------------------------------------------------

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def scim(client, token):
    """Call the SCIM API as the HR system: ``scim("post", "/Users", body)`` returns the response."""

    def call(method, path, body=None, *, bearer=token, **headers):
        if bearer is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {bearer}"
        data = json.dumps(body) if isinstance(body, dict) else body
        return getattr(client, method)(f"/scim/v2{path}", data, content_type="application/scim+json", **headers)

    return call


def hire(**overrides):
    body = {
        "schemas": [USER, ENTERPRISE],
        "externalId": "E900",
        "userName": "ada.lovelace@example.com",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": "ada.lovelace@example.com", "type": "work", "primary": True}],
        "active": True,
        "title": "Engineer",
        ENTERPRISE: {"employeeNumber": "E900", "department": "Analytical Engines"},
    }
    body.update(overrides)
    return body


def patch(*operations):
    return {"schemas": [PATCH], "Operations": list(operations)}


def assert_scim_error(response, status, scim_type=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/scim+json"
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    assert body["detail"]
    return body


def last_run():
    return SyncRun.objects.filter(source="scim").order_by("-pk").first()


class TestHire:
    def test_it_creates_the_employee_under_their_manager_in_their_department(self, scim, org, roles):
        body = hire(
            **{
                ENTERPRISE: {
                    "employeeNumber": "E900",
                    "department": "Analytical Engines",
                    "manager": {"value": str(org.manager.pk)},
                }
            }
        )
        response = scim("post", "/Users", body)

        assert response.status_code == 201, response.content
        assert response["Location"].endswith(f"/scim/v2/Users/{response.json()['id']}")
        ada = Employee.objects.get(external_id="E900")
        assert (ada.first_name, ada.last_name, ada.email) == ("Ada", "Lovelace", "ada.lovelace@example.com")
        assert ada.manager == org.manager
        assert ada.org_path == f"{org.manager.org_path}{ada.pk}/"
        assert ada.business_unit.name == "Analytical Engines"
        assert ada.role == roles["engineer"]
        assert list(ada.role_history.values_list("kind", flat=True)) == ["hire"]
        assert may_see(org.director.user, ada) and may_see(org.manager.user, ada)

    def test_it_gives_them_an_account_they_sign_in_with_by_e_mail(self, scim, roles):
        scim("post", "/Users", hire())

        (user,) = filter_users_by_email("ada.lovelace@example.com")
        assert user.username == "ada.lovelace@example.com" and not user.has_usable_password()
        assert user.employee.external_id == "E900"
        assert EmailAddress.objects.filter(
            user=user, email="ada.lovelace@example.com", verified=True, primary=True
        ).exists()

    def test_it_is_recorded_as_a_sync_run_and_announced(self, scim, roles, django_capture_on_commit_callbacks):
        received = []
        profile_changed.connect(lambda **kwargs: received.append(kwargs), weak=False, dispatch_uid="test_scim")
        try:
            with django_capture_on_commit_callbacks(execute=True):
                scim("post", "/Users", hire())
        finally:
            profile_changed.disconnect(dispatch_uid="test_scim")

        run = last_run()
        assert (run.kind, run.status, run.received, run.created, run.rejected) == ("people", "succeeded", 1, 1, 0)
        assert run.finished_at is not None and run.name == "Workday (tests)"
        ada = Employee.objects.get(external_id="E900")
        assert {(tuple(r["employee_ids"]), r["what"], r["source"]) for r in received} == {
            ((ada.pk,), "person", "scim"),
            ((ada.pk,), "role", "scim"),
        }

    def test_an_unknown_title_keeps_the_person_and_tells_hr(self, scim, roles):
        response = scim("post", "/Users", hire(title="Chief Vibes Officer"))

        assert response.status_code == 201
        assert Employee.objects.get(external_id="E900").role is None
        run = last_run()
        assert (run.status, run.created, run.rejected) == ("partial", 1, 1)
        assert "Chief Vibes Officer" in run.rejections.get().reason

    def test_a_taken_user_name_is_409_and_creates_nobody(self, scim, org):
        response = scim("post", "/Users", hire(userName="Employee@Example.com"))

        assert_scim_error(response, 409, "uniqueness")
        assert not Employee.objects.filter(external_id="E900").exists()
        run = last_run()
        assert (run.status, run.rejected) == ("failed", 1)
        assert "employee@example.com" in run.rejections.get().reason.lower()

    def test_a_taken_employee_number_is_409(self, scim, org):
        body = hire(externalId=org.peer.external_id, **{ENTERPRISE: {"employeeNumber": org.peer.external_id}})
        assert_scim_error(scim("post", "/Users", body), 409, "uniqueness")

    def test_a_person_without_a_name_is_400(self, scim):
        body = hire()
        del body["name"]
        assert_scim_error(scim("post", "/Users", body), 400, "invalidValue")
        assert not Employee.objects.exists()


class TestReportingLine:
    def test_a_new_manager_by_patch_moves_the_whole_subtree(self, scim, org):
        report = EmployeeFactory(manager=org.employee)  # so org.employee heads a subtree
        assert may_see(org.manager.user, report) and not may_see(org.outsider_manager.user, report)
        operation = {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": str(org.outsider_manager.pk)}}

        response = scim("patch", f"/Users/{org.employee.pk}", patch(operation))

        assert response.status_code == 200, response.content
        assert response.json()[ENTERPRISE]["manager"]["value"] == str(org.outsider_manager.pk)
        for person in (org.employee, report):
            person.refresh_from_db()
            assert person.org_path.startswith(org.outsider_manager.org_path)
            assert may_see(org.outsider_manager.user, person)
            assert not may_see(org.manager.user, person)
        assert may_see(org.manager.user, org.peer)
        assert (last_run().updated, last_run().status) == (1, "succeeded")

    def test_an_entra_style_manager_id_and_path_less_patch_work_too(self, scim, org):
        scim(
            "patch",
            f"/Users/{org.peer.pk}",
            patch({"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": str(org.director.pk)}),
        )
        org.peer.refresh_from_db()
        assert org.peer.manager == org.director

        scim("patch", f"/Users/{org.peer.pk}", patch({"op": "Replace", "value": {"name.givenName": "Pat"}}))
        org.peer.refresh_from_db()
        assert org.peer.first_name == "Pat" and org.peer.manager == org.director

    def test_removing_the_manager_makes_them_a_top_of_tree(self, scim, org):
        scim("patch", f"/Users/{org.employee.pk}", patch({"op": "remove", "path": f"{ENTERPRISE}:manager"}))
        org.employee.refresh_from_db()
        assert org.employee.manager is None and org.employee.org_path == f"/{org.employee.pk}/"

    def test_a_change_that_makes_a_loop_is_400_and_changes_nothing(self, scim, org):
        path_before = org.manager.org_path
        operation = {"op": "replace", "path": f"{ENTERPRISE}:manager.value", "value": str(org.employee.pk)}

        body = assert_scim_error(scim("patch", f"/Users/{org.manager.pk}", patch(operation)), 400, "invalidValue")

        assert "loop" in body["detail"]
        org.manager.refresh_from_db()
        assert (org.manager.manager, org.manager.org_path) == (org.director, path_before)
        run = last_run()
        assert (run.status, run.rejected, run.updated) == ("failed", 1, 0)
        assert "loop" in run.rejections.get().reason

    def test_an_unknown_manager_is_400(self, scim, org):
        operation = {"op": "add", "path": f"{ENTERPRISE}:manager", "value": {"value": "999999"}}
        assert_scim_error(scim("patch", f"/Users/{org.employee.pk}", patch(operation)), 400, "invalidValue")


class TestLeaving:
    def test_active_false_marks_them_as_left_today_and_stops_their_sign_in(self, scim, org):
        response = scim(
            "patch", f"/Users/{org.employee.pk}", patch({"op": "replace", "path": "active", "value": False})
        )

        assert response.status_code == 200 and response.json()["active"] is False
        org.employee.refresh_from_db()
        assert (org.employee.status, org.employee.termination_date) == ("left", timezone.localdate())
        assert not org.employee.user.is_active
        assert scim("get", f"/Users/{org.employee.pk}").json()["active"] is False

    def test_active_true_brings_them_back(self, scim, org):
        scim("patch", f"/Users/{org.employee.pk}", patch({"op": "replace", "value": {"active": False}}))
        scim("patch", f"/Users/{org.employee.pk}", patch({"op": "replace", "value": {"active": True}}))

        org.employee.refresh_from_db()
        assert (org.employee.status, org.employee.termination_date) == ("active", None)
        assert org.employee.user.is_active

    def test_delete_keeps_the_rows_as_a_leaver_and_the_user_is_gone(self, scim, org):
        assert scim("delete", f"/Users/{org.peer.pk}").status_code == 204

        org.peer.refresh_from_db()
        assert (org.peer.status, org.peer.termination_date, org.peer.user) == ("left", timezone.localdate(), None)
        assert_scim_error(scim("get", f"/Users/{org.peer.pk}"), 404)
        assert (last_run().updated, last_run().status) == (1, "succeeded")

    def test_a_rehire_after_delete_takes_the_same_employee_and_account_back(self, scim, org, roles):
        account = org.peer.user
        scim("delete", f"/Users/{org.peer.pk}")
        body = hire(
            externalId=org.peer.external_id,
            userName=account.username,
            emails=[],
            **{ENTERPRISE: {"employeeNumber": org.peer.external_id}},
        )

        response = scim("post", "/Users", body)

        assert response.status_code == 201, response.content
        assert response.json()["id"] == str(org.peer.pk)
        org.peer.refresh_from_db()
        assert (org.peer.status, org.peer.termination_date, org.peer.user) == ("active", None, account)


class TestUpdates:
    def test_the_same_put_twice_is_unchanged_the_second_time(self, scim, org, roles):
        current = scim("get", f"/Users/{org.employee.pk}").json()
        body = {**current, "title": "Senior Engineer", "name": {"givenName": "Erin", "familyName": "Example"}}

        first, second = scim("put", f"/Users/{org.employee.pk}", body), scim("put", f"/Users/{org.employee.pk}", body)

        assert first.status_code == second.status_code == 200
        runs = SyncRun.objects.filter(source="scim").order_by("pk")
        assert [(r.received, r.updated, r.unchanged) for r in runs] == [(1, 1, 0), (1, 0, 1)]
        assert first.json()["meta"]["version"] == second.json()["meta"]["version"]

    def test_a_put_that_leaves_out_the_manager_does_not_flatten_the_org_chart(self, scim, org):
        body = scim("get", f"/Users/{org.employee.pk}").json()
        del body[ENTERPRISE]["manager"]

        assert scim("put", f"/Users/{org.employee.pk}", body).status_code == 200
        org.employee.refresh_from_db()
        assert org.employee.manager == org.manager

    def test_a_title_change_appends_role_history(self, scim, org, roles):
        def retitle(title):
            response = scim(
                "patch", f"/Users/{org.employee.pk}", patch({"op": "replace", "path": "title", "value": title})
            )
            assert response.status_code == 200 and response.json()["title"] == title

        retitle("Engineer")
        retitle("Senior Engineer")
        retitle("Data Analyst")

        kinds = list(org.employee.role_history.order_by("pk").values_list("role__title", "kind", "end_date"))
        today = timezone.localdate()
        assert kinds == [
            ("Engineer", "lateral", today),
            ("Senior Engineer", "promotion", today),
            ("Data Analyst", "lateral", None),
        ]

    def test_attributes_it_does_not_hold_are_ignored_not_refused(self, scim, org):
        body = scim("get", f"/Users/{org.employee.pk}").json()
        body |= {"phoneNumbers": [{"value": "+44 20 7946 0000", "type": "work"}], "nickName": "Em"}

        assert scim("put", f"/Users/{org.employee.pk}", body).status_code == 200

    def test_the_hr_feed_cannot_change_the_sign_in_of_an_account_with_staff_rights(self, scim, org):
        org.manager.user.is_staff = True
        org.manager.user.save()
        operation = {"op": "replace", "path": "userName", "value": "attacker@example.net"}

        response = scim("patch", f"/Users/{org.manager.pk}", patch(operation))

        assert response.status_code == 200 and response.json()["userName"] == "manager@example.com"
        org.manager.user.refresh_from_db()
        assert (org.manager.user.username, org.manager.user.email) == ("manager@example.com", "manager@example.com")
        assert not EmailAddress.objects.filter(email="attacker@example.net").exists()
        assert last_run().status == "partial" and "staff rights" in last_run().rejections.get().reason

    def test_a_stale_if_match_is_412(self, scim, org):
        response = scim(
            "patch",
            f"/Users/{org.employee.pk}",
            patch({"op": "replace", "path": "title", "value": "x"}),
            HTTP_IF_MATCH='W/"stale"',
        )
        assert_scim_error(response, 412)

    def test_an_unchanged_resource_is_304_with_if_none_match(self, scim, org):
        version = scim("get", f"/Users/{org.employee.pk}")["ETag"]
        assert scim("get", f"/Users/{org.employee.pk}", HTTP_IF_NONE_MATCH=version).status_code == 304


class TestQueries:
    @pytest.mark.parametrize(
        "filter_text",
        [
            'userName eq "EMPLOYEE@example.com"',
            'externalId eq "{external_id}"',
            'emails[type eq "work" and value co "employee@"]',
            f'{ENTERPRISE}:employeeNumber eq "{{external_id}}" and active eq true',
            'name.familyName eq "{last_name}"',
        ],
    )
    def test_the_hr_system_finds_a_person_by_filter(self, scim, org, filter_text):
        text = filter_text.format(external_id=org.employee.external_id, last_name=org.employee.last_name)
        body = scim("get", f"/Users?filter={quote(text)}").json()

        assert str(org.employee.pk) in [user["id"] for user in body["Resources"]]
        assert body["totalResults"] == len(body["Resources"]) >= 1

    def test_a_list_costs_the_same_few_queries_however_many_people(self, scim, org, django_assert_max_num_queries):
        for _ in range(10):
            EmployeeFactory(manager=org.employee, user=UserFactory())
        with django_assert_max_num_queries(5):
            body = scim("get", "/Users").json()
        assert body["itemsPerPage"] == 16

    def test_pages_with_start_index_and_count(self, scim, org):
        body = scim("get", "/Users?startIndex=2&count=2").json()
        assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (6, 2, 2)

    @pytest.mark.parametrize("filter_text", ["userName eq", 'favouriteColour eq "blue"', "active gt true"])
    def test_a_bad_filter_is_400_invalid_filter(self, scim, org, filter_text):
        assert_scim_error(scim("get", f"/Users?filter={quote(filter_text)}"), 400, "invalidFilter")


class TestProtocol:
    def test_no_token_is_401_with_a_scim_error(self, scim):
        response = scim("get", "/Users", bearer=None)
        assert_scim_error(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_an_unknown_token_is_401(self, scim, token):
        key = token.split(".")[0]
        assert_scim_error(scim("get", "/Users", bearer=f"{key}.not-the-secret"), 401)
        assert_scim_error(scim("post", "/Users", hire(), bearer="nonsense"), 401)
        assert not SyncRun.objects.exists()

    def test_a_revoked_token_is_401(self, scim):
        credential, token = credential_issue(kind="scim", name="Old HR system")
        credential_revoke(credential=credential)
        assert_scim_error(scim("get", "/ServiceProviderConfig", bearer=token), 401)

    def test_another_kind_of_token_is_401(self, scim):
        assert_scim_error(scim("get", "/Users", bearer=credential_issue(kind="api", name="Reports")[1]), 401)

    def test_bad_json_is_400_invalid_syntax(self, scim):
        assert_scim_error(scim("post", "/Users", "{not json"), 400, "invalidSyntax")
        assert (last_run().status, last_run().rejected) == ("failed", 1)

    def test_an_unknown_user_is_404(self, scim):
        assert_scim_error(scim("get", "/Users/424242"), 404)
        assert_scim_error(scim("put", "/Users/nope", hire()), 404)

    def test_discovery_endpoints_are_read_only(self, scim):
        response = scim("post", "/Schemas", {})
        assert_scim_error(response, 405)
        assert response["Allow"] == "GET"

    def test_groups_are_not_served_and_not_announced(self, scim):
        assert_scim_error(scim("get", "/Groups"), 404)
        types = scim("get", "/ResourceTypes").json()
        assert [t["name"] for t in types["Resources"]] == ["User"]

    def test_the_user_schema_offers_the_taxonomy_titles(self, scim, roles):
        schema = scim("get", f"/Schemas/{USER}").json()
        (title,) = [a for a in schema["attributes"] if a["name"] == "title"]
        assert title["canonicalValues"] == ["Data Analyst", "Engineer", "Senior Engineer"]

    def test_the_service_provider_config_is_honest(self, scim):
        config = scim("get", "/ServiceProviderConfig").json()
        supported = {
            name: config[name]["supported"] for name in ("patch", "bulk", "filter", "changePassword", "sort", "etag")
        }
        assert supported == {
            "patch": True,
            "bulk": False,
            "filter": True,
            "changePassword": False,
            "sort": False,
            "etag": True,
        }
