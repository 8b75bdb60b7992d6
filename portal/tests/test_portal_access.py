"""Every portal page and form for every role, as the access rule says: URL x role -> status.

The rule (profiles.access): you see yourself; managers see their whole line; HR sees everyone.
Briefings and contest decisions are about someone else, so never about yourself; logging a
check-in or adding a note is for managers in the line, not HR by title alone.
"""

import pytest
from django.urls import reverse

from feedback.models import SkillContest
from taxonomy.tests.factories import SkillFactory

pytestmark = pytest.mark.django_db

ROLES = ["employee", "manager", "director", "peer", "outsider", "hr_user"]


def sign_in(client, org, role):
    person = getattr(org, role)
    client.force_login(person if role == "hr_user" else person.user)


@pytest.fixture
def contest(org):
    return SkillContest.objects.create(
        employee=org.employee, skill=SkillFactory(), claimed_level=3, reason="Led the workshops"
    )


PAGES = {
    # page: statuses for employee, manager, director, peer, outsider, hr_user
    "me": (200, 200, 200, 200, 200, 403),
    "team": (200, 200, 200, 200, 200, 403),
    "briefing": (403, 200, 200, 403, 403, 200),
    "contests": (200, 200, 200, 200, 200, 200),
    "contest_decide": (403, 200, 200, 403, 403, 200),
    "skill_contest": (200, 200, 200, 200, 200, 403),
}


def page_url(name, org, contest):
    if name == "briefing":
        return reverse("portal:briefing", args=[org.employee.pk])
    if name == "contest_decide":
        return reverse("portal:contest_decide", args=[contest.pk])
    if name == "skill_contest":
        return reverse("portal:skill_contest", args=[contest.skill_id])
    return reverse(f"portal:{name}")


@pytest.mark.parametrize(
    ("page", "role", "status"),
    [(page, role, s) for page, row in PAGES.items() for role, s in zip(ROLES, row, strict=True)],
)
def test_pages_follow_the_access_rule(client, org, contest, page, role, status):
    sign_in(client, org, role)
    assert client.get(page_url(page, org, contest)).status_code == status


WRITES = {
    # form: (url name, data), statuses for employee, manager, director, peer, outsider, hr_user
    "checkin_log": ({"held_on": "2026-01-05", "notes": "Talked about SQL"}, (403, 302, 302, 403, 403, 403)),
    "manager_note": ({"text": "Great demo"}, (403, 302, 302, 403, 403, 403)),
    "flag": ({"target": "gap-0", "reason": "x"}, (403, 400, 400, 403, 403, 400)),
}


@pytest.mark.parametrize(
    ("form", "role", "status"),
    [(form, role, s) for form, (_, row) in WRITES.items() for role, s in zip(ROLES, row, strict=True)],
)
def test_briefing_forms_follow_the_access_rule(client, org, form, role, status):
    """Allowed people get through to the form (302 saved, or 400 for a flag naming no shown gap)."""
    sign_in(client, org, role)
    data, _ = WRITES[form]
    assert client.post(reverse(f"portal:{form}", args=[org.employee.pk]), data).status_code == status


def test_unknown_people_and_contests_are_404(client, org):
    client.force_login(org.hr_user)
    assert client.get(reverse("portal:briefing", args=[999999])).status_code == 404
    assert client.get(reverse("portal:contest_decide", args=[999999])).status_code == 404
    client.force_login(org.employee.user)
    assert client.get(reverse("portal:skill_contest", args=[999999])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, org, contest):
    for name in PAGES:
        response = client.get(page_url(name, org, contest))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_decision_cannot_be_posted_by_someone_outside_the_line(client, org, contest):
    client.force_login(org.outsider_manager.user)
    response = client.post(reverse("portal:contest_decide", args=[contest.pk]), {"decision": "upheld", "note": "ok"})
    assert response.status_code == 403
    contest.refresh_from_db()
    assert contest.is_open


def test_contest_lists_show_only_the_viewers_line(client, org, contest):
    client.force_login(org.manager.user)
    assert org.employee.full_name in client.get(reverse("portal:contests")).content.decode()
    client.force_login(org.outsider_manager.user)
    assert "No contested levels are waiting" in client.get(reverse("portal:contests")).content.decode()
    client.force_login(org.employee.user)  # their own contest is not theirs to decide
    assert "No contested levels are waiting" in client.get(reverse("portal:contests")).content.decode()
