"""The data-quality scan (each flag kind raised and resolved), its command, task and HR page."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from profiles import tasks
from profiles.models import CareerAspiration, DataQualityFlag, Employee, LearningRecord, SkillEvidence
from profiles.quality import CHECKS, last_scan_at, normalise_course_title, normalise_name, quality_scan
from profiles.services import employee_set_manager
from profiles.tests.factories import BusinessUnitFactory, EmployeeFactory
from taxonomy.tests.factories import RoleFactory, SkillFactory

pytestmark = pytest.mark.django_db

Kind = DataQualityFlag.Kind
NOW = timezone.now()


def days_ago(days):
    return NOW - timedelta(days=days)


def aspire(employee, when=None):
    return CareerAspiration.objects.create(employee=employee, interests="Lead a team", stated_at=when or days_ago(1))


def learn(employee, *, title="Intro to SQL", activity_id="https://lms.example/sql-101", completed=None, started=None):
    return LearningRecord.objects.create(
        employee=employee,
        activity_id=activity_id,
        title=title,
        status=LearningRecord.Status.COMPLETED,
        started_at=started,
        completed_at=completed,
    )


def observe(employee, when):
    return SkillEvidence.objects.create(
        employee=employee, skill=SkillFactory(), level=2, source="manager", observed_at=when
    )


def make_healthy(*employees):
    """Give each person what every person-level check wants, so a test sees only what it breaks."""
    for employee in employees:
        aspire(employee)
        learn(employee, completed=days_ago(5), activity_id=f"course-{employee.pk}", title=f"Course {employee.pk}")
        observe(employee, days_ago(5))


def open_flags(kind, employee=None):
    flags = DataQualityFlag.objects.filter(kind=kind, resolved_at__isnull=True)
    if employee is not None:
        flags = flags.filter(employee=employee)
    return list(flags)


@pytest.fixture
def everyone_healthy(org):
    from recommendations.analysis import recompute  # the gap engine's own check: analyses exist

    make_healthy(*Employee.objects.all())
    recompute()
    return org


class TestEachKindIsRaisedAndResolves:
    def test_no_aspiration_resolves_when_one_is_stated(self, everyone_healthy):
        person = EmployeeFactory(manager=everyone_healthy.manager)
        learn(person, completed=days_ago(1))
        observe(person, days_ago(1))
        counts = quality_scan()
        assert [f.employee for f in open_flags(Kind.NO_ASPIRATION)] == [person]
        assert counts[Kind.NO_ASPIRATION] == {"open": 1, "new": 1, "resolved": 0}

        aspire(person)
        counts = quality_scan()
        assert open_flags(Kind.NO_ASPIRATION) == []
        assert counts[Kind.NO_ASPIRATION] == {"open": 0, "new": 0, "resolved": 1}
        assert DataQualityFlag.objects.get(kind=Kind.NO_ASPIRATION).resolved_at is not None

    def test_no_recent_learning_counts_starts_and_completions_in_the_last_90_days(self, everyone_healthy):
        person = everyone_healthy.employee
        LearningRecord.objects.filter(employee=person).update(completed_at=days_ago(120))
        quality_scan()
        (flag,) = open_flags(Kind.NO_RECENT_LEARNING)
        assert flag.employee == person
        assert flag.detail == "No learning started or completed in the last 90 days."

        learn(person, title="Python", activity_id="py", started=days_ago(10))
        quality_scan()
        assert open_flags(Kind.NO_RECENT_LEARNING) == []

    def test_someone_who_never_learned_is_flagged(self, everyone_healthy):
        LearningRecord.objects.filter(employee=everyone_healthy.peer).delete()
        quality_scan()
        (flag,) = open_flags(Kind.NO_RECENT_LEARNING)
        assert flag.employee == everyone_healthy.peer
        assert "No learning activity on record" in flag.detail

    def test_no_manager_spares_the_head_of_the_organisation(self, everyone_healthy):
        loner = EmployeeFactory()
        make_healthy(loner)
        quality_scan()
        # The director has no manager either, but people report to them.
        assert [f.employee for f in open_flags(Kind.NO_MANAGER)] == [loner]

        employee_set_manager(employee=loner, manager=everyone_healthy.manager)
        quality_scan()
        assert open_flags(Kind.NO_MANAGER) == []

    def test_no_manager_flags_reports_of_someone_who_left(self, everyone_healthy):
        Employee.objects.filter(pk=everyone_healthy.outsider_manager.pk).update(status=Employee.Status.LEFT)
        quality_scan()
        (flag,) = open_flags(Kind.NO_MANAGER)
        assert flag.employee == everyone_healthy.outsider
        assert everyone_healthy.outsider_manager.external_id in flag.detail

    def test_role_not_in_taxonomy_resolves_when_a_role_is_set(self, everyone_healthy):
        person = everyone_healthy.peer
        Employee.objects.filter(pk=person.pk).update(role=None)
        quality_scan()
        assert [f.employee for f in open_flags(Kind.ROLE_NOT_IN_TAXONOMY)] == [person]

        Employee.objects.filter(pk=person.pk).update(role=RoleFactory())
        quality_scan()
        assert open_flags(Kind.ROLE_NOT_IN_TAXONOMY) == []

    def test_stale_evidence_uses_the_newest_observation(self, everyone_healthy):
        person = everyone_healthy.employee
        SkillEvidence.objects.filter(employee=person).update(observed_at=days_ago(400))
        observe(person, days_ago(380))
        quality_scan()
        (flag,) = open_flags(Kind.STALE_EVIDENCE)
        assert flag.employee == person
        assert timezone.localdate(days_ago(380)).isoformat() in flag.detail

        observe(person, days_ago(3))
        quality_scan()
        assert open_flags(Kind.STALE_EVIDENCE) == []

    def test_no_evidence_at_all_is_stale(self, everyone_healthy):
        SkillEvidence.objects.filter(employee=everyone_healthy.peer).delete()
        quality_scan()
        (flag,) = open_flags(Kind.STALE_EVIDENCE)
        assert flag.detail == "No skill evidence on record."

    def test_the_evidence_age_comes_from_the_setting_or_the_argument(self, everyone_healthy):
        SkillEvidence.objects.filter(employee=everyone_healthy.peer).update(observed_at=days_ago(40))
        quality_scan()
        assert open_flags(Kind.STALE_EVIDENCE) == []
        with override_settings(EVIDENCE_MAX_AGE_DAYS=30):
            quality_scan()
        assert [f.employee for f in open_flags(Kind.STALE_EVIDENCE)] == [everyone_healthy.peer]
        quality_scan(evidence_max_age_days=60)
        assert open_flags(Kind.STALE_EVIDENCE) == []

    def test_duplicate_people_by_name_and_unit_name_each_other(self, everyone_healthy):
        unit = BusinessUnitFactory(name="Analytics")
        first = EmployeeFactory(
            first_name="José", last_name="O'Neil", business_unit=unit, manager=everyone_healthy.manager
        )
        second = EmployeeFactory(
            first_name="jose", last_name="oneil ", business_unit=unit, manager=everyone_healthy.manager
        )
        elsewhere = EmployeeFactory(first_name="Jose", last_name="ONeil", manager=everyone_healthy.manager)
        make_healthy(first, second, elsewhere)
        quality_scan()
        flags = {f.employee: f for f in open_flags(Kind.DUPLICATE_PERSON)}
        assert set(flags) == {first, second}
        assert second.external_id in flags[first].detail
        assert first.external_id in flags[second].detail

        Employee.objects.filter(pk=second.pk).update(first_name="Joan")
        counts = quality_scan()
        assert open_flags(Kind.DUPLICATE_PERSON) == []
        assert counts[Kind.DUPLICATE_PERSON]["resolved"] == 2

    def test_duplicate_people_by_email(self, everyone_healthy):
        twin = EmployeeFactory(email=everyone_healthy.peer.email.upper(), manager=everyone_healthy.manager)
        make_healthy(twin)
        quality_scan()
        flags = {f.employee: f for f in open_flags(Kind.DUPLICATE_PERSON)}
        assert set(flags) == {everyone_healthy.peer, twin}
        assert "same e-mail as " + twin.external_id in flags[everyone_healthy.peer].detail

    def test_a_course_under_two_names_and_two_ids(self, everyone_healthy):
        learn(everyone_healthy.employee, title="Data Storytelling", activity_id="lms:b-story", completed=days_ago(1))
        learn(
            everyone_healthy.peer, title="data storytelling (Online)", activity_id="lms:a-story", completed=days_ago(1)
        )
        quality_scan()
        (flag,) = open_flags(Kind.DUPLICATE_COURSE)
        assert flag.employee is None
        assert flag.subject == "lms:a-story"
        assert "“Data Storytelling”" in flag.detail and "lms:b-story" in flag.detail

        LearningRecord.objects.filter(activity_id="lms:b-story").update(activity_id="lms:a-story")
        quality_scan()
        # One id now, but still two names for it.
        (flag,) = open_flags(Kind.DUPLICATE_COURSE)
        assert flag.subject == "lms:a-story"
        LearningRecord.objects.filter(activity_id="lms:a-story").update(title="Data Storytelling")
        quality_scan()
        assert open_flags(Kind.DUPLICATE_COURSE) == []

    def test_one_activity_id_with_two_titles(self, everyone_healthy):
        learn(everyone_healthy.employee, title="SQL for analysts", activity_id="sql", completed=days_ago(1))
        learn(everyone_healthy.peer, title="Querying with SQL", activity_id="sql", completed=days_ago(1))
        learn(everyone_healthy.manager, title="querying  with sql", activity_id="sql", completed=days_ago(1))
        quality_scan()
        (flag,) = open_flags(Kind.DUPLICATE_COURSE)
        assert flag.subject == "sql"
        assert flag.detail.count("“") == 2  # case and spacing alone are not another name

    def test_titles_differing_only_in_case_under_one_id_are_fine(self, everyone_healthy):
        learn(everyone_healthy.employee, title="Python Basics", activity_id="py", completed=days_ago(1))
        learn(everyone_healthy.peer, title="python basics", activity_id="py", completed=days_ago(1))
        quality_scan()
        assert open_flags(Kind.DUPLICATE_COURSE) == []


@pytest.mark.parametrize(
    ("title", "normalised"),
    [
        ("Intro to SQL", "introtosql"),
        ("Intro-to-SQL (Online)", "introtosql"),
        ("Intro to SQL – e-Learning", "introtosql"),
        ("Intro to SQL [Self-paced] (virtual)", "introtosql"),
        ("Going Live", "goinglive"),  # a bare trailing word is part of the title
        ("Risk & Compliance", "riskandcompliance"),
        ("Основы SQL (online)", "основыsql"),
    ],
)
def test_course_titles_normalise(title, normalised):
    assert normalise_course_title(title) == normalised


@pytest.mark.parametrize(
    ("name", "normalised"),
    [("José  O'Neil", "jose oneil"), ("ZOË Smith-Jones", "zoe smithjones"), ("Иван Петров", "иван петров")],
)
def test_names_normalise(name, normalised):
    assert normalise_name(name) == normalised


class TestRescans:
    def test_a_second_scan_over_the_same_data_changes_nothing(self, org):
        first = quality_scan()
        flags = set(DataQualityFlag.objects.values_list("pk", "kind", "employee_id", "detail", "resolved_at"))
        second = quality_scan()
        assert set(DataQualityFlag.objects.values_list("pk", "kind", "employee_id", "detail", "resolved_at")) == flags
        assert all(counts["new"] == 0 and counts["resolved"] == 0 for counts in second.values())
        assert {kind: c["open"] for kind, c in second.items()} == {kind: c["open"] for kind, c in first.items()}
        assert first[Kind.NO_ASPIRATION]["open"] == Employee.objects.count()

    def test_a_resolved_problem_that_returns_opens_a_new_flag(self, everyone_healthy):
        CareerAspiration.objects.filter(employee=everyone_healthy.peer).delete()
        quality_scan()
        aspire(everyone_healthy.peer)
        quality_scan()
        CareerAspiration.objects.filter(employee=everyone_healthy.peer).delete()
        quality_scan()
        assert DataQualityFlag.objects.filter(kind=Kind.NO_ASPIRATION).count() == 2
        assert len(open_flags(Kind.NO_ASPIRATION)) == 1

    def test_a_leaver_s_flags_resolve(self, org):
        quality_scan()
        Employee.objects.filter(pk=org.peer.pk).update(status=Employee.Status.LEFT)
        quality_scan()
        assert not DataQualityFlag.objects.filter(employee=org.peer, resolved_at__isnull=True).exists()

    def test_duplicate_open_flags_from_racing_scans_are_removed(self, everyone_healthy):
        CareerAspiration.objects.filter(employee=everyone_healthy.peer).delete()
        quality_scan()
        (flag,) = open_flags(Kind.NO_ASPIRATION)
        DataQualityFlag.objects.create(kind=flag.kind, employee=flag.employee, detail=flag.detail)
        quality_scan()
        assert [f.pk for f in open_flags(Kind.NO_ASPIRATION)] == [flag.pk]

    def test_the_wording_follows_the_data_without_reopening(self, everyone_healthy):
        SkillEvidence.objects.filter(employee=everyone_healthy.peer).delete()
        quality_scan()
        (flag,) = open_flags(Kind.STALE_EVIDENCE)
        observe(everyone_healthy.peer, days_ago(500))
        quality_scan()
        (again,) = open_flags(Kind.STALE_EVIDENCE)
        assert again.pk == flag.pk and "Newest skill evidence is from" in again.detail

    def test_every_kind_of_flag_has_a_check(self, org):
        # stale_analysis comes from the gap engine (recommendations/quality.py)
        assert {check.kind for check in CHECKS} == set(Kind.values)


def test_the_scan_costs_the_same_queries_for_any_number_of_people(org, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_a_scan():
        with CaptureQueriesContext(connection) as captured:
            quality_scan()
        return len(captured.captured_queries)

    make_healthy(*Employee.objects.all())
    quality_scan()
    small = queries_for_a_scan()
    for _ in range(12):
        person = EmployeeFactory(manager=org.manager)
        make_healthy(person)
    assert queries_for_a_scan() - small <= 2  # at most the inserts of a few more flags, never one per person


class TestCommandAndTask:
    def test_scan_quality_prints_counts_by_kind(self, org):
        out = StringIO()
        call_command("scan_quality", stdout=out)
        text = out.getvalue()
        assert "No career aspiration" in text and "Scan finished" in text
        assert DataQualityFlag.objects.filter(kind=Kind.NO_ASPIRATION).count() == Employee.objects.count()

    def test_dry_run_saves_nothing(self, org):
        out = StringIO()
        call_command("scan_quality", "--dry-run", stdout=out)
        assert "Dry run" in out.getvalue()
        assert not DataQualityFlag.objects.exists()
        assert last_scan_at() is None

    def test_the_task_runs_the_scan(self, org):
        counts = tasks.quality_scan_task()
        assert counts[Kind.NO_ASPIRATION]["new"] == Employee.objects.count()

    def test_the_task_runs_through_django_q(self, org):
        from django_q.tasks import async_task, result

        task_id = async_task("profiles.tasks.quality_scan_task")  # sync under tests
        assert result(task_id)[Kind.NO_ASPIRATION]["open"] == Employee.objects.count()

    def test_the_drop_folder_task_calls_the_sync_command(self, monkeypatch):
        calls = []
        monkeypatch.setattr(tasks, "call_command", lambda *args, **kwargs: calls.append(args))
        tasks.drop_folder_sync_task()
        assert calls == [("sync_drop_folder",)]


class TestQualityPage:
    url = reverse("quality:flags")

    def test_it_is_for_hr_only(self, client, org):
        assert client.get(self.url).status_code == 302  # to sign-in
        client.force_login(org.employee.user)
        assert client.get(self.url).status_code == 403
        client.force_login(org.manager.user)
        assert client.get(self.url).status_code == 403
        client.force_login(org.hr_user)
        assert client.get(self.url).status_code == 200

    def test_before_the_first_scan_it_says_how_to_run_it(self, client, org):
        client.force_login(org.hr_user)
        assert "python manage.py scan_quality" in client.get(self.url).content.decode()

    def test_with_nothing_open_it_says_when_the_scan_ran(self, client, org):
        quality_scan()
        DataQualityFlag.objects.update(resolved_at=timezone.now())
        client.force_login(org.hr_user)
        page = client.get(self.url).content.decode()
        assert "No open flags — the last scan ran at" in page

    def test_it_shows_counts_and_filters_by_kind(self, client, everyone_healthy):
        org = everyone_healthy
        CareerAspiration.objects.filter(employee__in=[org.peer, org.outsider]).delete()
        Employee.objects.filter(pk=org.employee.pk).update(role=None)
        quality_scan()
        client.force_login(org.hr_user)
        response = client.get(self.url)
        counts = {value: count for value, _label, count in response.context["cards"]}
        assert counts[Kind.NO_ASPIRATION] == 2 and counts[Kind.ROLE_NOT_IN_TAXONOMY] == 1
        assert response.context["total"] == 3
        page = response.content.decode()
        assert f'href="{reverse("portal:detail", args=[org.peer.pk])}"' in page
        assert f"?kind={Kind.NO_ASPIRATION}" in page

        response = client.get(self.url, {"kind": Kind.ROLE_NOT_IN_TAXONOMY})
        assert [flag.employee for flag in response.context["page"]] == [org.employee]
        assert client.get(self.url, {"kind": "nonsense"}).context["page"].paginator.count == 3

    def test_it_paginates(self, client, org):
        DataQualityFlag.objects.bulk_create(
            DataQualityFlag(kind=Kind.DUPLICATE_COURSE, subject=f"course-{n}", detail="x") for n in range(60)
        )
        client.force_login(org.hr_user)
        first = client.get(self.url, {"kind": Kind.DUPLICATE_COURSE})
        assert len(first.context["page"]) == 50 and "page=2" in first.content.decode()
        second = client.get(self.url, {"kind": Kind.DUPLICATE_COURSE, "page": 2})
        assert len(second.context["page"]) == 10

    @pytest.mark.parametrize("flags", [3, 120])
    def test_its_queries_do_not_grow_with_the_flags(self, client, org, flags, django_assert_num_queries):
        quality_scan()  # for "last scan"
        people = list(Employee.objects.all())
        DataQualityFlag.objects.bulk_create(
            DataQualityFlag(kind=Kind.STALE_ANALYSIS, employee=people[n % len(people)], detail="x")
            for n in range(flags)
        )
        client.force_login(org.hr_user)
        # session, user, HR group, viewer's employee (nav); counts by kind, page count, rows, last scan
        with django_assert_num_queries(8):
            response = client.get(self.url)
        assert response.status_code == 200
