from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from talent.access import employee_for_viewer, employee_of, visible_employees

from . import selectors


@login_required
def me(request):
    viewer = employee_of(request.user)
    if viewer is None:
        raise PermissionDenied("Your account is not linked to an employee record; ask HR to link it.")
    return render(request, "profiles/me.html", selectors.profile_context(employee=viewer))


@login_required
def team(request):
    viewer = employee_of(request.user)
    if viewer is None:
        raise PermissionDenied("Your account is not linked to an employee record; ask HR to link it.")
    reports = selectors.team_rows(manager=viewer, visible=visible_employees(request.user))
    return render(request, "profiles/team.html", {"manager": viewer, "reports": reports})


@login_required
def detail(request, pk):
    employee = employee_for_viewer(request, pk)
    return render(request, "profiles/detail.html", selectors.profile_context(employee=employee))
