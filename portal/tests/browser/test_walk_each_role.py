"""Each demo role walks its pages in a real browser and checks what issue 17 found wrong: pages say
what they show ("in demand", captions, no "you" about someone else), HR's counts and queues,
"not scanned yet", "not enough people to compare", upload templates, no closed opportunity.

Screenshots at 1280 and 390 px go to test-results/ (gitignored).
"""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from .test_journeys import demo, demo_employee, screenshot, sign_in  # noqa: F401  (demo is a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

SECOND_PERSON = re.compile(r"\b(you|your|you're|yours)\b", re.IGNORECASE)


def both_widths(page: Page, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def main_text(page: Page) -> str:
    return page.get_by_role("main").inner_text()


def test_the_employee_sees_top_gaps_and_picks_first_and_no_closed_opportunity(page: Page, demo):  # noqa: F811
    from recommendations.models import EmployeeAnalysis, OpportunityMatch

    maya = demo_employee("employee")
    pointer = EmployeeAnalysis.objects.get(employee=maya)
    offered = OpportunityMatch.objects.filter(
        employee=maya, run_id=pointer.visible_run_id, rank_for_employee__isnull=False
    ).select_related("opportunity")
    closed = offered.first().opportunity
    closed.closes_on = timezone.localdate() - timedelta(days=2)
    closed.save(update_fields=["closes_on"])

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, demo, "employee")
    expect(page).to_have_url(re.compile(r"/me/$"))
    headings = page.get_by_role("main").get_by_role("heading", level=2).all_inner_texts()
    assert headings[:2] == ["What to work on", "Learning to do next"], headings
    for folded in ("standing", "careers", "tell-us", "progress"):
        assert page.locator(f"details#{folded}").get_attribute("open") is None  # folds away
    text = main_text(page)
    assert not re.search(r"level \d → 0\b", text)  # a demand-only gap says "in demand"
    assert "0.8 h" not in text  # hours as the sentences write them (0.75 h)
    assert "confidence 0%" not in text.lower()
    page.locator("details#careers > summary").click()
    opportunities = page.locator("details#careers .opportunities")
    expect(opportunities).not_to_contain_text(closed.title)
    if opportunities.count():
        expect(opportunities).to_contain_text("Closes")
        expect(opportunities).not_to_contain_text("gap priority")
    both_widths(page, "walk-employee-me")


def test_the_manager_reads_about_a_report_without_you(page: Page, demo):  # noqa: F811
    from recommendations.models import EmployeeAnalysis

    maya = demo_employee("employee")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, demo, "manager")
    expect(page).to_have_url(re.compile(r"/team/$"))
    team = main_text(page)
    waiting = EmployeeAnalysis.objects.filter(
        employee__org_path__startswith=maya.manager.org_path, visible_run_id__isnull=True
    ).exclude(employee=maya.manager)
    if waiting.exists():
        assert "waiting for HR review" in team and "not computed yet" not in team
    both_widths(page, "walk-manager-team")

    page.goto(f"{demo}/people/{maya.pk}/")
    profile = page.get_by_role("main")
    expect(profile.get_by_role("heading", name=f"What {maya.first_name} should work on")).to_be_visible()
    analysis = " ".join(
        page.locator(
            "section[aria-labelledby=gaps-heading], section[aria-labelledby=careers-heading]"
        ).all_inner_texts()
    )
    assert not SECOND_PERSON.search(analysis), SECOND_PERSON.search(analysis)
    assert not re.search(r"\b\d → 0\b", analysis)
    both_widths(page, "walk-manager-profile")

    page.goto(f"{demo}/team/{maya.pk}/briefing/")
    briefing = main_text(page)
    assert "needed in your current role" not in briefing and "your stated goal" not in briefing
    assert not re.search(r"\b[A-Z][a-z]+ has low confidence", briefing.replace("Storytelling", ""))  # "Sql has"
    both_widths(page, "walk-manager-briefing")


def test_hr_sees_every_queue_counted_and_pages_that_say_what_they_show(page: Page, demo, settings):  # noqa: F811
    from recommendations.models import ReviewItem

    settings.MFA_REQUIRED = False  # HR's second factor has its own tests (talent/tests/test_mfa.py)

    call_command("metrics_snapshot", baseline_days=90, verbosity=0)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, demo, "hr")
    expect(page).to_have_url(re.compile(r"/hr/$"))
    pending = ReviewItem.objects.filter(status="pending")
    analyses = pending.filter(kind="gap_analysis").count()
    queues = page.get_by_role("region", name="Work queues")
    expect(queues.get_by_role("link", name=re.compile(rf"^{analyses} gap analys"))).to_be_visible()
    expect(queues.get_by_role("link", name=re.compile("data-quality flags: not scanned yet"))).to_be_visible()
    expect(queues).not_to_contain_text("✓ 0")
    both_widths(page, "walk-hr-home")

    page.goto(f"{demo}/hr/quality/")
    expect(page.get_by_role("status")).to_contain_text("Not scanned yet")
    assert set(page.locator(".stat .n").all_inner_texts()) == {"–"}
    both_widths(page, "walk-hr-quality")

    page.goto(f"{demo}/hr/metrics/")
    audit = page.locator("#bias-audit")
    expect(audit).to_contain_text("Not enough people to compare")
    expect(audit).to_contain_text("more in the second-largest group")
    expect(audit).not_to_contain_text("nothing below the four-fifths ratio")
    assert page.locator("svg.bars").count() >= 5
    both_widths(page, "walk-hr-metrics")

    page.goto(f"{demo}/hr/data/upload/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").first.click()
    assert download.value.suggested_filename == "talent-people-template.xlsx"
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").nth(2).click()
    assert download.value.suggested_filename == "talent-learning-template.csv"
    assert "data-formats-people" not in main_text(page)
    both_widths(page, "walk-hr-upload")

    item = pending.filter(kind="gap_analysis").first()
    page.goto(f"{demo}/hr/review/{item.pk}/")
    text = main_text(page)
    assert "this is the last one they released" not in text or "Released, shown now" in text
    if item.employee.analysis.visible_run_id is None:
        assert "waiting for HR review" in text
    assert not re.search(r"\b\d → 0\b", text)
    both_widths(page, "walk-hr-review-item")
