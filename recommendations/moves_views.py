"""The opportunity owner's pages: the opportunities they own, and each one's candidates side by
side (interested and recommended) with shortlist, decline-with-a-reason and place.

Owners are the hiring manager who posted the opportunity, and HR (``profiles.access.owns``).
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from profiles.access import employee_of, is_hr, owns
from profiles.models import Employee

from . import candidates, moves
from .models import Opportunity

NOT_YOURS = "Only the person who posted this opportunity, and HR, see its candidates."


def _owned(request, pk) -> Opportunity:
    opportunity = get_object_or_404(Opportunity.objects.select_related("role", "posted_by", "business_unit"), pk=pk)
    if not owns(request.user, opportunity.posted_by_id):
        raise PermissionDenied(NOT_YOURS)
    return opportunity


@login_required
def opportunity_list(request):
    viewer = employee_of(request.user)
    hr = is_hr(request.user)
    if viewer is None and not hr:
        raise PermissionDenied("Your account is not linked to an employee record; ask HR to link it.")
    owned = candidates.owned_opportunities(owner_id=viewer.pk if viewer else None, everyone=hr)
    return render(request, "recommendations/opportunities.html", {"opportunities": owned, "as_hr": hr})


@login_required
def opportunity_candidates(request, pk):
    opportunity = _owned(request, pk)
    context = {"opportunity": opportunity, "rows": candidates.candidates(opportunity=opportunity)}
    return render(request, "recommendations/candidates.html", context)


ACTIONS = {"shortlist", "decline", "place", "plan"}


@login_required
@require_POST
def candidate_decide(request, pk, employee_pk):
    opportunity = _owned(request, pk)
    employee = get_object_or_404(Employee, pk=employee_pk)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        messages.error(request, "Nothing changed: choose Shortlist, Plan the move, Decline or Place.")
        return redirect("opportunities:candidates", pk=pk)
    try:
        if action == "shortlist":
            moves.candidacy_shortlist(opportunity=opportunity, employee=employee, by=request.user)
            text = f"{employee.full_name} is shortlisted."
        elif action == "decline":
            moves.candidacy_decline(
                opportunity=opportunity, employee=employee, by=request.user, reason=request.POST.get("reason", "")
            )
            text = f"{employee.full_name} is declined; they will see your reason."
        elif action == "plan":
            move = moves.move_plan(
                opportunity=opportunity, employee=employee, by=request.user, **_planned(request.POST)
            )
            text = (
                f"A move of {employee.full_name} on {move.expected_on:%d %b %Y} is planned "
                f"({move.likelihood:.0%} sure); the supply and demand projections count it."
            )
        else:
            placement = moves.placement_make(opportunity=opportunity, employee=employee, by=request.user)
            picks = placement.development_path.count()
            text = f"{employee.full_name} is placed in “{opportunity.title}”" + (
                f", after {picks} completed learning pick{'s' if picks != 1 else ''}." if picks else "."
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("opportunities:candidates", pk=pk)
    messages.success(request, text)
    return redirect("opportunities:candidates", pk=pk)


def _planned(data) -> dict:
    """The plan form's date and likelihood (a percentage), or a ValidationError saying which is wrong."""
    try:
        expected_on = date.fromisoformat(data.get("expected_on", ""))
    except ValueError:
        raise ValidationError({"expected_on": "Give the expected date of the move as YYYY-MM-DD."}) from None
    try:
        likelihood = float(data.get("likelihood") or 80) / 100
    except ValueError:
        raise ValidationError({"likelihood": "Give how sure the move is as a percentage, 5 to 100."}) from None
    if not 0.05 <= likelihood <= 1:
        raise ValidationError({"likelihood": "Give how sure the move is as a percentage, 5 to 100."})
    return {"expected_on": expected_on, "likelihood": likelihood}
