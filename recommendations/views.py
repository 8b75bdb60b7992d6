from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from profiles.access import hr_required

from . import selectors, services
from .engine.rationale import about_them
from .models import EngineSettings, ReviewItem, SuccessionCandidate

REVIEW_REFUSAL = "The review queue is for the HR team."


@hr_required(REVIEW_REFUSAL)
def review_queue(request):
    kind = request.GET.get("kind", "") if request.GET.get("kind") in ReviewItem.Kind.values else ""
    return render(
        request,
        "recommendations/review_queue.html",
        {
            "items": selectors.review_queue(kind=kind),
            "kind": kind,
            "kinds": [
                (ReviewItem.Kind.GAP_ANALYSIS, "gap analyses"),
                (ReviewItem.Kind.RECOMMENDATION, "learning picks"),
                (ReviewItem.Kind.SUCCESSION, "succession proposals"),
            ],
            "accuracy": selectors.review_accuracy(),
            "engine": EngineSettings.load(),
        },
    )


@hr_required(REVIEW_REFUSAL)
def review_item(request, pk):
    item = get_object_or_404(ReviewItem.objects.select_related("employee", "employee__role", "decided_by"), pk=pk)
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
        "horizons": SuccessionCandidate.Horizon.choices,
    }
    return render(request, "recommendations/review_succession.html", context)


def _about_them(context: dict) -> dict:
    """The gap sentences are written to the employee; HR reads them about the employee."""
    for gap in context.get("gaps", []):
        gap.employee_rationale = gap.rationale  # what HR may reword: the employee reads it
        gap.rationale = about_them(gap.rationale)
    return context


@hr_required(REVIEW_REFUSAL)
@require_POST
def review_decide(request, pk):
    item = get_object_or_404(ReviewItem, pk=pk)
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
