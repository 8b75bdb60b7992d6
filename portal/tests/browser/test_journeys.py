"""Journeys through the real UI in a real browser (Debian's chromium), on the demo organisation.

Each test seeds the demo into the test database, starts from the sign-in form and ends with a
screenshot in test-results/ (gitignored): the employee accepts a recommendation; the manager opens
a briefing and logs a check-in, and flags a recommendation; HR approves an item in the review queue.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from demo.generator import DEMO_DOMAIN, DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(settings.BASE_DIR) / "test-results"


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", verbosity=0)
    return live_server.url


def sign_in(page: Page, base_url: str, who: str) -> None:
    """Through the real form: e-mail and password, then the role's landing page."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(f"{who}@{DEMO_DOMAIN}")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.IGNORECASE)).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def demo_employee(who: str):
    from profiles.models import Employee

    return Employee.objects.select_related("manager").get(user__email=f"{who}@{DEMO_DOMAIN}")


def test_the_employee_accepts_a_recommendation(page: Page, demo):
    from recommendations.models import Recommendation

    me = demo_employee("employee")
    sign_in(page, demo, "employee")
    expect(page).to_have_url(re.compile(r"/me/$"))
    cards = page.get_by_role("region", name="Learning to do next")
    pick = cards.get_by_role("listitem").filter(has=page.get_by_role("button", name="Accept")).first
    title = pick.locator(".pick-head strong").inner_text()
    clicked_at = timezone.now()
    pick.get_by_role("button", name="Accept").click()
    expect(page).to_have_url(re.compile(r"/me/#learning$"))
    expect(page.get_by_role("status")).to_contain_text(f"Accepted: {title}. It is in your plan.")
    plan = page.get_by_role("list", name="Accepted, in the plan")
    expect(plan).to_contain_text(title)
    expect(plan.get_by_role("button", name="Accept")).to_have_count(0)
    # The demo's history holds earlier picks of the same item (months ago); this one was acted on now.
    accepted = Recommendation.objects.get(employee=me, resource__title=title, acted_at__gte=clicked_at)
    assert accepted.status == Recommendation.Status.ACCEPTED
    screenshot(page, "employee-accepted-recommendation")


def open_briefing(page: Page, base_url: str):
    """The demo manager signs in and opens the demo employee's briefing from /team/."""
    report = demo_employee("employee")
    sign_in(page, base_url, "manager")
    expect(page).to_have_url(re.compile(r"/team/$"))
    page.get_by_role("main").get_by_role("link", name=report.full_name).first.click()
    expect(page).to_have_url(re.compile(rf"/team/{report.pk}/briefing/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(report.full_name)
    return report


def test_the_manager_opens_a_briefing_and_logs_a_check_in(page: Page, demo):
    from feedback.models import CheckIn

    report = open_briefing(page, demo)
    log = page.get_by_role("region", name="Log the check-in")
    log.get_by_label("Notes").fill("Went through the storytelling gap and the dashboard project.")
    log.get_by_label("Agreed actions").fill(
        "Present the churn dashboard at the team meeting\nPair with a senior analyst"
    )
    log.get_by_role("button", name="Log check-in").click()
    expect(page.get_by_role("status")).to_contain_text(f"Check-in with {report.first_name} logged")
    checkin = CheckIn.objects.filter(employee=report).latest("created_at")  # the demo has six months of them
    assert checkin.manager == report.manager and len(checkin.actions) == 2
    assert checkin.notes.startswith("Went through the storytelling gap")
    expect(log).to_contain_text("Present the churn dashboard")
    screenshot(page, "manager-checkin-logged")


def test_the_manager_flags_a_recommendation(page: Page, demo):
    from recommendations.models import Flag

    report = open_briefing(page, demo)
    cards = page.get_by_role("region", name="Learning to do next")
    flag_it = re.compile("This recommendation looks wrong: flag it")
    pick = cards.get_by_role("listitem").filter(has=page.get_by_role("link", name=flag_it)).first
    title = pick.locator(".pick-head strong").inner_text()
    pick.get_by_role("link", name=flag_it).click()
    expect(page).to_have_url(re.compile(r"\?flag=rec-\d+#flag$"))
    flag = page.get_by_role("region", name="Flag something as wrong")
    target = flag.get_by_label("What is wrong")
    expect(target.locator("option:checked")).to_have_text(f"Recommendation: {title}")  # the link chose it
    flag.get_by_label("Why it is wrong").fill("She already runs this course for the team.")
    flag.get_by_role("button", name="Send to HR review").click()
    expect(page.get_by_role("status")).to_contain_text("Flag sent to HR")
    # The demo's history may hold earlier flags on her picks: this is the newest one.
    flagged = Flag.objects.filter(employee=report, target=Flag.Target.RECOMMENDATION).latest("pk")
    assert flagged.recommendation.resource.title == title
    assert flagged.reason == "She already runs this course for the team."
    screenshot(page, "manager-flagged-recommendation")


def test_hr_approves_an_item_in_the_review_queue(page: Page, demo, settings):
    from recommendations.models import ReviewItem

    settings.MFA_REQUIRED = False  # HR's second factor has its own tests (talent/tests/test_mfa.py)

    sign_in(page, demo, "hr")
    expect(page).to_have_url(re.compile(r"/hr/$"))
    page.get_by_role("main").get_by_role("link", name=re.compile("review queue", re.IGNORECASE)).first.click()
    expect(page).to_have_url(re.compile(r"/hr/review/$"))
    rows = page.get_by_role("region", name=re.compile("^Waiting")).get_by_role("row")
    # succession proposals have their own journey (test_moves_and_succession)
    first = rows.filter(has_not_text="Succession proposal").get_by_role("link").first
    person, item_url = first.inner_text(), first.get_attribute("href")
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(person)
    # the first item may hold an analysis ("Approve and release") or learning picks ("Approve and deliver")
    page.get_by_role("button", name=re.compile(r"^Approve and (release|deliver)$")).click()
    expect(page).to_have_url(re.compile(r"/hr/review/$"))
    expect(page.get_by_role("status")).to_contain_text(re.compile(f"{person}: approved"))
    item = ReviewItem.objects.get(pk=int(item_url.rstrip("/").rsplit("/", 1)[1]))
    assert item.status == "approved" and item.decided_by.email == f"hr@{DEMO_DOMAIN}"
    screenshot(page, "hr-review-approved")
