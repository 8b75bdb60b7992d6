"""Pages say what they show (issue 17): which analysis HR approves, no "you" about someone else,
one way of writing a confidence and hours, closed opportunities gone, /team/'s waiting state."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.tests.fixtures import analysed, team  # noqa: F401  (fixtures)
from portal.briefing import agenda_build
from portal.templatetags.talent import hours
from profiles.models import SkillEvidence
from recommendations import analysis
from recommendations.models import EmployeeAnalysis, EngineSettings, Opportunity, OpportunityMatch, ReviewItem

pytestmark = pytest.mark.django_db


def page_of(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def newer_analysis_waiting(analysed):  # noqa: F811
    """The employee's analysis was released; a newer one (after new evidence) waits for HR."""
    org, lead, stakeholders = analysed
    EngineSettings.objects.update_or_create(pk=1, defaults={"pilot_mode": True})
    SkillEvidence.objects.create(
        employee=org.employee, skill=stakeholders, level=3, source="assessment", observed_at=timezone.now()
    )
    analysis.recompute(trigger="test")
    pointer = EmployeeAnalysis.objects.get(employee=org.employee)
    assert pointer.visible_run_id and pointer.run_id != pointer.visible_run_id
    item = ReviewItem.objects.filter(employee=org.employee, kind="gap_analysis", status="pending").latest("pk")
    return org, item


class TestHrReviewItem:
    def test_it_shows_the_pending_analysis_beside_the_released_one_and_what_changed(
        self, client, newer_analysis_waiting
    ):
        org, item = newer_analysis_waiting
        page = page_of(client, org.hr_user, reverse("recommendations:review_item", args=[item.pk]))
        assert "What this analysis changes" in page
        assert "Waiting for review" in page and "Released, shown now" in page
        assert "is waiting for HR review" in page  # the pending column says so, not "the last one released"
        assert "Stakeholder management</strong>: level 1 → 2" in page or "Stakeholder management</strong>:" in page

    def test_the_decision_names_hr_in_capitals_and_the_person_by_name(self, client, newer_analysis_waiting):
        org, item = newer_analysis_waiting
        client.force_login(org.hr_user)
        response = client.post(
            reverse("recommendations:review_decide", args=[item.pk]), {"decision": "approved"}, follow=True
        )
        assert f"{org.employee.full_name}: approved by HR." in response.content.decode()


class TestPagesAboutSomeoneElse:
    def test_a_managers_view_of_a_profile_never_says_you(self, client, analysed):  # noqa: F811
        org, *_ = analysed
        page = page_of(client, org.manager.user, reverse("portal:detail", args=[org.employee.pk]))
        assert f"What {org.employee.first_name} should work on" in page
        assert f"Where {org.employee.first_name} can go" in page
        for phrase in ("Where you can go", "your stated goal", "your current role", "your gap priority"):
            assert phrase not in page, phrase

    def test_the_agenda_keeps_a_skill_name_as_written(self):
        from types import SimpleNamespace

        gap = SimpleNamespace(
            skill=SimpleNamespace(name="SQL"), skill_id=1, shown_current=1, goal_level=3, confidence=0.2
        )
        agenda = agenda_build(
            gaps=[gap],
            evidence_on_top_gap=0,
            recommendations={},
            aspiration=None,
            goal_path=None,
            last_checkin=None,
            open_contests=[],
            since_label="since 1 Oct",
        )
        check = next(item for item in agenda if item["title"] == "Check the evidence")
        assert check["detail"] == "SQL has low confidence (20%)."


class TestOpportunities:
    def test_a_closed_opportunity_is_not_offered_and_an_open_one_says_when_it_closes_and_what_is_missing(
        self,
        client,
        analysed,  # noqa: F811
    ):
        org, *_ = analysed
        match = OpportunityMatch.objects.filter(employee=org.employee, rank_for_employee__isnull=False).first()
        assert match is not None
        Opportunity.objects.filter(pk=match.opportunity_id).update(closes_on=timezone.localdate() + timedelta(days=9))
        page = page_of(client, org.employee.user, reverse("portal:me"))
        closes = timezone.localdate() + timedelta(days=9)
        assert f"Closes {closes.day} {closes:%b %Y}" in page and "Still missing:" in page
        assert "gap priority" not in page
        opportunity = Opportunity.objects.get(pk=match.opportunity_id)
        opportunity.closes_on = timezone.localdate() - timedelta(days=2)  # (the page key holds today's date too)
        opportunity.save()
        page = page_of(client, org.employee.user, reverse("portal:me"))
        assert match.opportunity.title not in page


class TestTeam:
    def test_an_analysis_held_in_review_reads_waiting_for_hr_review(self, client, analysed):  # noqa: F811
        org, *_ = analysed
        EmployeeAnalysis.objects.filter(employee=org.employee).update(visible_run=None)
        page = page_of(client, org.manager.user, reverse("portal:team"))
        assert "waiting for HR review" in page and "not computed yet" not in page


class TestOneWayOfWriting:
    @pytest.mark.parametrize(("value", "shown"), [(0.75, "0.75 h"), (200, "200 h"), (1.5, "1.5 h"), (None, "")])
    def test_hours_are_written_as_the_pick_sentences_write_them(self, value, shown):
        assert hours(value) == shown

    def test_a_confidence_of_zero_says_there_is_no_evidence_and_every_confidence_is_explained(
        self,
        client,
        analysed,  # noqa: F811
    ):
        org, *_ = analysed
        page = page_of(client, org.manager.user, reverse("portal:briefing", args=[org.employee.pk]))
        assert "confidence 0%" not in page.lower()
        assert "What “confidence” means" in page
