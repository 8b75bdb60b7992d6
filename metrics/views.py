"""HR: the five outcome metrics, baseline beside current, and the latest bias audit."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from talent.access import is_hr

from . import selectors
from .audit import FOUR_FIFTHS, MIN_GROUP


@login_required
def outcomes(request):
    if not is_hr(request.user):
        raise PermissionDenied("Outcome metrics and the bias audit are for the HR team.")
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
