"""The data-quality check the gap engine adds: no analysis older than 30 days (the guide's step 6)."""

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Exists, OuterRef

from profiles.models import DataQualityFlag, Employee
from profiles.quality import Check, Finding, ScanContext

from .models import EmployeeAnalysis

MAX_ANALYSIS_AGE_DAYS = 30


def find_stale_analysis(ctx: ScanContext) -> Iterable[Finding]:
    cutoff = ctx.now - timedelta(days=MAX_ANALYSIS_AGE_DAYS)
    analysed = EmployeeAnalysis.objects.filter(employee=OuterRef("pk"))
    active = Employee.objects.active()
    for pk, computed_at in EmployeeAnalysis.objects.filter(
        computed_at__lt=cutoff, employee__status=Employee.Status.ACTIVE
    ).values_list("employee_id", "computed_at"):
        yield Finding(
            pk,
            "",
            f"The gap analysis was last computed on {computed_at:%d %b %Y}, over {MAX_ANALYSIS_AGE_DAYS} days ago.",
        )
    for pk in active.filter(~Exists(analysed)).values_list("pk", flat=True):
        yield Finding(pk, "", "No gap analysis has been computed yet.")


STALE_ANALYSIS_CHECK = Check(DataQualityFlag.Kind.STALE_ANALYSIS, find_stale_analysis)
