"""The outcomes loop: accept, dismiss, complete, flag, deliver, and completions from the LMS."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import recommendations.outcome_receivers  # noqa: F401  connects the LMS-completion receiver
from profiles.models import LearningRecord, SkillEvidence
from profiles.signals import profile_changed
from profiles.tests.factories import EmployeeFactory
from recommendations import outcomes
from recommendations.models import (
    AnalysisRun,
    EmployeeAnalysis,
    Flag,
    LearningResource,
    Recommendation,
    ResourceSkill,
    ReviewItem,
)
from taxonomy.tests.factories import SkillFactory

pytestmark = pytest.mark.django_db

Status = Recommendation.Status
ACTIVITY = "https://lms.demo.example/courses/sql-for-analysts-joins-and-aggregations"


@pytest.fixture
def course():
    item = LearningResource.objects.create(
        title="SQL for analysts: joins and aggregations",
        kind="course",
        format="self_paced",
        hours=3,
        provider="Internal Academy",
        url=ACTIVITY,
        activity_id=ACTIVITY,
    )
    ResourceSkill.objects.create(resource=item, skill=SkillFactory(name="SQL"), from_level=1, to_level=2)
    return item


def recommend(
    employee, resource, *, status=Status.DELIVERED, current_level=1.4, rank=1, reason=None, skill=None, shown=True
):
    return Recommendation.objects.create(
        employee=employee,
        resource=resource,
        skill=skill or resource.skills.first().skill,
        goal="current",
        current_level=current_level,
        reaches_level=2,
        gap_priority=0.8,
        score=0.7,
        confidence=0.62,
        rank=rank,
        shown=shown,
        reason=reason or f"{resource.title} takes SQL from 1 to 2, which your role needs.",
        scorer="heuristic",
        status=status,
        created_at=timezone.now() - datetime.timedelta(days=3),
        delivered_at=timezone.now() - datetime.timedelta(days=2) if status == Status.DELIVERED else None,
    )


@pytest.fixture
def signals_sent():
    sent = []

    def listen(sender, *, employee_ids, what, source, **kwargs):
        sent.append({"employee_ids": employee_ids, "what": what, "source": source})

    profile_changed.connect(listen, dispatch_uid="test_outcomes.listen")
    yield sent
    profile_changed.disconnect(dispatch_uid="test_outcomes.listen")


class TestAccept:
    def test_it_records_the_first_action(self, org, course):
        recommendation = recommend(org.employee, course)

        accepted = outcomes.recommendation_accept(recommendation=recommendation, by=org.employee.user)

        assert accepted.status == Status.ACCEPTED and accepted.acted_at is not None
        recommendation.refresh_from_db()
        assert recommendation.status == Status.ACCEPTED

    @pytest.mark.parametrize(
        ("status", "why"),
        [
            (Status.PROPOSED, "it has not been delivered yet"),
            (Status.DISMISSED, "it was dismissed"),
            (Status.COMPLETED, "it is already completed"),
            (Status.IN_REVIEW, "it is still waiting for HR review"),
            (Status.WITHDRAWN, "it was replaced by newer recommendations"),
            (Status.ACCEPTED, "it is already accepted"),
        ],
    )
    def test_it_refuses_what_cannot_be_accepted(self, org, course, status, why):
        recommendation = recommend(org.employee, course, status=status)

        with pytest.raises(ValidationError) as error:
            outcomes.recommendation_accept(recommendation=recommendation, by=org.employee.user)

        assert error.value.messages == [f"“{course.title}” cannot be accepted: {why}."]


class TestDismiss:
    def test_it_keeps_the_reason_and_the_first_action_time(self, org, course):
        recommendation = recommend(org.employee, course)
        accepted = outcomes.recommendation_accept(recommendation=recommendation, by=org.employee.user)

        dismissed = outcomes.recommendation_dismiss(
            recommendation=recommendation, by=org.employee.user, reason="  I took this course last year.  "
        )

        assert dismissed.status == Status.DISMISSED
        assert dismissed.dismissed_reason == "I took this course last year."
        assert dismissed.acted_at == accepted.acted_at

    def test_a_reason_is_required(self, org, course):
        recommendation = recommend(org.employee, course)

        with pytest.raises(ValidationError) as error:
            outcomes.recommendation_dismiss(recommendation=recommendation, by=org.employee.user, reason="  ")

        assert "Say why it is dismissed" in error.value.message_dict["reason"][0]
        recommendation.refresh_from_db()
        assert recommendation.status == Status.DELIVERED and recommendation.acted_at is None

    def test_a_completed_recommendation_cannot_be_dismissed(self, org, course):
        recommendation = recommend(org.employee, course, status=Status.COMPLETED)

        with pytest.raises(ValidationError, match="cannot be dismissed: it is already completed"):
            outcomes.recommendation_dismiss(recommendation=recommendation, by=org.employee.user, reason="No")


class TestComplete:
    def test_it_adds_a_learning_record_and_evidence_one_level_up_then_asks_for_a_recompute(
        self, org, course, django_capture_on_commit_callbacks, signals_sent
    ):
        recommendation = recommend(org.employee, course, current_level=1.4)

        with django_capture_on_commit_callbacks(execute=True):
            completed = outcomes.recommendation_complete(recommendation=recommendation, by=org.employee.user)

        assert completed.status == Status.COMPLETED
        assert completed.completed_at is not None and completed.acted_at == completed.completed_at
        record = LearningRecord.objects.get(employee=org.employee)
        assert (record.activity_id, record.status, record.minutes) == (ACTIVITY, "completed", 180)
        evidence = SkillEvidence.objects.get(employee=org.employee)
        assert (evidence.skill.name, evidence.level, evidence.source, evidence.confidence) == (
            "SQL",
            2,
            "learning",
            0.6,
        )
        assert evidence.recorded_by == org.employee.user
        assert {"employee_ids": [org.employee.pk], "what": "evidence", "source": "portal"} in signals_sent

    def test_the_evidence_is_capped_one_level_above_where_the_employee_stood(self, org, course):
        course.skills.update(from_level=0, to_level=4)
        recommendation = recommend(org.employee, course, current_level=0.6)

        outcomes.recommendation_complete(recommendation=recommendation, by=None)

        assert SkillEvidence.objects.get(employee=org.employee).level == 1

    def test_an_lms_record_already_there_is_not_duplicated(self, org, course):
        LearningRecord.objects.create(
            employee=org.employee,
            activity_id=ACTIVITY,
            title=course.title,
            status="passed",
            completed_at=timezone.now(),
        )
        recommendation = recommend(org.employee, course)

        outcomes.recommendation_complete(recommendation=recommendation, by=None)

        assert LearningRecord.objects.filter(employee=org.employee).count() == 1
        assert SkillEvidence.objects.filter(employee=org.employee, source="learning").count() == 1

    def test_a_dismissed_recommendation_cannot_be_completed(self, org, course):
        recommendation = recommend(org.employee, course, status=Status.DISMISSED)

        with pytest.raises(ValidationError, match="cannot be completed: it was dismissed"):
            outcomes.recommendation_complete(recommendation=recommendation, by=None)

        assert not SkillEvidence.objects.exists() and not LearningRecord.objects.exists()

    def test_it_cannot_be_completed_twice(self, org, course):
        recommendation = recommend(org.employee, course)
        outcomes.recommendation_complete(recommendation=recommendation, by=None)

        with pytest.raises(ValidationError, match="it is already completed"):
            outcomes.recommendation_complete(recommendation=recommendation, by=None)

        assert SkillEvidence.objects.count() == 1


class TestFlags:
    def test_a_flagged_recommendation_lands_in_hrs_queue(self, org, course):
        recommendation = recommend(org.employee, course)

        flag = outcomes.recommendation_flag(recommendation=recommendation, by=org.manager.user, reason="Wrong level")

        assert (flag.target, flag.employee, flag.recommendation, flag.raised_by) == (
            "recommendation",
            org.employee,
            recommendation,
            org.manager.user,
        )
        item = ReviewItem.objects.get(employee=org.employee, status="pending")
        assert (item.kind, item.reason, item.confidence) == ("recommendation", "flagged", 0.62)

    def test_a_second_flag_refreshes_the_pending_item_rather_than_adding_one(self, org, course):
        recommendation = recommend(org.employee, course)
        outcomes.recommendation_flag(recommendation=recommendation, by=org.manager.user, reason="Wrong level")

        outcomes.recommendation_flag(recommendation=recommendation, by=org.hr_user, reason="Also too long")

        assert Flag.objects.count() == 2
        assert ReviewItem.objects.filter(employee=org.employee, status="pending").count() == 1

    def test_a_flagged_gap_puts_the_current_analysis_back_in_review(self, org):
        skill = SkillFactory(name="Forecasting")
        run = AnalysisRun.objects.create(scope="full", status="succeeded")
        EmployeeAnalysis.objects.create(
            employee=org.employee,
            run=run,
            visible_run=run,
            computed_at=timezone.now(),
            confidence=0.8,
            review_status="auto",
        )
        ReviewItem.objects.create(
            kind="gap_analysis", employee=org.employee, run=run, reason="low_confidence", confidence=0.4
        )

        flag = outcomes.gap_flag(employee=org.employee, skill=skill, by=org.manager.user, reason="Not needed here")

        assert (flag.target, flag.skill, flag.recommendation) == ("gap", skill, None)
        item = ReviewItem.objects.get(employee=org.employee, status="pending")
        assert (item.kind, item.reason, item.run, item.confidence) == ("gap_analysis", "flagged", run, 0.8)

    @pytest.mark.parametrize("service", ["recommendation", "gap"])
    def test_a_flag_needs_a_reason(self, org, course, service):
        with pytest.raises(ValidationError) as error:
            if service == "gap":
                outcomes.gap_flag(employee=org.employee, skill=SkillFactory(), by=org.hr_user, reason="")
            else:
                outcomes.recommendation_flag(recommendation=recommend(org.employee, course), by=org.hr_user, reason="")

        assert "reason" in error.value.message_dict
        assert not Flag.objects.exists() and not ReviewItem.objects.exists()


class TestDeliver:
    def test_each_employee_gets_one_email_naming_their_picks_and_why(self, org, course, mailoutbox):
        mentoring = LearningResource.objects.create(
            title="Mentoring in SQL with Ada",
            kind="mentorship",
            format="one_to_one",
            hours=12,
            mentor=org.manager,
        )
        ResourceSkill.objects.create(resource=mentoring, skill=course.skills.first().skill, from_level=2, to_level=3)
        picks = [
            recommend(org.employee, course, status=Status.PROPOSED, rank=1, reason="Your role needs SQL at 2."),
            recommend(org.employee, mentoring, status=Status.PROPOSED, rank=2, reason="Ada can take you to 3."),
            recommend(org.peer, course, status=Status.IN_REVIEW, reason="The team plan needs SQL."),
        ]
        now = timezone.now()

        delivered = outcomes.recommendations_deliver(recommendation_ids=[p.pk for p in picks], now=now)

        assert len(delivered) == 3
        assert set(Recommendation.objects.values_list("status", "delivered_at")) == {(Status.DELIVERED, now)}
        assert sorted(message.to[0] for message in mailoutbox) == sorted([org.employee.email, org.peer.email])
        [mail] = [message for message in mailoutbox if message.to == [org.employee.email]]
        assert mail.subject == f"2 learning picks for you, {org.employee.first_name}"
        assert mail.body.index(course.title) < mail.body.index("Mentoring in SQL with Ada")
        assert "Why: Your role needs SQL at 2." in mail.body and "Why: Ada can take you to 3." in mail.body
        html, mime = mail.alternatives[0]
        assert mime == "text/html" and "Ada can take you to 3." in html and f'href="{ACTIVITY}"' in html

    def test_delivering_again_sends_nothing(self, org, course, mailoutbox):
        pick = recommend(org.employee, course, status=Status.PROPOSED)
        outcomes.recommendations_deliver(recommendation_ids=[pick.pk], now=timezone.now())

        again = outcomes.recommendations_deliver(recommendation_ids=[pick.pk], now=timezone.now())

        assert again == [] and len(mailoutbox) == 1

    def test_acted_on_and_withdrawn_picks_and_leavers_are_not_delivered(self, org, course, mailoutbox):
        leaver = EmployeeFactory(status="left")
        picks = [
            recommend(org.employee, course, status=Status.ACCEPTED),
            recommend(org.peer, course, status=Status.WITHDRAWN),
            recommend(leaver, course, status=Status.PROPOSED),
        ]

        assert outcomes.recommendations_deliver(recommendation_ids=[p.pk for p in picks], now=timezone.now()) == []
        assert mailoutbox == []


class TestTheDailyEmail:
    def test_each_employee_hears_once_about_the_picks_the_recompute_delivered(self, org, course, mailoutbox):
        now = timezone.now()
        fresh = [
            recommend(org.employee, course, rank=1, reason="Your role needs SQL at 2."),
            recommend(org.employee, course, rank=4, shown=False, reason="On request only."),
            recommend(org.peer, course, reason="The team plan needs SQL."),
        ]
        stale = recommend(org.manager, course)
        Recommendation.objects.filter(pk=stale.pk).update(delivered_at=now - datetime.timedelta(days=30))
        progress = []

        sent = outcomes.delivery_digest(now=now, progress=lambda done, total: progress.append((done, total)))

        assert sent == 2 and progress == [(2, 2)]
        assert sorted(message.to[0] for message in mailoutbox) == sorted([org.employee.email, org.peer.email])
        [mail] = [message for message in mailoutbox if message.to == [org.employee.email]]
        assert "Your role needs SQL at 2." in mail.body and "On request only." not in mail.body
        assert {pick.pk for pick in fresh} == set(
            Recommendation.objects.filter(emailed_at=now).values_list("pk", flat=True)
        )
        assert outcomes.delivery_digest(now=timezone.now()) == 0 and len(mailoutbox) == 2

    def test_a_mail_server_that_refuses_leaves_the_picks_for_the_next_run(self, org, course, settings):
        recommend(org.employee, course)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there

        with pytest.raises(OSError):
            outcomes.delivery_digest(now=timezone.now())

        assert not Recommendation.objects.filter(emailed_at__isnull=False).exists()


class TestCompletionsFromTheLms:
    def lms_completion(self, employee, *, status="completed", activity_id=ACTIVITY, **extra):
        return LearningRecord.objects.create(
            employee=employee,
            activity_id=activity_id,
            title="SQL for analysts",
            status=status,
            source="xapi",
            external_id=f"xapi:{LearningRecord.objects.count() + 1}",
            completed_at=timezone.now(),
            **extra,
        )

    def deliver_statement(self, capture, employee_ids, what="learning"):
        with capture(execute=True):
            profile_changed.send(sender=None, employee_ids=employee_ids, what=what, source="xapi")

    def test_an_xapi_completion_completes_the_open_recommendation_and_adds_evidence(
        self, org, course, django_capture_on_commit_callbacks
    ):
        recommendation = recommend(org.employee, course, status=Status.ACCEPTED)
        record = self.lms_completion(org.employee)

        self.deliver_statement(django_capture_on_commit_callbacks, [org.employee.pk])

        recommendation.refresh_from_db()
        assert recommendation.status == Status.COMPLETED
        assert recommendation.completed_at == record.completed_at and recommendation.acted_at is not None
        evidence = SkillEvidence.objects.get(employee=org.employee)
        assert (evidence.level, evidence.source, evidence.confidence) == (2, "learning", 0.6)
        assert LearningRecord.objects.count() == 1  # the LMS's record, not a second one

    def test_it_leaves_other_peoples_and_closed_recommendations_alone(
        self, org, course, django_capture_on_commit_callbacks
    ):
        dismissed = recommend(org.employee, course, status=Status.DISMISSED)
        someone_else = recommend(org.peer, course)
        self.lms_completion(org.employee)

        self.deliver_statement(django_capture_on_commit_callbacks, [org.employee.pk])

        assert Recommendation.objects.get(pk=dismissed.pk).status == Status.DISMISSED
        assert Recommendation.objects.get(pk=someone_else.pk).status == Status.DELIVERED  # not recomputed
        assert not SkillEvidence.objects.exists()

    @pytest.mark.parametrize("case", ["failed", "in progress", "old", "other activity", "not learning"])
    def test_only_a_recent_completion_of_the_item_counts(self, org, course, django_capture_on_commit_callbacks, case):
        recommendation = recommend(org.employee, course)
        record = self.lms_completion(
            org.employee,
            status={"failed": "failed", "in progress": "in_progress"}.get(case, "completed"),
            activity_id="https://lms.demo.example/courses/other" if case == "other activity" else ACTIVITY,
        )
        if case == "old":
            LearningRecord.objects.filter(pk=record.pk).update(received_at=timezone.now() - datetime.timedelta(hours=2))

        what = "evidence" if case == "not learning" else "learning"
        self.deliver_statement(django_capture_on_commit_callbacks, [org.employee.pk], what=what)

        # (The recompute the signal also asks for may withdraw it; it is never completed.)
        assert Recommendation.objects.get(pk=recommendation.pk).status != Status.COMPLETED
        assert not SkillEvidence.objects.filter(source="learning").exists()

    def test_a_file_of_completions_costs_as_many_queries_for_twenty_people_as_for_two(
        self, course, django_capture_on_commit_callbacks
    ):
        def deliver(people):
            employees = EmployeeFactory.create_batch(people)
            picks = [recommend(employee, course) for employee in employees]
            for employee in employees:
                self.lms_completion(employee)
            with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks():
                profile_changed.send(
                    sender=None, employee_ids=[e.pk for e in employees], what="learning", source="file"
                )
            return picks, len(queries)

        few, few_queries = deliver(2)
        many, many_queries = deliver(20)

        assert many_queries == few_queries
        completed = Recommendation.objects.filter(pk__in=[pick.pk for pick in few + many], status=Status.COMPLETED)
        assert completed.count() == 22
        assert SkillEvidence.objects.filter(source="learning", level=2).count() == 22

    def test_the_service_completes_every_open_recommendation_of_the_item(self, org, course):
        python = SkillFactory(name="Python")
        ResourceSkill.objects.create(resource=course, skill=python, from_level=0, to_level=1)
        for_sql = recommend(org.employee, course)
        for_python = recommend(org.employee, course, skill=python, current_level=0.2, rank=2)

        completed = outcomes.learning_completed_from_lms(learning_record=self.lms_completion(org.employee))

        assert {r.pk for r in completed} == {for_sql.pk, for_python.pk}
        assert set(SkillEvidence.objects.values_list("skill__name", "level")) == {("SQL", 2), ("Python", 1)}
