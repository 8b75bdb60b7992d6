"""Internal moves and succession in a real browser, on the demo organisation: the employee says
they are interested in a matched opportunity from /me/ (their manager not told); HR, who owns
every opportunity, shortlists and places them; HR approves a succession proposal in the queue."""

import re

import pytest
from playwright.sync_api import Page, expect

from .test_journeys import demo, demo_employee, screenshot, sign_in  # noqa: F401  (demo is a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_interest_from_me_then_the_owner_shortlists_and_places(page: Page, demo, settings):  # noqa: F811
    from profiles.models import RoleAssignment
    from recommendations.models import Candidacy, Placement

    settings.MFA_REQUIRED = False  # HR's second factor has its own tests (talent/tests/test_mfa.py)
    me = demo_employee("employee")
    sign_in(page, demo, "employee")
    page.locator("details#careers > summary").click()  # the section opens on click
    opportunities = page.get_by_role("list", name=re.compile("Open opportunities"))
    first = opportunities.get_by_role("listitem").first
    title = first.locator("strong").first.inner_text()
    expect(first).to_contain_text("Still missing")  # the gaps still open, beside readiness
    first.get_by_role("button", name="I am interested").click()
    expect(page.get_by_role("status").first).to_contain_text(f"You are interested in “{title}”")
    expect(page.get_by_role("status").first).to_contain_text("your manager is not told")
    candidacy = Candidacy.objects.get(employee=me, opportunity__title=title)
    assert candidacy.status == "interested" and not candidacy.tell_manager
    screenshot(page, "employee-interested")

    page.context.clear_cookies()
    sign_in(page, demo, "hr")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Opportunities").click()
    page.get_by_role("link", name=title).click()
    card = page.locator("li.candidate").filter(has_text=me.full_name)
    expect(card).to_contain_text("Interested")
    expect(card).to_contain_text("% ready")
    card.get_by_role("button", name="Shortlist").click()
    expect(page.get_by_role("status").first).to_contain_text(f"{me.full_name} is shortlisted.")
    page.locator("li.candidate").filter(has_text=me.full_name).get_by_role("button", name=re.compile("^Place")).click()
    expect(page.get_by_role("status").first).to_contain_text(f"{me.full_name} is placed in “{title}”")
    placement = Placement.objects.get(employee=me)
    assert placement.opportunity.title == title
    if placement.opportunity.role_id:
        assert RoleAssignment.objects.filter(employee=me, kind="internal_fill", end_date=None).exists()
    screenshot(page, "owner-placed")


def test_hr_approves_a_succession_proposal(page: Page, demo, settings):  # noqa: F811
    from recommendations.models import ReviewItem

    settings.MFA_REQUIRED = False
    sign_in(page, demo, "hr")
    page.get_by_role("main").get_by_role("link", name=re.compile("succession proposals? waiting")).click()
    first = page.get_by_role("region", name=re.compile("^Waiting")).get_by_role("link").first
    person, item_url = first.inner_text(), first.get_attribute("href")
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Succession proposal: {person}")
    page.get_by_role("button", name="Approve into the pool").click()
    expect(page.get_by_role("status").first).to_contain_text(f"{person}: approved")
    item = ReviewItem.objects.get(pk=int(item_url.rstrip("/").rsplit("/", 1)[1]))
    assert item.status == "approved" and item.succession.status == "approved"
    page.goto(f"{demo}/hr/succession/")
    expect(page.get_by_role("heading", name="Bench strength")).to_be_visible()
    screenshot(page, "hr-succession")
