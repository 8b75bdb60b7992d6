"""/team/: each report with readiness, top gap, open recommendations, last check-in and
data-quality marks; sortable; a fixed number of queries for a team of 5 or of 50."""

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import CheckIn
from feedback.tests.fixtures import analysed, recommendation_for, team, team_member  # noqa: F401  (fixtures)
from profiles.models import DataQualityFlag, Employee

pytestmark = pytest.mark.django_db


def rows(page):
    """The report names in table order."""
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return [chunk.split("</a>")[0].split(">")[-1] for chunk in body.split('<th scope="row">')[1:]]


def test_a_row_shows_readiness_top_gap_recommendations_checkin_and_data_quality(client, analysed):  # noqa: F811
    org, lead, stakeholders = analysed
    recommendation_for(org.employee, stakeholders)
    CheckIn.objects.create(
        employee=org.employee, manager=org.manager, held_on=timezone.localdate().replace(day=1), notes="x"
    )
    DataQualityFlag.objects.create(
        kind=DataQualityFlag.Kind.NO_RECENT_LEARNING, employee=org.employee, detail="90 days"
    )
    client.force_login(org.manager.user)
    page = client.get(reverse("portal:team")).content.decode()
    row = page.split(org.employee.full_name)[1].split("</tr>")[0]
    assert '% <span class="small muted">for Team Lead' in row
    assert "Stakeholder management" in row
    assert '<td data-label="Open recommendations">1</td>' in row
    assert timezone.localdate().replace(day=1).strftime("%b %Y") in row
    assert "No learning activity in 90+ days" in row
    assert reverse("portal:briefing", args=[org.employee.pk]) in page


@pytest.mark.parametrize("sort", ["name", "readiness", "gap", "checkin"])
def test_the_overview_sorts(client, analysed, sort):  # noqa: F811
    org, *_ = analysed
    CheckIn.objects.create(employee=org.employee, manager=org.manager, held_on=timezone.localdate(), notes="x")
    client.force_login(org.director.user)
    order = rows(client.get(reverse("portal:team"), {"sort": sort}).content.decode())
    assert sorted(order) == sorted(
        [
            org.manager.full_name,
            org.employee.full_name,
            org.peer.full_name,
            org.outsider.full_name,
            org.outsider_manager.full_name,
        ]
    )
    if sort == "checkin":
        assert order[-1] == org.employee.full_name  # the one checked in today comes last
    if sort in ("readiness", "gap"):
        assert order[0] == org.employee.full_name  # the only one with a released analysis and a goal
    if sort == "name":
        people = [org.manager, org.employee, org.peer, org.outsider, org.outsider_manager]
        assert order == [p.full_name for p in sorted(people, key=lambda p: (p.last_name, p.first_name, p.pk))]


def test_an_unknown_sort_falls_back_to_names(client, org):
    client.force_login(org.manager.user)
    response = client.get(reverse("portal:team"), {"sort": "salary"})
    assert response.status_code == 200 and 'aria-sort="ascending"><a href="?sort=name">' in response.content.decode()


def test_someone_without_reports_gets_an_empty_state(client, org):
    client.force_login(org.peer.user)
    assert "Nobody reports to you in the HR system" in client.get(reverse("portal:team")).content.decode()


QUERIES = 11  # session, user, viewer employee, HR group, has reports, rows, data-quality flags, contests, team themes, reviews to complete, succession proposals for roles owned


def test_the_team_page_makes_the_same_queries_for_5_and_50_reports(client, analysed, django_assert_num_queries):  # noqa: F811
    org, _, stakeholders = analysed
    for n in range(3):  # the manager already has the employee and the peer
        team_member(org.manager, stakeholders, n=n)
    client.force_login(org.manager.user)
    with django_assert_num_queries(QUERIES):
        page = client.get(reverse("portal:team")).content.decode()
    assert len(rows(page)) == 5
    for n in range(3, 48):
        team_member(org.manager, stakeholders, n=n)
    with django_assert_num_queries(QUERIES):
        page = client.get(reverse("portal:team")).content.decode()
    assert len(rows(page)) == 50


def test_someone_who_left_is_no_longer_on_the_team(client, org):
    org.peer.status = Employee.Status.LEFT
    org.peer.termination_date = timezone.localdate()
    org.peer.save()
    client.force_login(org.manager.user)
    page = client.get(reverse("portal:team")).content.decode()
    assert rows(page) == [org.employee.full_name]


def test_the_owner_of_a_critical_role_is_pointed_to_its_proposals_waiting(client, org):
    from recommendations.models import CriticalRole, ReviewItem, SuccessionCandidate
    from taxonomy.tests.factories import RoleFactory

    client.force_login(org.manager.user)
    assert "succession proposal" not in client.get(reverse("portal:team")).content.decode()
    critical = CriticalRole.objects.create(role=RoleFactory(title="Head of Data"), owner=org.manager)
    proposal = SuccessionCandidate.objects.create(
        critical_role=critical,
        employee=org.outsider,
        proposed_at=timezone.now(),
        horizon="now",
        readiness=0.9,
        confidence=0.7,
    )
    ReviewItem.objects.create(
        kind=ReviewItem.Kind.SUCCESSION, employee=org.outsider, succession=proposal, reason=ReviewItem.Reason.SUCCESSION
    )
    page = client.get(reverse("portal:team")).content.decode()
    assert (
        "1 succession proposal for the critical roles you own" in page
        and reverse("recommendations:review_queue") in page
    )
    queue = client.get(reverse("recommendations:review_queue")).content.decode()
    assert org.outsider.full_name in queue and "Head of Data" in queue
