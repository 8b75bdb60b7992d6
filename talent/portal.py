"""The employee and manager portals: pages that bring the apps together for one person.

They live in ``talent`` because they read from every app (profile, analysis, and later
recommendations and feedback), and ``talent`` is the one package allowed to import them all.
Each view opens with the access rule, then calls selectors, then renders.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from profiles import selectors as profile_selectors
from recommendations import selectors as analysis_selectors

from .access import employee_for_viewer, employee_of, is_hr, visible_employees


def _linked_employee(request):
    viewer = employee_of(request.user)
    if viewer is None:
        raise PermissionDenied("Your account is not linked to an employee record; ask HR to link it.")
    return viewer


def _profile(request, employee):
    return {
        **profile_selectors.profile_context(employee=employee),
        **analysis_selectors.analysis_context(employee=employee, as_hr=is_hr(request.user)),
    }


@login_required
def me(request):
    return render(request, "portal/me.html", _profile(request, _linked_employee(request)))


@login_required
def team(request):
    viewer = _linked_employee(request)
    reports = profile_selectors.team_rows(manager=viewer, visible=visible_employees(request.user))
    return render(request, "portal/team.html", {"manager": viewer, "reports": reports})


@login_required
def detail(request, pk):
    employee = employee_for_viewer(request, pk)
    return render(request, "portal/detail.html", _profile(request, employee))
