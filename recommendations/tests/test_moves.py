"""Internal moves: interest from /me/, the owner's candidates, decline with a reason, placement.

The opportunity is posted by ``outsider_manager`` (a hiring manager in another branch), so the
employee's own manager is not its owner: they see the interest only if the employee tells them.
"""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from feedback.tests.fixtures import recommendation_for
from metrics.capability_services import capability_take
from metrics.models import Metric, MetricSnapshot
from metrics.services import snapshot_take
from profiles.access import may_see_interest
from profiles.models import BusinessUnit, Employee, RoleAssignment, SkillDemand, SkillEvidence
from recommendations import analysis, moves
from recommendations.candidates import candidates
from recommendations.models import Candidacy, EngineSettings, Opportunity, Placement, PlannedMove, Recommendation
from taxonomy.models import Skill
from taxonomy.tests.factories import RequirementFactory, RoleFactory, SkillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted(org):
    """A Team Lead opening posted by another branch's manager; the employee is matched to it."""
    settings = EngineSettings.load()
    settings.pilot_mode = False
    settings.review_threshold = 0.0
    settings.save()
    sql, coaching = SkillFactory(name="SQL"), SkillFactory(name="Coaching")
    RequirementFactory(role=org.employee.role, skill=sql, target_level=3, importance=5, core=True)
    lead = RoleFactory(title="Team Lead", family=org.employee.role.family, grade=org.employee.role.grade + 1)
    RequirementFactory(role=lead, skill=sql, target_level=3, importance=5, core=True)
    RequirementFactory(role=lead, skill=coaching, target_level=3, importance=4, core=True)
    now = timezone.now()
    for person in (org.employee, org.peer):
        SkillEvidence.objects.create(
            employee=person, skill=sql, level=3, source="manager", observed_at=now - timedelta(days=20)
        )
        SkillEvidence.objects.create(
            employee=person, skill=coaching, level=2, source="manager", observed_at=now - timedelta(days=20)
        )
    RoleAssignment.objects.create(
        employee=org.employee, role=org.employee.role, start_date=now.date() - timedelta(days=700)
    )
    opening = Opportunity.objects.create(
        title="Team Lead, Payments", kind="role", role=lead, posted_by=org.outsider_manager
    )
    analysis.recompute(trigger="test")
    return opening


def express(client, org, opening, **form):
    client.force_login(org.employee.user)
    return client.post(reverse("portal:interest_express", args=[opening.pk]), form)


def test_an_employee_says_they_are_interested_from_me_and_their_manager_is_not_told_by_default(client, org, posted):
    client.force_login(org.employee.user)
    page = client.get(reverse("portal:me")).content.decode()
    assert "I am interested" in page and "Still missing: Coaching" in page  # readiness and the open gaps
    response = express(client, org, posted)
    assert response.status_code == 302
    candidacy = Candidacy.objects.get(employee=org.employee, opportunity=posted)
    assert candidacy.status == "interested" and not candidacy.tell_manager and 0 < candidacy.readiness < 1
    page = client.get(reverse("portal:me")).content.decode()
    assert "You said you are interested" in page and "your manager is not told" in page
    assert not may_see_interest(org.manager.user, org.employee, owner_id=posted.posted_by_id, manager_told=False)
    client.force_login(org.manager.user)
    briefing = client.get(reverse("portal:briefing", args=[org.employee.pk])).content.decode()
    assert "Team Lead, Payments" not in briefing.split("In their own words")[0].split("goals-heading")[1]


def test_a_report_who_tells_their_manager_shows_up_in_the_briefing(client, org, posted):
    express(client, org, posted, tell_manager="on")
    assert may_see_interest(org.manager.user, org.employee, owner_id=posted.posted_by_id, manager_told=True)
    assert not may_see_interest(org.peer.user, org.employee, owner_id=posted.posted_by_id, manager_told=True)
    client.force_login(org.manager.user)
    briefing = client.get(reverse("portal:briefing", args=[org.employee.pk])).content.decode()
    assert "told you about" in briefing and "Team Lead, Payments" in briefing


def test_interest_can_be_withdrawn_and_said_again(client, org, posted):
    express(client, org, posted)
    candidacy = Candidacy.objects.get(employee=org.employee)
    client.post(reverse("portal:interest_withdraw", args=[candidacy.pk]))
    candidacy.refresh_from_db()
    assert candidacy.status == "withdrawn"
    express(client, org, posted, tell_manager="on")
    candidacy.refresh_from_db()
    assert candidacy.status == "interested" and candidacy.tell_manager


def test_an_opportunity_not_matched_to_them_is_refused_with_the_reason(org, posted):
    other = Opportunity.objects.create(title="Unrelated gig", kind="project")
    with pytest.raises(Exception, match="not among the opportunities matched to you"):
        moves.interest_express(employee=org.employee, opportunity=other)


def test_the_owner_sees_interested_and_recommended_side_by_side_and_others_do_not(client, org, posted):
    express(client, org, posted)
    client.force_login(org.outsider_manager.user)
    page = client.get(reverse("opportunities:candidates", args=[posted.pk])).content.decode()
    assert org.employee.full_name in page and "Interested" in page and "% ready" in page
    assert org.peer.full_name in page and "Recommended" in page  # matched, never said anything
    assert "Coaching" in page  # the evidence per skill it asks for
    for viewer in (org.manager, org.director, org.employee):
        client.force_login(viewer.user)
        assert client.get(reverse("opportunities:candidates", args=[posted.pk])).status_code == 403


def test_a_person_recomputed_alone_keeps_their_place_among_the_candidates(org, posted):
    coaching = SkillEvidence.objects.filter(employee=org.peer, skill__name="Coaching").first()
    SkillEvidence.objects.create(
        employee=org.peer, skill=coaching.skill, level=3, source="manager", observed_at=timezone.now()
    )
    analysis.recompute(trigger="everyone")  # the peer now meets what it asks for; the employee does not
    analysis.recompute_employee(org.employee.pk)  # a run of one ranks its one person first everywhere

    reasons = {row["employee"]: row["reasons"] for row in candidates(opportunity=posted)}

    assert "#1 of the engine's recommended candidates" in reasons[org.peer]
    assert "#2 of the engine's recommended candidates" in reasons[org.employee]


def test_a_decline_needs_a_reason_and_the_employee_reads_it(client, org, posted):
    express(client, org, posted)
    client.force_login(org.outsider_manager.user)
    url = reverse("opportunities:decide", args=[posted.pk, org.employee.pk])
    client.post(url, {"action": "decline", "reason": ""})
    assert Candidacy.objects.get(employee=org.employee).status == "interested"
    client.post(url, {"action": "decline", "reason": "We need someone who has led a team already."})
    assert Candidacy.objects.get(employee=org.employee).status == "declined"
    client.force_login(org.employee.user)
    assert "We need someone who has led a team already." in client.get(reverse("portal:me")).content.decode()


def test_placing_someone_writes_the_role_history_and_keeps_the_development_path(client, org, posted):
    skill = SkillFactory(name="Facilitation")
    done = recommendation_for(org.employee, skill, status=Recommendation.Status.COMPLETED)
    done.delivered_at = timezone.now() - timedelta(days=80)
    done.completed_at = timezone.now() - timedelta(days=40)
    done.save()
    recommendation_for(org.employee, skill, rank=2)  # delivered, not completed: not on the path
    express(client, org, posted)
    client.force_login(org.outsider_manager.user)
    client.post(reverse("opportunities:decide", args=[posted.pk, org.peer.pk]), {"action": "shortlist"})
    response = client.post(reverse("opportunities:decide", args=[posted.pk, org.employee.pk]), {"action": "place"})
    assert response.status_code == 302
    placement = Placement.objects.get()
    assert list(placement.development_path.all()) == [done]
    org.employee.refresh_from_db()
    assert org.employee.role == posted.role
    history = list(RoleAssignment.objects.filter(employee=org.employee).order_by("start_date"))
    assert history[-1].kind == "internal_fill" and history[-1].end_date is None
    assert history[-2].end_date == history[-1].start_date - timedelta(days=1)
    posted.refresh_from_db()
    assert posted.status == "filled" and posted.filled_by == org.employee
    peer = Candidacy.objects.get(employee=org.peer)
    assert peer.status == "declined" and "filled" in peer.reason
    assert LogEntry.objects.get_for_model(Candidacy).filter(actor=org.outsider_manager.user).exists()

    snapshot_take(as_of=timezone.localdate())
    traced = MetricSnapshot.objects.get(metric=Metric.PLACEMENTS_TRACED, cohort="all", segment="")
    assert traced.value == 1.0 and traced.measured == 1
    mobility = MetricSnapshot.objects.get(metric=Metric.INTERNAL_MOBILITY, cohort="all")
    assert mobility.value == 1.0 and mobility.measured >= 1


def test_nobody_is_placed_twice_and_a_filled_opportunity_takes_no_one(org, posted):
    express_candidacy = moves.interest_express(employee=org.employee, opportunity=posted)
    moves.placement_make(opportunity=posted, employee=org.employee, by=org.hr_user)
    with pytest.raises(Exception, match="filled"):
        moves.placement_make(opportunity=posted, employee=org.peer, by=org.hr_user)
    express_candidacy.refresh_from_db()
    assert express_candidacy.status == "placed"


def test_the_owner_plans_a_move_and_supply_against_demand_counts_it(client, org, posted):
    sql = Skill.objects.get(name="SQL")
    payments, home = BusinessUnit.objects.create(name="Payments"), BusinessUnit.objects.create(name="Home")
    Employee.objects.filter(pk__in=[org.employee.pk, org.peer.pk]).update(business_unit=home)
    Opportunity.objects.filter(pk=posted.pk).update(business_unit=payments)
    SkillDemand.objects.create(
        business_unit=payments, skill=sql, weight=0.9, as_of=timezone.localdate(), people_needed=1, level_needed=3
    )
    before = capability_take().supply.get(business_unit=payments)
    express(client, org, posted)
    client.force_login(org.outsider_manager.user)
    url = reverse("opportunities:decide", args=[posted.pk, org.employee.pk])
    refused = client.post(url, {"action": "plan", "expected_on": "not a date"}, follow=True).content.decode()
    assert "Give the expected date of the move as YYYY-MM-DD." in refused and not PlannedMove.objects.exists()
    expected_on = timezone.localdate() + timedelta(days=60)
    page = client.post(url, {"action": "plan", "expected_on": expected_on.isoformat(), "likelihood": "75"}, follow=True)
    assert f"Move planned for {expected_on.day} {expected_on:%b %Y} (75% sure)" in page.content.decode()
    move = PlannedMove.objects.get()
    assert (move.employee, move.role, move.business_unit, move.likelihood) == (
        org.employee,
        posted.role,
        payments,
        0.75,
    )
    after = capability_take().supply.get(business_unit=payments)
    assert (before.expected_6m, after.moved_6m, after.expected_6m) == (0.0, 0.75, 0.75)  # in by 6 months, 75% sure
    # A manager who does not own the opportunity cannot plan a move into it.
    client.force_login(org.manager.user)
    assert client.post(url, {"action": "plan", "expected_on": expected_on.isoformat()}).status_code == 403
    # Once placed, the plan has happened: it is no longer counted.
    client.force_login(org.outsider_manager.user)
    client.post(url, {"action": "place"})
    assert not PlannedMove.objects.exists()
