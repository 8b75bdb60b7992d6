"""``bench``'s steady state: the people with new evidence are recomputed, and the bench leaves no trace."""

import pytest

from profiles.models import SkillEvidence
from recommendations import analysis
from recommendations.management.commands.bench import STEADY_PREFIX, Command
from recommendations.models import AnalysisRun, EmployeeAnalysis
from taxonomy.tests.factories import SkillFactory

pytestmark = pytest.mark.django_db


def test_the_changed_share_is_recomputed_and_its_evidence_removed(org):
    SkillFactory()
    analysis.recompute(trigger="before")
    before = dict(EmployeeAnalysis.objects.values_list("employee_id", "computed_at"))
    evidence_before = SkillEvidence.objects.count()

    steady = Command().steady_state(0.5)  # every second person of the six

    assert steady["changed"] == 3 and steady["until_live_seconds"] > 0
    runs = AnalysisRun.objects.filter(trigger__startswith="bench: steady state").order_by("pk")
    assert [(run.trigger, run.employees) for run in runs] == [
        ("bench: steady state", 3),
        ("bench: steady state undone", 3),
    ]
    after = dict(EmployeeAnalysis.objects.values_list("employee_id", "computed_at"))
    assert sum(after[pk] != before[pk] for pk in before) == 3  # the others were not touched
    assert SkillEvidence.objects.count() == evidence_before
    assert not SkillEvidence.objects.filter(external_id__startswith=STEADY_PREFIX).exists()
