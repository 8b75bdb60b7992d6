"""Who may see whom: the one rule every page and API endpoint goes through.

* An employee may see themselves.
* A manager may see everyone in their reporting line, direct and indirect.
* HR (members of the "HR" group, and superusers) may see everyone.

"Manager" is derived from the org chart (having reports), never a checkbox. Who reviews
what in the review queue is ``may_review`` (HR everything; a critical role's owner its
succession proposals). The rule is
registered with django-rules as ``profiles.view_employee``, so ``user.has_perm(...)``,
``may_see`` and ``visible_employees`` always agree. HR-only pages open with ``hr_required``.
"""

import functools

import rules
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Employee

HR_GROUP = "HR"


def employee_of(user):
    """The Employee linked to ``user``, or None (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_talent_employee"):
        user._talent_employee = Employee.objects.filter(user=user).first()
    return user._talent_employee


@rules.predicate
def is_hr(user):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not hasattr(user, "_talent_is_hr"):
        user._talent_is_hr = user.is_superuser or user.groups.filter(name=HR_GROUP).exists()
    return user._talent_is_hr


@rules.predicate
def is_self(user, employee):
    viewer = employee_of(user)
    return viewer is not None and employee is not None and viewer.pk == employee.pk


@rules.predicate
def manages(user, employee):
    """True when ``employee`` sits anywhere below the user in the reporting line."""
    viewer = employee_of(user)
    if viewer is None or employee is None or viewer.pk == employee.pk or not viewer.org_path:
        return False
    return employee.org_path.startswith(viewer.org_path)


rules.add_perm("profiles.view_employee", is_hr | is_self | manages)


def may_see(user, employee) -> bool:
    return user.has_perm("profiles.view_employee", employee)


def is_manager(user) -> bool:
    viewer = employee_of(user)
    return viewer is not None and viewer.reports.exists()


def employee_for_viewer(request, pk):
    """The employee ``pk`` if the signed-in user may see them: 404 if unknown, 403 if not theirs."""
    employee = get_object_or_404(Employee.objects.select_related("role", "manager", "business_unit"), pk=pk)
    if not may_see(request.user, employee):
        raise PermissionDenied("You may only see your own profile and the people in your reporting line.")
    return employee


def visible_employees(user):
    """A queryset of everyone ``user`` may see, for list pages and API endpoints."""
    if is_hr(user):
        return Employee.objects.all()
    viewer = employee_of(user)
    if viewer is None:
        return Employee.objects.none()
    if not viewer.org_path:
        # Not yet placed in the org chart (as mid-way through a people import): an empty prefix
        # would match everyone, and ``manages`` grants no one, so only themselves.
        return Employee.objects.filter(pk=viewer.pk)
    return Employee.objects.filter(org_path__startswith=viewer.org_path)


def hr_required(refusal: str):
    """A view decorator for HR-only pages: signed in (else to the sign-in page), and HR (else 403
    with ``refusal``, e.g. "The review queue is for the HR team.")."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def guarded(request, *args, **kwargs):
            if not is_hr(request.user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return guarded

    return decorator


# --- internal moves: who may see a person's interest in an opportunity ------------------------


def owns(user, owner_id) -> bool:
    """The user is the employee ``owner_id`` (an opportunity's hiring manager, a critical role's
    owner), or HR, who owns every opportunity and every bench."""
    if is_hr(user):
        return True
    viewer = employee_of(user)
    return viewer is not None and owner_id is not None and viewer.pk == owner_id


def may_review(user, *, owner_id=None) -> bool:
    """Who decides an item of the review queue: HR decides every item; the owner of a critical
    role (``owner_id``: that role's owner, for a succession proposal) decides the proposals for
    that role and nothing else. For the queue itself, ``owner_id`` is the viewer when they own a
    critical role (they then see only those roles' proposals)."""
    return is_hr(user) or (owner_id is not None and owns(user, owner_id))


def may_see_interest(user, employee, *, owner_id, manager_told: bool) -> bool:
    """Who may see that ``employee`` is a candidate for an opportunity owned by ``owner_id``:
    the person themselves, the owner and HR; their managers only when the person chose to tell
    them (people must be able to look for their next move safely)."""
    if is_self(user, employee) or owns(user, owner_id):
        return True
    return bool(manager_told) and manages(user, employee)
