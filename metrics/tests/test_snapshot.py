"""Taking a snapshot from the database, the HR outcomes page, and the command."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from feedback.models import CheckIn
from feedback.tests.fixtures import analysed, recommendation_for, team  # noqa: F401  (fixtures)
from metrics.models import BiasAudit, Metric, MetricSnapshot
from metrics.services import snapshot_take
from profiles.models import Demographics, Employee
from recommendations.models import Recommendation

pytestmark = pytest.mark.django_db


@pytest.fixture
def measured(analysed):  # noqa: F811
    """The analysed team with a pilot cohort, an engaged pick, a check-in answered and demographics."""
    org, _, stakeholders = analysed
    now = timezone.now()
    Employee.objects.filter(pk__in=[org.employee.pk, org.peer.pk]).update(cohort="pilot")
    acted = recommendation_for(org.employee, stakeholders)
    ignored = recommendation_for(org.peer, stakeholders, rank=2)
    Recommendation.objects.filter(pk=acted.pk).update(
        status="accepted", delivered_at=now - timedelta(days=60), acted_at=now - timedelta(days=55)
    )
    Recommendation.objects.filter(pk=ignored.pk).update(delivered_at=now - timedelta(days=60))
    CheckIn.objects.create(
        employee=org.employee,
        manager=org.manager,
        held_on=timezone.localdate() - timedelta(days=10),
        employee_relevance=4,
        manager_prep_saved=5,
    )
    for person, gender in [(org.employee, "woman"), (org.peer, "man")]:
        Demographics.objects.create(employee=person, gender=gender)
    return org


def figure(metric, cohort, segment=""):
    return MetricSnapshot.objects.get(metric=metric, cohort=cohort, segment=segment)


def test_a_snapshot_measures_each_cohort_and_the_whole_organisation(measured):
    taken = snapshot_take(as_of=timezone.localdate())
    assert figure(Metric.ENGAGEMENT, "pilot").value == 0.5 and figure(Metric.ENGAGEMENT, "pilot").measured == 2
    assert figure(Metric.ENGAGEMENT, "all").measured == 2
    quality = figure(Metric.CONVERSATION_QUALITY, "pilot", "employee: relevant to my goals")
    assert (quality.value, quality.measured) == (4.0, 1)
    assert {s.metric for s in MetricSnapshot.objects.filter(cohort="all")} == set(Metric.values)
    assert taken.audit.employees == 2  # groups of one are counted, never reported
    assert all(finding.value is None for finding in taken.audit.findings.all())


def test_taking_it_again_for_the_same_date_replaces_the_figures(measured):
    today = timezone.localdate()
    snapshot_take(as_of=today)
    count = MetricSnapshot.objects.count()
    Recommendation.objects.filter(status="delivered").update(status="dismissed", acted_at=timezone.now())
    snapshot_take(as_of=today)
    assert MetricSnapshot.objects.count() == count
    assert BiasAudit.objects.count() == 2  # every audit run is kept


def test_hr_sees_the_baseline_beside_the_newest_and_the_audit(client, measured):
    call_command("metrics_snapshot", baseline_days=90, verbosity=0)
    client.force_login(measured.hr_user)
    page = client.get(reverse("metrics:outcomes")).content.decode()
    today, baseline = timezone.localdate(), timezone.localdate() - timedelta(days=90)
    assert f"Baseline {baseline.day} {baseline:%b %Y}, newest {today.day} {today:%b %Y}" in page
    assert "Recommendation engagement rate" in page and "50%" in page
    assert "Bias audit" in page and "Not enough people to compare" in page


def test_before_any_snapshot_the_page_says_how_to_take_one(client, org):
    client.force_login(org.hr_user)
    assert "No snapshot yet" in client.get(reverse("metrics:outcomes")).content.decode()


@pytest.mark.parametrize("arguments", [{"as_of": "22/11/2026"}, {"window_days": 0}, {"baseline_days": -5}])
def test_the_command_refuses_bad_arguments_and_writes_nothing(db, arguments):
    with pytest.raises(CommandError):
        call_command("metrics_snapshot", verbosity=0, **arguments)
    assert not MetricSnapshot.objects.exists()


class TestOutcomesPage:
    @pytest.fixture
    def page(self, client, measured):
        call_command("metrics_snapshot", baseline_days=90, verbosity=0)
        client.force_login(measured.hr_user)
        return client.get(reverse("metrics:outcomes")).content.decode()

    def test_each_metric_is_a_chart_of_the_baseline_and_today(self, page):
        assert page.count('<svg class="bars"') >= len(Metric)
        assert '<rect class="baseline' in page and '<rect class="today' in page
        assert "<script" not in page.split("<main", 1)[1]  # server-drawn: nothing for a CSP to block

    def test_a_cohort_with_the_same_figures_as_everyone_is_not_repeated(self, client, measured):
        Employee.objects.update(cohort="pilot")  # the pilot is everyone, as in the demo
        call_command("metrics_snapshot", baseline_days=90, verbosity=0)
        client.force_login(measured.hr_user)
        response = client.get(reverse("metrics:outcomes"))
        for block in response.context["table"]:
            labels = [row.label for row in block["rows"]]
            assert len(labels) == len(set(labels)) and not any(label.startswith("pilot") for label in labels)
        assert "The pilot cohort measured the same as everyone" in response.content.decode()

    def test_a_falling_figure_is_explained_where_it_is_shown(self, client, measured):
        from metrics.selectors import WHEN_IT_FALLS

        call_command("metrics_snapshot", baseline_days=90, verbosity=0)
        MetricSnapshot.objects.filter(metric=Metric.ENGAGEMENT, as_of=timezone.localdate()).update(value=0.1)
        MetricSnapshot.objects.filter(metric=Metric.ENGAGEMENT).exclude(as_of=timezone.localdate()).update(value=0.6)
        client.force_login(measured.hr_user)
        page = client.get(reverse("metrics:outcomes")).content.decode()
        assert "Why a figure is lower:" in page and WHEN_IT_FALLS[Metric.ENGAGEMENT][:40] in page

    def test_groups_too_small_to_compare_say_so_and_how_many_people_are_needed(self, page):
        assert "Not enough people to compare." in page
        assert "nothing below the four-fifths ratio" not in page and "no group below" not in page
        assert "19 more in the second-largest group" in page  # gender: one woman, one man; 20 needed
