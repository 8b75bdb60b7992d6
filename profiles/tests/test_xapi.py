"""The xAPI statements endpoint, driven by the real ``tincan`` client against a live server."""

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from tincan import (
    Activity,
    ActivityDefinition,
    Agent,
    AgentAccount,
    LanguageMap,
    RemoteLRS,
    Result,
    Score,
    Statement,
    Verb,
)
from tincan.http_request import HTTPRequest

from profiles.credentials import credential_issue, credential_revoke
from profiles.models import LearningRecord, SyncRun, XapiStatement
from profiles.signals import profile_changed
from profiles.xapi.statements import StatementError, parse_duration_minutes, parse_statement

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
COURSE = "https://lms.example/courses/sql-101"

live = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lms(db):
    credential, secret = credential_issue(kind="xapi", name="Test LMS")
    return credential, secret


@pytest.fixture
def lrs(live_server, lms):
    credential, secret = lms
    return RemoteLRS(endpoint=live_server.url + "/xapi/", username=credential.key, password=secret, version="1.0.1")


def statement(*, actor=None, verb=COMPLETED, timestamp=None, scaled=0.92, duration=timedelta(hours=2, minutes=30)):
    return Statement(
        id=uuid.uuid4(),
        actor=actor or Agent(mbox="mailto:Employee@Example.com"),
        verb=Verb(id=verb, display=LanguageMap({"en-US": verb.rsplit("/", 1)[-1]})),
        object=Activity(id=COURSE, definition=ActivityDefinition(name=LanguageMap({"en-GB": "SQL 101"}))),
        result=Result(score=Score(scaled=scaled), duration=duration, completion=True, success=True),
        timestamp=timestamp or datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    )


def send_raw(lrs, method, body, *, statement_id=None):
    """Send a body tincan would refuse to build (an invalid statement), through tincan's transport."""
    request = HTTPRequest(method=method, resource="statements")
    if statement_id:
        request.query_params["statementId"] = statement_id
    request.headers["Content-Type"] = "application/json"
    request.content = json.dumps(body)
    return lrs._send_request(request)


def raw_statement(**changes):
    base = {
        "id": str(uuid.uuid4()),
        "actor": {"mbox": "mailto:employee@example.com"},
        "verb": {"id": COMPLETED},
        "object": {"id": COURSE},
        "result": {"score": {"scaled": 0.5}, "duration": "PT1H"},
        "timestamp": "2026-11-20T10:00:00Z",
    }
    for key, value in changes.items():
        if value is None:
            base.pop(key)
        else:
            base[key] = value
    return base


@live
class TestStatementsPut:
    def test_a_completed_statement_becomes_a_learning_record_for_the_right_employee(self, org, lrs):
        sent = statement()
        response = lrs.save_statement(sent)
        assert response.success, response.data
        assert response.response.status == 204
        assert response.response.getheader("X-Experience-API-Version").startswith("1.0.")
        record = LearningRecord.objects.get()
        assert record.employee == org.employee
        assert (record.status, record.score, record.minutes) == ("completed", 0.92, 150)
        assert (record.title, record.activity_id, record.source) == ("SQL 101", COURSE, "xapi")
        assert record.external_id == f"xapi:{sent.id}"
        assert record.completed_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
        assert XapiStatement.objects.get().learning_record == record

    def test_an_account_name_matches_the_employee_number(self, org, lrs):
        account = Agent(account=AgentAccount(home_page="https://hris.example", name=org.peer.external_id))
        assert lrs.save_statement(statement(actor=account, verb="http://adlnet.gov/expapi/verbs/passed")).success
        record = LearningRecord.objects.get()
        assert (record.employee, record.status) == (org.peer, "passed")

    def test_sending_the_same_statement_twice_stores_it_once(self, org, lrs):
        sent = statement()
        assert lrs.save_statement(sent).success
        again = lrs.save_statement(sent)
        assert again.success and again.response.status == 204
        assert XapiStatement.objects.count() == 1
        assert LearningRecord.objects.count() == 1
        second_run = SyncRun.objects.order_by("-pk").first()
        assert (second_run.received, second_run.created, second_run.unchanged) == (1, 0, 1)

    def test_the_same_id_with_different_content_is_a_conflict(self, org, lrs):
        sent = statement()
        assert lrs.save_statement(sent).success
        sent.result.score.scaled = 0.1
        response = lrs.save_statement(sent)
        assert response.response.status == 409
        assert "different content" in json.loads(response.data)["error"]
        assert LearningRecord.objects.get().score == 0.92

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"verb": None}, "verb"),
            ({"actor": None}, "actor"),
            ({"object": None}, "object"),
            ({"id": "not-a-uuid"}, "id"),
            ({"timestamp": "20 November 2026"}, "timestamp"),
            ({"result": {"duration": "2 hours"}}, "result.duration"),
            ({"result": {"score": {"scaled": 1.5}}}, "result.score.scaled"),
            ({"actor": {"mbox": "employee@example.com"}}, "actor.mbox"),
        ],
    )
    def test_an_invalid_statement_gets_400_naming_the_field_and_stores_nothing(self, org, lrs, changes, field):
        body = raw_statement(**changes)
        response = send_raw(lrs, "POST", body)
        assert response.response.status == 400
        assert response.response.getheader("X-Experience-API-Version")
        assert field in json.loads(response.data)["error"]
        assert not XapiStatement.objects.exists() and not LearningRecord.objects.exists()
        run = SyncRun.objects.get()
        assert run.status == SyncRun.Status.FAILED and field in run.error

    def test_a_list_with_one_invalid_statement_stores_none_of_them(self, org, lrs):
        good, bad = raw_statement(), raw_statement(result={"score": {"scaled": -3}})
        response = send_raw(lrs, "POST", [good, bad])
        assert response.response.status == 400
        assert json.loads(response.data)["error"].startswith("statement 2: result.score.scaled")
        assert not XapiStatement.objects.exists() and not LearningRecord.objects.exists()

    def test_a_wrong_password_is_401(self, live_server, lms, org):
        credential, _ = lms
        wrong = RemoteLRS(
            endpoint=live_server.url + "/xapi/", username=credential.key, password="nope", version="1.0.1"
        )
        response = wrong.save_statement(statement())
        assert not response.success
        assert response.response.status == 401
        assert response.response.getheader("WWW-Authenticate").startswith("Basic")
        assert not XapiStatement.objects.exists()

    def test_a_revoked_credential_is_401(self, lms, lrs, org):
        credential_revoke(credential=lms[0])
        assert lrs.save_statement(statement()).response.status == 401


@live
class TestStatementsPost:
    def test_post_returns_the_ids_and_an_unknown_actor_is_stored_and_reported(self, org, lrs):
        known = statement()
        stranger = statement(actor=Agent(mbox="mailto:nobody@example.com"))
        launched = statement(verb="http://adlnet.gov/expapi/verbs/launched")
        response = lrs.save_statements([known, stranger, launched])
        assert response.success, response.data
        assert XapiStatement.objects.count() == 3
        assert LearningRecord.objects.get().employee == org.employee  # only the completed one of a known person
        run = SyncRun.objects.get()
        assert (run.source, run.kind, run.status) == ("xapi", "learning", SyncRun.Status.PARTIAL)
        assert (run.received, run.created, run.rejected) == (3, 1, 1)
        assert "no employee with e-mail nobody@example.com" in run.rejections.get().reason

    def test_a_statement_without_an_id_gets_one(self, org, lrs):
        response = send_raw(lrs, "POST", raw_statement(id=None))
        assert response.response.status == 200
        [statement_id] = json.loads(response.data)
        assert XapiStatement.objects.get().pk == uuid.UUID(statement_id)

    def test_the_sync_run_records_counts_and_the_delay_since_each_statement(self, org, lrs):
        now = datetime.now(UTC)
        sent = [statement(timestamp=now - timedelta(hours=2)), statement(timestamp=now - timedelta(minutes=10))]
        assert lrs.save_statements(sent).success
        run = SyncRun.objects.get()
        assert (run.received, run.created, run.rejected, run.status) == (2, 2, 0, SyncRun.Status.SUCCEEDED)
        assert 7200 <= run.max_delay_seconds < 7200 + 60
        assert 600 <= run.median_delay_seconds < 7200
        assert run.name == "Test LMS"

    def test_changed_profiles_are_announced_after_commit(self, org, lrs):
        heard = []

        def receiver(sender, **kwargs):
            heard.append(kwargs)

        profile_changed.connect(receiver)
        try:
            assert lrs.save_statement(statement()).success
        finally:
            profile_changed.disconnect(receiver)
        assert heard == [
            {"signal": profile_changed, "employee_ids": [org.employee.pk], "what": "learning", "source": "xapi"}
        ]

    def test_a_request_without_the_version_header_is_400(self, live_server, lms, org):
        import http.client

        credential, secret = lms
        auth = base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
        connection = http.client.HTTPConnection(live_server.thread.host, live_server.thread.port)
        connection.request(
            "POST",
            "/xapi/statements",
            body=json.dumps(raw_statement()),
            headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        assert response.status == 400
        assert "X-Experience-API-Version" in json.loads(response.read())["error"]
        connection.close()


@live
class TestStatementsGet:
    def test_get_returns_what_was_stored(self, org, lrs):
        sent = statement()
        assert lrs.save_statement(sent).success
        response = lrs.retrieve_statement(str(sent.id))
        assert response.success, response.data
        got = response.content
        assert got.id == sent.id
        assert got.actor.mbox == "mailto:Employee@Example.com"
        assert got.object.id == COURSE
        assert got.result.score.scaled == 0.92
        assert got.stored is not None and got.authority is not None

    def test_an_unknown_id_is_404(self, org, lrs):
        assert lrs.retrieve_statement(str(uuid.uuid4())).response.status == 404

    def test_the_list_filters_by_verb_and_pages_with_more(self, org, lrs):
        passed = "http://adlnet.gov/expapi/verbs/passed"
        assert lrs.save_statements([statement(), statement(verb=passed), statement(verb=passed)]).success
        response = lrs.query_statements({"verb": Verb(id=passed), "limit": 1})
        assert response.success, response.data
        assert [s.verb.id for s in response.content.statements] == [passed]
        assert response.content.more
        rest = lrs.more_statements(response.content)
        assert rest.success and [s.verb.id for s in rest.content.statements] == [passed]
        assert not rest.content.more

    def test_a_credential_reads_only_what_it_sent(self, live_server, org, lrs):
        sent = statement()
        assert lrs.save_statement(sent).success
        other, secret = credential_issue(kind="xapi", name="Other LMS")
        other_lrs = RemoteLRS(endpoint=live_server.url + "/xapi/", username=other.key, password=secret, version="1.0.1")
        assert other_lrs.retrieve_statement(str(sent.id)).response.status == 404


class TestParsing:
    @pytest.mark.parametrize(
        ("duration", "minutes"),
        [("PT2H30M", 150), ("PT02H30M00S", 150), ("PT45S", 1), ("P1DT1H", 1500), ("PT0.5H", 30), ("PT1M29S", 1)],
    )
    def test_durations_become_minutes(self, duration, minutes):
        assert parse_duration_minutes(duration) == minutes

    @pytest.mark.parametrize("duration", ["P", "PT", "2H", "PT2X", "", "P1H"])
    def test_malformed_durations_are_refused(self, duration):
        with pytest.raises(StatementError, match="result.duration"):
            parse_duration_minutes(duration)

    def test_a_negative_scaled_score_falls_back_to_the_raw_score(self):
        parsed = parse_statement(raw_statement(result={"score": {"scaled": -0.2, "raw": 4, "min": 0, "max": 10}}))
        assert parsed.score == 0.4
        parsed = parse_statement(raw_statement(result={"score": {"scaled": -0.2}}))
        assert parsed.score is None

    def test_the_title_is_the_activity_name_in_any_language_or_else_its_id(self):
        named = raw_statement(object={"id": COURSE, "definition": {"name": {"fr-FR": "SQL pour tous"}}})
        assert parse_statement(named).title == "SQL pour tous"
        assert parse_statement(raw_statement()).title == COURSE

    def test_an_agent_with_two_identifiers_is_refused(self):
        both = {"mbox": "mailto:a@example.com", "account": {"homePage": "https://hris.example", "name": "E1"}}
        with pytest.raises(StatementError, match="more than one identifier"):
            parse_statement(raw_statement(actor=both))
