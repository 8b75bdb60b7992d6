"""HR's succession page: mark critical roles, see each bench and its strength, propose again.

The names themselves are decided in the review queue (kind "succession"), never here."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from profiles.access import hr_required
from profiles.models import Employee
from taxonomy.models import Role

from .models import CriticalRole, ReviewStatus, SuccessionCandidate
from .succession import bench_strength
from .tasks import queue_succession_propose

REFUSAL = "Succession planning is for the HR team."


@hr_required(REFUSAL)
def succession(request):
    roles = bench_strength()
    bench = (
        SuccessionCandidate.objects.exclude(status=ReviewStatus.REJECTED)
        .select_related("employee", "employee__role")
        .prefetch_related("review_items")
        .order_by("critical_role", "horizon", "-readiness")
    )
    by_role = {}
    for candidate in bench:
        by_role.setdefault(candidate.critical_role_id, []).append(candidate)
    for role in roles:
        role.names = by_role.get(role.pk, [])
    context = {"roles": roles, "markable": Role.objects.filter(critical__isnull=True).order_by("title")}
    return render(request, "recommendations/succession.html", context)


@hr_required(REFUSAL)
@require_POST
def succession_mark(request):
    role = Role.objects.filter(pk=request.POST.get("role") or 0).first()
    if role is None:
        messages.error(request, "Choose the role to mark as critical.")
        return redirect("succession:home")
    owner = Employee.objects.filter(pk=request.POST.get("owner") or 0).first()
    critical = CriticalRole(role=role, owner=owner, marked_by=request.user)
    try:
        critical.full_clean()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("succession:home")
    critical.save()
    queue_succession_propose()
    messages.success(request, f"{role.title} is marked critical; its bench is being proposed for your review.")
    return redirect("succession:home")


@hr_required(REFUSAL)
@require_POST
def succession_propose(request):
    queue_succession_propose()
    messages.success(request, "Benches are being proposed again; new names wait in the review queue.")
    return redirect("succession:home")
