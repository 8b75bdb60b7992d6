"""The cadence running itself: a scheduled task opens each period's deep reviews for everyone
(once), and managers get one e-mail of what is due for their team."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feedback import tasks
from feedback.cadence_tasks import deep_reviews_open_due, manager_digests_send, period_of
from feedback.models import CheckIn, DeepReview, FeedbackAsk, FeedbackRequest, ManagerDigest, ReviewCycle
from profiles.models import Employee
from profiles.tests.factories import EmployeeFactory
from recommendations.models import EngineSettings
from talent.management.commands.setup_schedules import SCHEDULES
from talent.task_allowlist import is_allowed

pytestmark = pytest.mark.django_db

DEC_3 = date(2026, 12, 3)


class TestPeriods:
    @pytest.mark.parametrize(
        ("months", "expected"),
        [
            (3, (date(2026, 10, 1), date(2026, 12, 31), "2026 Q4")),
            (6, (date(2026, 7, 1), date(2026, 12, 31), "2026 H2")),
            (12, (date(2026, 1, 1), date(2026, 12, 31), "2026")),
            (1, (date(2026, 12, 1), date(2026, 12, 31), "2026-12")),
            (2, (date(2026, 11, 1), date(2026, 12, 31), "2026 P6")),
            (5, (date(2026, 11, 1), date(2026, 12, 31), "2026 P3")),  # the year's last period is short
        ],
    )
    def test_the_period_a_day_falls_in(self, months, expected):
        assert period_of(DEC_3, months) == expected

    def test_a_period_outside_one_to_twelve_months_is_refused(self):
        with pytest.raises(ValueError, match="1 to 12 months, not 13"):
            period_of(DEC_3, 13)


class TestOpening:
    def test_the_task_opens_the_quarters_reviews_for_everyone_once(self, org):
        first = deep_reviews_open_due(today=DEC_3)
        active = Employee.objects.active().count()
        assert first == {"cycle": "2026 Q4", "created": True, "opened": active}
        cycle = ReviewCycle.objects.get()
        assert (cycle.period_start, cycle.period_end) == (date(2026, 10, 1), date(2026, 12, 31))
        assert cycle.self_due_on == DEC_3 + timedelta(days=14) and cycle.manager_due_on == DEC_3 + timedelta(days=28)
        assert len(cycle.question_list) == 3
        assert deep_reviews_open_due(today=DEC_3 + timedelta(days=1)) == {
            "cycle": "2026 Q4",
            "created": False,
            "opened": 0,
        }
        assert DeepReview.objects.count() == active and ReviewCycle.objects.count() == 1
        EmployeeFactory(manager=org.manager)  # hired since: theirs opens the next morning
        assert deep_reviews_open_due(today=DEC_3 + timedelta(days=2))["opened"] == 1

    def test_the_period_is_an_engine_setting_and_hrs_own_cycle_is_used(self, org):
        EngineSettings.objects.update_or_create(pk=1, defaults={"review_every_months": 6})
        hr_cycle = ReviewCycle.objects.create(
            name="Second half 2026",
            period_start=date(2026, 7, 1),
            period_end=date(2026, 12, 31),
            self_due_on=DEC_3,
            manager_due_on=DEC_3,
            cohort="pilot",
        )
        org.employee.cohort = "pilot"
        org.employee.save()
        assert deep_reviews_open_due(today=DEC_3) == {"cycle": "Second half 2026", "created": False, "opened": 1}
        assert list(DeepReview.objects.values_list("cycle", "employee")) == [(hr_cycle.pk, org.employee.pk)]

    def test_opening_is_set_based_the_same_queries_for_five_or_thirty_people(self, org):
        def queries_to_open(today):
            with CaptureQueriesContext(connection) as captured:
                assert deep_reviews_open_due(today=today)["opened"] > 0
            return len(captured)

        queries_to_open(date(2026, 2, 1))  # the first makes the engine settings' row
        small = queries_to_open(date(2026, 5, 1))
        for _ in range(25):
            EmployeeFactory(manager=org.manager, role=org.employee.role)
        assert queries_to_open(date(2026, 8, 1)) == small

    def test_the_schedule_runs_the_task_daily_and_the_allow_list_lets_it(self):
        spec = next(s for s in SCHEDULES if s.func == "feedback.tasks.deep_reviews_open")
        assert spec.cron == "0 6 * * *" and is_allowed(spec.func)
        assert "opened" in tasks.deep_reviews_open()


class TestDigest:
    def test_each_manager_gets_one_email_of_what_is_due_and_a_second_run_sends_nothing(self, org, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        today = timezone.localdate()
        deep_reviews_open_due(today=today)
        CheckIn.objects.create(employee=org.peer, manager=org.manager, held_on=today - timedelta(days=3))
        request = FeedbackRequest.objects.create(subject=org.outsider, due_on=today + timedelta(days=5))
        FeedbackAsk.objects.create(request=request, respondent=org.manager)
        assert manager_digests_send(today=today) >= 2  # the manager, the director, the outsider's manager
        to_manager = [m for m in mail.outbox if m.to == [org.manager.email]]
        assert len(to_manager) == 1
        message = to_manager[0]
        reports = Employee.objects.active().filter(manager=org.manager).count()
        assert f"{reports - 1} direct report" in message.body  # the peer had a check-in
        assert f"{reports} quarterly deep review" in message.body
        assert "1 feedback request waiting for your answer" in message.body
        assert "overdue" in message.subject and "/feedback/reviews/" in message.alternatives[0][0]
        digest = ManagerDigest.objects.get(manager=org.manager)
        assert (digest.checkins_overdue, digest.reviews_open, digest.asks_open) == (reports - 1, reports, 1)
        sent = len(mail.outbox)
        assert manager_digests_send(today=today) == 0 and len(mail.outbox) == sent
        assert not [m for m in mail.outbox if m.to == [org.employee.email]]  # no reports: no digest

    def test_a_manager_with_nothing_due_gets_nothing(self, org, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        today = timezone.localdate()
        for person in Employee.objects.active().filter(manager__isnull=False):
            CheckIn.objects.create(employee=person, manager=person.manager, held_on=today)
        assert manager_digests_send(today=today) == 0 and mail.outbox == []

    def test_the_digest_is_scheduled_weekly(self):
        spec = next(s for s in SCHEDULES if s.func == "feedback.tasks.manager_digests")
        assert spec.cron == "30 7 * * 1" and is_allowed(spec.func)
