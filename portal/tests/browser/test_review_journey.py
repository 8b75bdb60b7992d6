"""The quarterly deep review in a real browser, on the demo (which opens this quarter's cycle for
the pilot): the employee fills in her self-assessment from /me/ and raises her second gap, her
manager completes it from /team/ and raises it too, the page shows the recalibrated plan, and HR's
cadence page counts one more review done and shows what changed in the plan.

Screenshots at 1280 and 390 px go to test-results/ (gitignored).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from .test_journeys import demo, demo_employee, sign_in  # noqa: F401  (demo is a fixture)
from .test_walk_each_role import both_widths

pytestmark = pytest.mark.django_db(transaction=True)


def cadence_row(page: Page, base_url: str, manager_name: str) -> list[str]:
    """The manager's row of the cadence page: [name, reviews due, done, overdue, check-ins ..., 360 ...]."""
    page.goto(f"{base_url}/feedback/cadence/")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=manager_name))
    return [cell.strip() for cell in row.first.locator("th, td").all_inner_texts()]


def sign_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile("sign out", re.IGNORECASE)).click()


def rate_every_skill(page: Page, level: str) -> int:
    skills = page.locator("fieldset.review-skill")
    for number in range(skills.count()):
        skills.nth(number).locator(f"input[type=radio][value='{level}']").check()
    return skills.count()


def test_employee_self_assesses_manager_completes_hr_sees_the_count_change(page: Page, demo, settings):  # noqa: F811
    from feedback.models import DeepReview
    from profiles.models import EvidenceSource, SkillEvidence

    settings.MFA_REQUIRED = False  # HR's second factor has its own tests (talent/tests/test_mfa.py)
    maya = demo_employee("employee")
    manager = maya.manager
    page.set_viewport_size({"width": 1280, "height": 900})

    sign_in(page, demo, "hr")
    before = cadence_row(page, demo, manager.full_name)
    assert before[2] == "0", before  # nothing done yet in the demo's cycle
    both_widths(page, "review-hr-cadence-before")
    sign_out(page)

    sign_in(page, demo, "employee")
    review = page.get_by_role("region", name="My quarterly review")
    expect(review).to_contain_text("self-assessment is due by")
    review.get_by_role("link", name="Fill in my self-assessment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("review")
    rated = rate_every_skill(page, "2")
    assert rated >= 3
    page.locator("fieldset.review-skill textarea").first.fill("Led the quarterly planning with finance.")
    page.get_by_label("What are you proudest of this quarter?").fill("The churn analysis for the directors.")
    page.get_by_label("What got in your way?").fill("Unclear priorities in October.")
    page.get_by_label("What do you want to learn next quarter?").fill("Experiment design.")
    plan = page.locator("fieldset.review-plan")
    expect(plan).to_contain_text("My plan for next quarter")
    gaps = plan.locator(".plan-row").filter(has_text=re.compile(r"^#\d"))
    assert gaps.count() >= 2
    raised = gaps.nth(1).locator(".plan-what").inner_text().split(" ", 1)[1]  # "#2 Skill" -> "Skill"
    gaps.nth(1).get_by_label("Raise").check()
    page.get_by_role("button", name="Send my self-assessment").click()
    expect(page.get_by_role("status")).to_contain_text("Self-assessment sent")
    both_widths(page, "review-employee-self-assessment")
    sign_out(page)

    sign_in(page, demo, "manager")
    waiting = page.get_by_role("region", name=re.compile("Quarterly reviews to complete"))
    waiting.get_by_role("listitem").filter(has_text=maya.full_name).get_by_role("link").click()
    expect(page.get_by_role("heading", name="Manager's assessment")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Maya says level 2")
    rate_every_skill(page, "3")
    expect(page.locator("fieldset.review-plan")).to_contain_text(f"{raised} · Maya says raise")
    page.locator(".plan-row").filter(has_text=raised).get_by_label("Raise").check()
    both_widths(page, "review-manager-plan-form")
    page.get_by_label("Summary for the employee").fill("A strong quarter: clear updates to stakeholders.")
    page.get_by_role("button", name="Complete the review").click()
    expect(page.get_by_role("status")).to_contain_text("Review completed")
    expect(page.get_by_role("main")).to_contain_text("A strong quarter")
    recalibrated = page.get_by_role("region", name="The plan, recalibrated")
    expect(recalibrated.get_by_role("row").filter(has_text=raised)).to_contain_text("×2")
    both_widths(page, "review-manager-completed")
    sign_out(page)

    completed = DeepReview.objects.get(employee=maya, cycle__name__contains="Q")
    assert completed.status == DeepReview.Status.COMPLETED
    assert completed.plan_before["gaps"] and completed.plan_after["gaps"]  # kept, then recalculated
    assert SkillEvidence.objects.filter(employee=maya, source=EvidenceSource.REVIEW).count() == rated

    sign_in(page, demo, "hr")
    after = cadence_row(page, demo, manager.full_name)
    assert int(after[2]) == int(before[2]) + 1, (before, after)
    assert after[1] == before[1]  # as many due as before
    expect(page.get_by_role("region", name="Are the profiles current?")).to_contain_text("Profiles updated this month")
    both_widths(page, "review-hr-cadence-after")
    page.goto(f"{demo}/feedback/reviews/{completed.pk}/")  # HR sees the new plan before releasing it
    changes = page.get_by_role("region", name="The plan, recalibrated")
    expect(changes).to_contain_text("What changed")
    expect(changes).not_to_contain_text("being recalculated")
    both_widths(page, "review-hr-plan-changes")
