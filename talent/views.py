from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from profiles.models import BusinessUnit, Employee
from taxonomy.models import MobilityPath, Role, RoleRequirement, Skill

from .access import employee_of, is_hr, is_manager


@login_required
def home(request):
    """Send each role where it works: HR to the HR home, managers to their team, employees to /me/."""
    if is_hr(request.user):
        return redirect("hr_home")
    if is_manager(request.user):
        return redirect("portal:team")
    if employee_of(request.user) is not None:
        return redirect("portal:me")
    return render(request, "talent/unlinked.html", status=403)


@login_required
def hr_home(request):
    if not is_hr(request.user):
        raise PermissionDenied("The HR home is for the HR team.")
    counts = {
        "employees": Employee.objects.active().count(),
        "business_units": BusinessUnit.objects.count(),
        "roles": Role.objects.count(),
        "skills": Skill.objects.count(),
        "requirements": RoleRequirement.objects.count(),
        "mobility_paths": MobilityPath.objects.count(),
        "roles_without_requirements": Role.objects.filter(requirements__isnull=True).count(),
        "employees_without_role": Employee.objects.active().filter(role__isnull=True).count(),
    }
    return render(request, "talent/hr_home.html", {"counts": counts})
