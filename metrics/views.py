"""HR: the five outcome metrics, baseline beside current, and the latest bias audit."""

from django.shortcuts import render

from profiles.access import hr_required

from . import selectors
from .audit import FOUR_FIFTHS, MIN_GROUP


@hr_required("Outcome metrics and the bias audit are for the HR team.")
def outcomes(request):
    baseline, current = selectors.dates_taken()
    context = {
        "table": selectors.outcome_table(),
        "baseline_date": baseline,
        "current_date": current,
        "audit": selectors.latest_audit(),
        "four_fifths": FOUR_FIFTHS,
        "min_group": MIN_GROUP,
    }
    return render(request, "metrics/outcomes.html", context)
