"""The HR review queue: pilot mode holds analyses back until HR approves, edits or rejects."""

import pytest
from django.urls import reverse

from recommendations import analysis
from recommendations.models import EmployeeAnalysis, ReviewItem
from recommendations.tests.test_analysis import team  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def pending_item(org):
    return ReviewItem.objects.get(employee=org.employee, status="pending")


def test_the_employee_sees_no_gaps_until_hr_approves(client, team):  # noqa: F811
    org, *_ = team
    analysis.recompute()
    client.force_login(org.employee.user)
    assert "is with HR for a check" in client.get(reverse("portal:me")).content.decode()
    client.force_login(org.hr_user)
    queue = client.get(reverse("recommendations:review_queue")).content.decode()
    assert org.employee.full_name in queue
    item = pending_item(org)
    response = client.post(reverse("recommendations:review_decide", args=[item.pk]), {"decision": "approved"})
    assert response.status_code == 302
    client.force_login(org.employee.user)
    page = client.get(reverse("portal:me")).content.decode()
    assert "Stakeholder management is 2 levels below what" in page


def test_an_edit_needs_a_reason_and_shows_hr_wording(client, team):  # noqa: F811
    org, *_ = team
    analysis.recompute()
    item = pending_item(org)
    gap = analysis.SkillGap.objects.filter(run=item.run, employee=org.employee, rank=1).get()
    client.force_login(org.hr_user)
    url = reverse("recommendations:review_decide", args=[item.pk])
    client.post(url, {"decision": "edited", f"rationale-{gap.pk}": "Work on stakeholder updates first."})
    assert pending_item(org).status == "pending"  # refused: no reason given
    client.post(
        url,
        {
            "decision": "edited",
            "note": "Manager says updates are the real issue",
            f"rationale-{gap.pk}": "Work on stakeholder updates first.",
        },
    )
    item.refresh_from_db()
    assert item.status == "edited" and item.decided_by == org.hr_user and "real issue" in item.note
    client.force_login(org.manager.user)
    assert (
        "Work on stakeholder updates first."
        in client.get(reverse("portal:detail", args=[org.employee.pk])).content.decode()
    )


def test_a_rejection_keeps_what_people_saw_before(client, team):  # noqa: F811
    org, *_ = team
    analysis.recompute()
    client.force_login(org.hr_user)
    client.post(reverse("recommendations:review_decide", args=[pending_item(org).pk]), {"decision": "approved"})
    released = EmployeeAnalysis.objects.get(employee=org.employee).visible_run
    analysis.recompute()
    client.post(
        reverse("recommendations:review_decide", args=[pending_item(org).pk]),
        {"decision": "rejected", "note": "Evidence is wrong"},
    )
    pointer = EmployeeAnalysis.objects.get(employee=org.employee)
    assert pointer.visible_run == released and pointer.review_status == "rejected"


def test_accuracy_is_shown_per_cycle(client, team):  # noqa: F811
    org, *_ = team
    analysis.recompute()
    client.force_login(org.hr_user)
    for item in ReviewItem.objects.filter(status="pending"):
        client.post(reverse("recommendations:review_decide", args=[item.pk]), {"decision": "approved"})
    page = client.get(reverse("recommendations:review_queue")).content.decode()
    assert "100%" in page and "Nothing is waiting" in page


def test_the_queue_is_for_hr_only(client, team):  # noqa: F811
    org, *_ = team
    analysis.recompute()
    for person in (org.employee, org.manager):
        client.force_login(person.user)
        assert client.get(reverse("recommendations:review_queue")).status_code == 403
        assert client.get(reverse("recommendations:review_item", args=[pending_item(org).pk])).status_code == 403


def test_a_flag_stays_in_the_queue_across_recomputes(team):  # noqa: F811
    from recommendations.outcomes import gap_flag

    org, _lead, stakeholders = team
    analysis.recompute()
    gap_flag(
        employee=org.employee, skill=stakeholders, by=org.manager.user, reason="She leads the steering group already"
    )
    flagged = ReviewItem.objects.get(employee=org.employee, status="pending")
    assert flagged.reason == "flagged"
    run = analysis.recompute_employee(org.employee.pk)
    flagged.refresh_from_db()
    assert flagged.status == "pending" and flagged.reason == "flagged" and flagged.run == run
    assert ReviewItem.objects.filter(employee=org.employee, status="pending").count() == 1
