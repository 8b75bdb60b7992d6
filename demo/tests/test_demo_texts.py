"""The demo's notes carry two planted themes (``demo/texts.py``); the real theme model recovers them.

The labels are whatever the model finds (TF-IDF + NMF over every pilot text); the tests check the
planted words come back for the planted people, recomputed here from the texts, not read from the
rows the demo wrote.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from demo import texts as planted
from feedback import reviews
from feedback.models import DeepReview, Text, Theme
from feedback.text.themes import TEAM_MIN_PEOPLE
from feedback.themes import themes_compute
from profiles.models import Employee

pytestmark = pytest.mark.usefixtures("pilot")

MANAGER, EMPLOYEE = "manager@demo.example", "employee@demo.example"


def person(email):
    return Employee.objects.get(user__email=email)


def labels(themes) -> list[str]:
    return [theme.label for theme in themes]


class TestPlantedThemes:
    def test_the_managers_team_theme_is_the_workload_the_notes_were_planted_with(self):
        Theme.objects.all().delete()
        themes_compute()  # as the nightly task does
        manager = person(MANAGER)
        team = Theme.objects.filter(manager=manager)
        workload = [t for t in team if {"workload", "priorities"} & set(t.label.replace(",", " ").split())]
        assert workload, labels(team)
        assert workload[0].people >= TEAM_MIN_PEOPLE and workload[0].texts >= 2 * TEAM_MIN_PEOPLE
        assert workload[0].quotes and all(quote in planted.WORKLOAD for quote in workload[0].quotes)

    def test_the_employees_own_theme_is_the_clear_updates_colleagues_thanked_her_for(self):
        Theme.objects.all().delete()
        themes_compute(employee_ids=[person(EMPLOYEE).pk])
        mine = Theme.objects.filter(employee=person(EMPLOYEE))
        updates = [t for t in mine if {"updates", "stakeholder", "clear"} & set(t.label.replace(",", " ").split())]
        assert updates, labels(mine)
        assert updates[0].texts >= 4 and updates[0].authors >= 2

    def test_no_other_team_carries_the_workload_theme(self):
        manager = person(MANAGER)
        elsewhere = Theme.objects.filter(manager__isnull=False).exclude(manager=manager)
        assert not [t for t in elsewhere if "workload" in t.label], labels(elsewhere)

    def test_every_pilot_note_is_a_tagged_text(self):
        pilot = Employee.objects.filter(cohort="pilot")
        texts = Text.objects.filter(employee__in=pilot)
        assert texts.count() >= 3 * pilot.count() and not texts.filter(tagged_at__isnull=True).exists()


class TestPages:
    def test_the_manager_sees_the_team_theme_and_the_employee_her_own(self, client):
        client.force_login(person(MANAGER).user)
        team = client.get(reverse("portal:team")).content.decode().split('id="team-themes"')[1].split("</section>")[0]
        assert "workload" in team
        client.force_login(person(EMPLOYEE).user)
        me = client.get(reverse("portal:me")).content.decode()
        says = me.split('id="what-people-say"')[1].split("</details>")[0]
        assert "stakeholder" in says or "updates" in says

    def test_everyone_in_the_pilot_units_has_this_quarters_review(self):
        assert DeepReview.objects.filter(employee=person(EMPLOYEE)).exists()


class TestStepSixCheck:
    """Step 6's verification check on the demo: profiles updated this month, and no pilot gap
    analysis older than 30 days after the demo's recompute."""

    def test_every_pilot_profile_was_updated_this_month_and_no_analysis_is_stale(self):
        figures = reviews.cadence(cycle=None, today=timezone.localdate())
        pilot = next(c for c in figures["cohorts"] if c["cohort"] == "pilot")
        assert pilot["people"] == Employee.objects.active().filter(cohort="pilot").count() > 0
        assert pilot["stale"] == 0 and figures["totals"]["stale"] == 0
        assert pilot["updated"] == pilot["people"]

    def test_the_cadence_page_shows_it_to_hr(self, client):
        client.force_login(Employee.objects.get(user__email=EMPLOYEE).user)
        assert client.get(reverse("feedback:cadence")).status_code == 403
        client.force_login(get_user_model().objects.get(email="hr@demo.example"))
        page = client.get(reverse("feedback:cadence"))
        assert page.status_code == 200 and "Profiles updated this month" in page.text
        assert "Cohort &ldquo;pilot&rdquo;" in page.text and "no analysis older than 30 days" in page.text
