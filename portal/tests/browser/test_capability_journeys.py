"""Capability across the organisation in a real browser, on the demo organisation: a manager
opens the heatmap of their line from the navigation; HR opens supply and demand per business
unit from the company heatmap. Screenshots at 1280 and 390 px in test-results/."""

import re

import pytest
from playwright.sync_api import Page, expect

from portal.tests.browser.test_journeys import demo, screenshot, sign_in  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_manager_opens_the_heatmap_of_their_line(page: Page, demo):  # noqa: F811
    sign_in(page, demo, "manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team capability").click()
    expect(page).to_have_url(re.compile(r"/team/capability/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Capability:")
    expect(page.locator("svg.heatmap rect").first).to_be_visible()
    table = page.get_by_role("table")
    expect(
        table.get_by_role("columnheader", name=re.compile("direct reports|organisation|Other teams")).first
    ).to_be_visible()
    expect(table.get_by_role("cell", name=re.compile(r"\d+ of \d+ \(\d+%\)")).first).to_be_visible()
    for cell in table.get_by_role("cell").all_inner_texts():
        found = re.match(r"(\d+) of (\d+)", cell)
        assert found is None or int(found.group(2)) >= 5  # no figure stands for fewer than five
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"manager-capability-{width}")


def test_hr_opens_supply_and_demand(page: Page, demo, settings):  # noqa: F811
    settings.MFA_REQUIRED = False  # HR's second factor has its own tests (talent/tests/test_mfa.py)
    sign_in(page, demo, "hr")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Capability").click()
    expect(page).to_have_url(re.compile(r"/hr/capability/$"))
    page.get_by_role("link", name="Supply and demand per business unit").click()
    expect(page).to_have_url(re.compile(r"/hr/capability/supply/$"))
    glance = page.get_by_role("region", name="Build or buy at a glance")
    expect(glance.get_by_role("row").nth(1)).to_be_visible()
    expect(glance).to_contain_text(re.compile("Buy: development cannot close it in time"))
    expect(page.locator("svg.supply-chart").first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "supply-and-demand.csv"
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"hr-supply-{width}")
