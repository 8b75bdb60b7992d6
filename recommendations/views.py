from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from talent.access import is_hr

from . import selectors, services
from .models import EngineSettings, ReviewItem


def _hr_only(request):
    if not is_hr(request.user):
        raise PermissionDenied("The review queue is for the HR team.")


@login_required
def review_queue(request):
    _hr_only(request)
    return render(
        request,
        "recommendations/review_queue.html",
        {
            "items": selectors.review_queue(),
            "accuracy": selectors.review_accuracy(),
            "engine": EngineSettings.load(),
        },
    )


@login_required
def review_item(request, pk):
    _hr_only(request)
    item = get_object_or_404(ReviewItem.objects.select_related("employee", "employee__role", "decided_by"), pk=pk)
    context = {
        "item": item,
        "employee": item.employee,
        **selectors.analysis_context(employee=item.employee, as_hr=True),
    }
    if item.kind == ReviewItem.Kind.RECOMMENDATION:
        context.update(selectors.recommendation_review(employee=item.employee))
    return render(request, "recommendations/review_item.html", context)


@login_required
@require_POST
def review_decide(request, pk):
    _hr_only(request)
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
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("recommendations:review_item", pk=pk)
    item.refresh_from_db()
    messages.success(request, f"{item.employee}: {item.get_status_display().lower()}.")
    return redirect("recommendations:review_queue")
