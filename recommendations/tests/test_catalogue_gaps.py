"""Gaps the catalogue cannot serve: the person's own top gaps with no item left (shown on /me/),
and the organisation's list for HR (which skill and level, how many people)."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from recommendations import analysis
from recommendations.catalogue_gaps import catalogue_gaps, uncovered_gaps
from recommendations.models import LearningResource, Recommendation
from recommendations.selectors import learning_context

from .test_learning import after_pilot, catalogue  # noqa: F401  the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysed(catalogue):  # noqa: F811
    org, items, skills = catalogue
    after_pilot()
    analysis.recompute()
    return org, items, skills


def gap_names(gaps):
    return [gap.skill.name for gap in gaps]


def test_with_an_item_at_every_top_gap_nothing_is_uncovered(analysed):
    org, _, _ = analysed
    assert uncovered_gaps(employee=org.employee, as_hr=False) == []
    assert catalogue_gaps() == []


def test_a_top_gap_with_no_item_at_the_persons_level_is_uncovered_and_counted_for_hr(analysed):
    org, items, _ = analysed
    LearningResource.objects.filter(pk__in=[items["coaching"].pk, items["stretch"].pk]).update(active=False)
    gaps = uncovered_gaps(employee=org.employee, as_hr=False)
    assert gap_names(gaps) == ["Coaching"] and gaps[0].in_catalogue is False
    assert catalogue_gaps() == [{"skill": "Coaching", "from_level": 1, "in_catalogue": False, "people": 1, "first": 0}]


def test_a_gap_whose_items_the_person_turned_down_is_used_up_not_missing(analysed):
    org, items, skills = analysed
    for rec in Recommendation.objects.filter(employee=org.employee, resource=items["sql"]):
        rec.status = Recommendation.Status.DISMISSED
        rec.save()
    if not Recommendation.objects.filter(employee=org.employee, resource=items["sql"]).exists():
        Recommendation.objects.create(
            employee=org.employee, resource=items["sql"], skill=skills["sql"], goal="current", current_level=2, reaches_level=3,
            gap_priority=0.5, score=0.5, confidence=0.5, rank=9, reason="x", status=Recommendation.Status.DISMISSED,
        )  # fmt: skip
    gaps = uncovered_gaps(employee=org.employee, as_hr=False)
    assert "SQL" in gap_names(gaps) and next(g for g in gaps if g.skill.name == "SQL").in_catalogue
    rows = {row["skill"]: row for row in catalogue_gaps()}
    assert rows["SQL"]["in_catalogue"] and rows["SQL"]["people"] == 1


def test_me_says_which_top_gap_has_no_item_and_hr_home_lists_it(analysed, client):
    org, items, _ = analysed
    LearningResource.objects.filter(pk__in=[items["coaching"].pk, items["stretch"].pk]).update(active=False)
    context = learning_context(org.employee, as_hr=False)
    html = render_to_string("recommendations/_learning.html", context)
    assert "Not covered by the catalogue yet" in html and "Coaching" in html
    assert learning_context(org.employee, as_hr=False, for_manager=True)["uncovered_gaps"] == []
    client.force_login(org.hr_user)
    page = client.get(reverse("hr_home")).content.decode()
    assert "Catalogue gaps" in page and "Coaching" in page and "no item" in page
