"""The portal pages' content cache (portal.pagecache): a page seen again is served from the cache,
and every kind of change a person would notice shows on the very next visit."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from feedback import services as feedback_services
from feedback.models import DeepReview, ReviewCycle, SkillContest, Theme
from feedback.reviews import review_cycle_open
from feedback.tests.fixtures import analysed, recommendation_for, team  # noqa: F401  (fixtures)
from profiles.models import Employee, LearningRecord, SkillEvidence
from profiles.tests.factories import UserFactory
from recommendations.models import Recommendation
from recommendations.selectors import employee_levels
from talent.roles import hr_group_ensure

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def without_csrf_tokens(html: str) -> str:
    return CSRF_INPUT.sub('name="csrfmiddlewaretoken" value=""', html)


def me(client) -> str:
    response = client.get(reverse("portal:me"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_page_seen_again_is_served_from_the_cache(client, analysed, django_assert_max_num_queries):  # noqa: F811
    org, *_ = analysed
    client.force_login(org.employee.user)
    with django_assert_max_num_queries(60) as built:
        first = me(client)
    with django_assert_max_num_queries(10) as served:
        again = me(client)
    assert len(served.captured_queries) < len(built.captured_queries) / 3
    assert without_csrf_tokens(again) == without_csrf_tokens(first)


def test_a_served_page_carries_a_csrf_token_that_works_for_this_browser(analysed):  # noqa: F811
    """The cached content holds a placeholder; each request fills in a token of its own session,
    so a form posted from a page built for another browser is still accepted."""
    org, *_ = analysed
    laptop, phone = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (laptop, phone):
        browser.force_login(org.employee.user)
    me(laptop)  # built and stored
    page = me(phone)  # served from the cache to another session
    tokens = set(CSRF_INPUT.findall(page))
    assert tokens and 'value="csrf-' not in page
    response = phone.post(
        reverse("portal:reflection"), {"text": "Ran the planning meeting", "csrfmiddlewaretoken": tokens.pop()}
    )
    assert response.status_code == 302
    assert "Ran the planning meeting" in me(phone)


def test_text_a_person_wrote_is_never_replaced_by_the_viewers_csrf_token(client, analysed):  # noqa: F811
    """The placeholder is random per built page: a reflection naming any fixed placeholder (the one
    this cache used to use among them) is shown as written, built or served again."""
    org, *_ = analysed
    client.force_login(org.employee.user)
    written = "Tried csrf-token-filled-in-per-request and csrf- in a sentence"
    client.post(reverse("portal:reflection"), {"text": written})
    built, served = me(client), me(client)
    for page in (built, served):
        assert written in page


def test_the_answer_to_a_form_shows_once_and_is_not_kept_in_the_page(client, analysed):  # noqa: F811
    org, *_ = analysed
    client.force_login(org.employee.user)
    me(client)
    answered = client.post(reverse("portal:reflection"), {"text": "Led the retro"}, follow=True).content.decode()
    assert "Reflection saved" in answered
    assert "Reflection saved" not in me(client)


def section(page: str, name: str | None) -> str:
    """The page section with this id, up to where the next card starts (a section, or a fold of /me/)."""
    if not name:
        return page
    if f'id="{name}"' not in page:  # a section shown only when there is something in it
        return ""
    return re.split(r"</section>|<details class=\"card fold\"|<section class=\"card", page.split(f'id="{name}"')[1])[0]


# Each change is made after the page was stored; it returns the section it shows in and the text
# that was not there before (None: anywhere on the page). Several are bulk UPDATEs, as HR review, imports and the recompute
# write: no signal fires for them.


def _confirm_level(org, skill, pick):
    # Confirming the level shown (1, from the manager) is a self-rating: it never moves the level
    # or the rating it came from, but agreement raises the confidence shown beside it.
    feedback_services.skill_level_confirm(employee=org.employee, skill=skill, level=1, by=org.employee.user)
    confidence = employee_levels(employee=org.employee)[skill.pk]["confidence"]
    return "standing", f"confidence · {round(confidence * 100)}%"


def _accept_quietly(org, skill, pick):
    Recommendation.objects.filter(pk=pick.pk).update(status=Recommendation.Status.ACCEPTED)
    return "learning", "Accepted, in the plan"


def _finish_course(org, skill, pick):
    LearningRecord.objects.filter(employee=org.employee).update(status=LearningRecord.Status.FAILED)
    return "progress", "Failed"


def _decide_contest(org, skill, pick):
    SkillContest.objects.filter(employee=org.employee).update(
        status=SkillContest.Status.DECLINED, decided_at=timezone.now(), decided_level=1, decision_note="Not yet"
    )
    return "contests", "Not yet"


def _rename_skill(org, skill, pick):
    skill.name = "Stakeholder engagement"
    skill.save()  # the admin's way: post_save bumps the taxonomy version
    return "standing", "Stakeholder engagement"


def _rename_manager(org, skill, pick):
    Employee.objects.filter(pk=org.manager.pk).update(first_name="Renamed")  # as a bulk people import does
    return None, "your manager is Renamed"


def _themes_recomputed(org, skill, pick):
    now = timezone.now()
    Theme.objects.bulk_create(  # as the nightly theme run writes them: no signal fires
        [
            Theme(
                employee=org.employee,
                label="workload priorities",
                texts=4,
                authors=3,
                trend="rising",
                quotes=["Too many priorities at once."],
                window_start=now.date(),
                window_end=now.date(),
                computed_at=now,
            )
        ]
    )
    return "what-people-say", "workload priorities"


def _theme_hidden_and_another_shown(org, skill, pick):
    Theme.objects.filter(employee=org.employee).update(hidden=True)
    Theme.objects.create(
        employee=org.employee,
        label="clear stakeholder updates",
        texts=2,
        authors=2,
        trend="steady",
        window_start=timezone.localdate(),
        window_end=timezone.localdate(),
        computed_at=Theme.objects.get(employee=org.employee).computed_at,  # the same run
    )
    return "what-people-say", "clear stakeholder updates"


def _review_opened(org, skill, pick):
    today = timezone.localdate()
    cycle = ReviewCycle.objects.create(
        name="2026 Q4", period_start=today, period_end=today, self_due_on=today, manager_due_on=today
    )
    review_cycle_open(cycle=cycle)
    return "review", "2026 Q4"


def _review_due_date_moved(org, skill, pick):
    cycle = DeepReview.objects.get(employee=org.employee).cycle
    cycle.self_due_on = cycle.manager_due_on = timezone.localdate() + timedelta(days=40)
    cycle.save()  # in the admin
    return "review", f"{cycle.self_due_on:%-d %b %Y}"


def _self_assessment_sent(org, skill, pick):
    DeepReview.objects.filter(employee=org.employee).update(status=DeepReview.Status.SELF_DONE)
    return "review", "self-assessment sent"


@pytest.mark.parametrize(
    "change",
    [
        _confirm_level,
        _accept_quietly,
        _finish_course,
        _decide_contest,
        _rename_skill,
        _rename_manager,
        _themes_recomputed,
        _theme_hidden_and_another_shown,
        _review_opened,
        _review_due_date_moved,
        _self_assessment_sent,
    ],
)
def test_every_change_shows_on_the_next_visit(client, analysed, change):  # noqa: F811
    org, _, stakeholders = analysed
    LearningRecord.objects.create(employee=org.employee, activity_id="c1", title="Course 1", status="completed")
    SkillContest.objects.create(employee=org.employee, skill=stakeholders, claimed_level=3, reason="I run it")
    pick = recommendation_for(org.employee, stakeholders)
    if change in (_theme_hidden_and_another_shown,):
        _themes_recomputed(org, stakeholders, pick)
    if change in (_review_due_date_moved, _self_assessment_sent):
        _review_opened(org, stakeholders, pick)
    client.force_login(org.employee.user)
    me(client)
    before = me(client)  # served from the cache
    where, text = change(org, stakeholders, pick)
    assert text in section(me(client), where) and text not in section(before, where)


def test_the_manager_and_hr_each_see_their_own_briefing(client, analysed):  # noqa: F811
    """The check-in form is for the report's managers; HR, reading the same report, gets none."""
    org, *_ = analysed
    hr_group_ensure()
    hr = UserFactory()
    hr.groups.add(*hr.groups.model.objects.filter(name="HR"))
    url = reverse("portal:briefing", args=[org.employee.pk])
    client.force_login(org.manager.user)
    assert 'class="checkin-form"' in client.get(url).content.decode()
    client.force_login(hr)
    assert 'class="checkin-form"' not in client.get(url).content.decode()
    client.force_login(org.manager.user)
    assert 'class="checkin-form"' in client.get(url).content.decode()


def test_a_row_deleted_and_another_added_still_makes_a_new_page(client, analysed):  # noqa: F811
    """The count stays the same, but the evidence table's version moves: the page is built anew."""
    org, _, stakeholders = analysed
    client.force_login(org.employee.user)
    me(client)
    SkillEvidence.objects.filter(employee=org.employee).order_by("pk").last().delete()
    today = timezone.localdate()
    SkillEvidence.objects.create(
        employee=org.employee, skill=stakeholders, level=2, source="assessment", observed_at=timezone.now()
    )
    standing = me(client).split('id="standing"')[1].split("</section>")[0]
    assert f"{today.day} {today:%b %Y}" in standing


def test_pages_are_kept_apart_from_the_sign_in_counters(client, analysed):  # noqa: F811
    """allauth's failed-sign-in counters live in the default cache; page churn must never cull them."""
    org, *_ = analysed
    client.force_login(org.employee.user)
    me(client)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM talent_page_cache")
        pages = [key for (key,) in cursor.fetchall()]
        cursor.execute("SELECT COUNT(*) FROM talent_cache WHERE cache_key LIKE %s", ["%portal:%"])
        in_default = cursor.fetchone()[0]
    assert any(":portal:me:" in key for key in pages) and in_default == 0
