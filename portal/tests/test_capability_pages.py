# ruff: noqa: F811  (pytest fixtures imported by name)
"""The capability pages: who may open which (URL x role), that no figure singles anyone out
(on the page and in the exports), exports through the safe spreadsheet writer, and a query count
that does not grow with the organisation."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.capability_services import capability_take
from metrics.tests.capability_fixtures import capability_org, plan, rate  # noqa: F401  (fixtures)
from profiles.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

ROLES = ["employee", "manager", "director", "peer", "outsider", "outsider_manager", "hr_user"]


def sign_in(client, org, role):
    person = getattr(org, role)
    client.force_login(person if role == "hr_user" else person.user)


def url(name, org, query=""):
    base = reverse(f"portal:{name}")
    if query == "own-manager":
        return f"{base}?manager={org.manager.pk}"
    if query == "other-manager":
        return f"{base}?manager={org.outsider_manager.pk}"
    if query == "unit":
        return f"{base}?unit={org.unit.pk}"
    return base + (f"?{query}" if query else "")


PAGES = {
    # (url name, query): statuses for employee, manager, director, peer, outsider, outsider_manager, hr_user
    ("team_capability", ""): (403, 200, 200, 403, 403, 200, 403),  # HR's own page is /hr/capability/
    ("team_capability", "own-manager"): (403, 200, 200, 403, 403, 403, 200),
    ("team_capability", "other-manager"): (403, 403, 200, 403, 403, 200, 200),
    ("team_capability", "format=csv"): (403, 200, 200, 403, 403, 200, 403),
    ("hr_capability", ""): (403, 403, 403, 403, 403, 403, 200),
    ("hr_capability", "unit"): (403, 403, 403, 403, 403, 403, 200),
    ("hr_capability", "own-manager"): (403, 403, 403, 403, 403, 403, 200),
    ("hr_capability", "format=xlsx"): (403, 403, 403, 403, 403, 403, 200),
    ("hr_supply", ""): (403, 403, 403, 403, 403, 403, 200),
    ("hr_supply", "format=csv"): (403, 403, 403, 403, 403, 403, 200),
}


@pytest.fixture
def taken(capability_org):
    plan(capability_org, needed=6)
    capability_take()
    return capability_org


@pytest.mark.parametrize(
    ("page", "role", "status"),
    [(page, role, s) for page, row in PAGES.items() for role, s in zip(ROLES, row, strict=True)],
)
def test_capability_pages_follow_the_access_rule(client, taken, page, role, status):
    sign_in(client, taken, role)
    name, query = page
    assert client.get(url(name, taken, query)).status_code == status


def test_signed_out_people_are_sent_to_sign_in(client, taken):
    for name in ("team_capability", "hr_capability", "hr_supply"):
        assert client.get(url(name, taken)).status_code == 302


def body(response) -> str:
    if response["Content-Type"].startswith("application/vnd.openxml"):
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        return "\n".join(" ".join(str(cell.value) for cell in row) for row in sheet.iter_rows())
    return response.content.decode()


class TestNoOneIsSingledOut:
    """The other manager's team has 3 people: below the minimum group size of 5."""

    @pytest.mark.parametrize(
        ("role", "name", "query", "pooled"),
        [
            # the director's line: the other manager's 3 pooled with the director's 2 direct reports
            ("director", "team_capability", "", "0 of 5 (0%)"),
            ("director", "team_capability", "format=csv", "Data analysis,Other teams,5,0,"),
            # the unit: the other manager's 3, the director's 2 and the director (no manager)
            ("hr_user", "hr_capability", "unit", "0 of 6 (0%)"),
            ("hr_user", "hr_capability", "format=xlsx&unit=", "Data analysis Other teams 6 0 "),
        ],
    )
    def test_a_team_below_the_minimum_is_pooled_never_shown(self, client, taken, role, name, query, pooled):
        sign_in(client, taken, role)
        target = url(name, taken, query) + (str(taken.unit.pk) if query.endswith("unit=") else "")
        shown = body(client.get(target))
        assert taken.outsider_manager.last_name not in shown
        assert pooled in shown

    def test_a_line_below_the_minimum_shows_no_figure_at_all(self, client, taken):
        sign_in(client, taken, "outsider_manager")
        page = client.get(url("team_capability", taken)).content.decode()
        assert "fewer than 5 people, so none is shown" in page and '<svg class="heatmap"' not in page
        export = client.get(url("team_capability", taken, "format=csv")).content.decode().strip().splitlines()
        assert len(export) == 1  # the header alone

    def test_the_manager_sees_their_team_with_its_trend(self, client, taken):
        sign_in(client, taken, "manager")
        page = client.get(url("team_capability", taken)).content.decode()
        assert f"{taken.manager.full_name}&#x27;s direct reports" in page
        assert "4 of 7 (57%)" in page and "3 mo: +43 pts; 6 mo: +57 pts" in page


def test_the_supply_page_says_build_or_buy(client, taken):
    sign_in(client, taken, "hr_user")
    page = client.get(url("hr_supply", taken)).content.decode()
    assert "Finance: Data analysis" in page and "Buy: development cannot close it in time" in page
    assert "too few outcomes yet" in page


def test_exports_never_carry_a_formula(client, taken):
    taken.unit.__class__.objects.filter(pk=taken.unit.pk).update(name='=HYPERLINK("http://x")')
    capability_take()
    sign_in(client, taken, "hr_user")
    csv = client.get(url("hr_supply", taken, "format=csv")).content.decode()
    assert "'=HYPERLINK" in csv
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url("hr_capability", taken, "format=xlsx")).content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize(("role", "name", "query"), [("hr_user", "hr_capability", ""), ("hr_user", "hr_capability", "unit"),
                                                     ("director", "team_capability", ""), ("hr_user", "hr_supply", "")])  # fmt: skip
def test_the_query_count_does_not_grow_with_the_organisation(
    client, taken, django_assert_max_num_queries, role, name, query
):
    sign_in(client, taken, role)
    target = url(name, taken, query)
    client.get(target)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(target).status_code == 200
    lead = EmployeeFactory(manager=taken.manager, role=taken.team[0].role, business_unit=taken.unit)
    for _ in range(6):
        person = EmployeeFactory(manager=lead, role=taken.team[0].role, business_unit=taken.unit)
        rate(person, taken.skill, 2, days_ago=10)
    from recommendations import analysis

    analysis.recompute(trigger="test")
    capability_take()
    with django_assert_max_num_queries(len(small)):
        assert client.get(target).status_code == 200
    assert len(small) <= 12
