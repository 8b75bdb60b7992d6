from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from profiles.access import employee_of, is_hr, may_review, may_see

from . import selectors, services
from .engine.rationale import about_them
from .models import CriticalRole, EngineSettings, ReviewItem, SuccessionCandidate

REVIEW_REFUSAL = "The review queue is for the HR team and the owners of critical roles."


def _reviewer(request) -> int | None:
    """None when the viewer reviews every item (HR); else the employee id of a critical role's
    owner, who reviews only those roles' succession proposals; 403 for anyone else."""
    if is_hr(request.user):
        return None
    viewer = employee_of(request.user)
    owner_id = viewer.pk if viewer is not None and CriticalRole.objects.filter(owner=viewer).exists() else None
    if not may_review(request.user, owner_id=owner_id):
        raise PermissionDenied(REVIEW_REFUSAL)
    return owner_id


def _item_for_reviewer(request, pk, queryset=None) -> ReviewItem:
    """The review item ``pk`` if the viewer decides it (``may_review``): 403 for who reviews
    nothing (before telling whether ``pk`` exists), 404 if unknown, 403 if not theirs."""
    _reviewer(request)
    item = get_object_or_404((queryset or ReviewItem.objects).select_related("succession__critical_role"), pk=pk)
    owner_id = item.succession.critical_role.owner_id if item.succession_id else None
    if not may_review(request.user, owner_id=owner_id):
        raise PermissionDenied(REVIEW_REFUSAL)
    return item


@login_required
def review_queue(request):
    owner_id = _reviewer(request)
    kind = request.GET.get("kind", "") if request.GET.get("kind") in ReviewItem.Kind.values else ""
    if owner_id is not None:
        kind = ReviewItem.Kind.SUCCESSION
    kinds = [
        (ReviewItem.Kind.GAP_ANALYSIS, "gap analyses"),
        (ReviewItem.Kind.RECOMMENDATION, "learning picks"),
        (ReviewItem.Kind.SUCCESSION, "succession proposals"),
    ]
    return render(
        request,
        "recommendations/review_queue.html",
        {
            "items": selectors.review_queue(kind=kind, owner_id=owner_id),
            "kind": kind,
            "kinds": kinds if owner_id is None else [],
            "as_owner": owner_id is not None,
            "accuracy": selectors.review_accuracy() if owner_id is None else [],
            "engine": EngineSettings.load(),
        },
    )


@login_required
def review_item(request, pk):
    item = _item_for_reviewer(
        request, pk, ReviewItem.objects.select_related("employee", "employee__role", "decided_by")
    )
    if item.kind == ReviewItem.Kind.SUCCESSION:
        return _succession_item(request, item)
    context = {
        "item": item,
        "employee": item.employee,
        **_about_them(selectors.analysis_context(employee=item.employee, as_hr=True)),
    }
    pointer = context["analysis"]
    if pointer is not None and pointer.visible_run_id and pointer.run_id != pointer.visible_run_id:
        # what HR approves (the pending analysis) beside what managers and the employee see now
        released = _about_them(selectors.analysis_context(employee=item.employee, as_hr=False))
        context["released"] = released
        context["changes"] = selectors.analysis_changes(pending=context["gaps"], released=released["gaps"])
    if item.kind == ReviewItem.Kind.RECOMMENDATION:
        context.update(selectors.recommendation_review(employee=item.employee))
        for pick in context["waiting_picks"]:
            pick.reason = about_them(pick.reason)
    return render(request, "recommendations/review_item.html", context)


def _succession_item(request, item):
    candidate = SuccessionCandidate.objects.select_related("critical_role__role").get(pk=item.succession_id)
    bench = (
        SuccessionCandidate.objects.filter(critical_role=candidate.critical_role)
        .exclude(pk=candidate.pk)
        .select_related("employee")
    )
    context = {
        "item": item,
        "employee": item.employee,
        "candidate": candidate,
        "bench": bench,
        "may_see_person": may_see(request.user, item.employee),
        "horizons": SuccessionCandidate.Horizon.choices,
    }
    return render(request, "recommendations/review_succession.html", context)


def _about_them(context: dict) -> dict:
    """The gap sentences are written to the employee; HR reads them about the employee."""
    for gap in context.get("gaps", []):
        gap.employee_rationale = gap.rationale  # what HR may reword: the employee reads it
        gap.rationale = about_them(gap.rationale)
    return context


@login_required
def review_decide(request, pk):
    item = _item_for_reviewer(request, pk)  # the access check first: only reviewers learn the page takes POST alone
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    rationales = {
        key.removeprefix("rationale-"): value for key, value in request.POST.items() if key.startswith("rationale-")
    }
    try:
        services.review_decide(
            item=item,
            decision=request.POST.get("decision", ""),
            user=request.user,
            note=request.POST.get("note", ""),
            rationales=rationales,
            horizon=request.POST.get("horizon", ""),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("recommendations:review_item", pk=pk)
    item.refresh_from_db()
    decided = item.get_status_display()  # "Approved by HR": HR stays in capitals
    messages.success(request, f"{item.employee.full_name}: {decided[:1].lower()}{decided[1:]}.")
    return redirect("recommendations:review_queue")
