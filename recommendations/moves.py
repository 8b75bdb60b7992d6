"""Writes of internal moves: interest from /me/, the owner's shortlist, decline and placement.

Every write saves rows one at a time on purpose (a person's interest, one decision), so
django-auditlog records each with its actor; nothing here grows with the organisation.
"""

from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from profiles.models import Employee, RoleAssignment

from .models import (
    Candidacy,
    EmployeeAnalysis,
    Opportunity,
    OpportunityMatch,
    Placement,
    PlannedMove,
    Recommendation,
)
from .tasks import queue_recompute

Status = Candidacy.Status
REASON_LIMIT = 1000


def _open(opportunity: Opportunity) -> None:
    if opportunity.status != Opportunity.Status.OPEN:
        raise ValidationError(
            f"“{opportunity.title}” is {opportunity.get_status_display().lower()}: it takes no candidates."
        )
    if opportunity.closes_on is not None and opportunity.closes_on < timezone.localdate():
        raise ValidationError(f"“{opportunity.title}” closed on {opportunity.closes_on:%d %b %Y}.")


def current_match(*, employee: Employee, opportunity: Opportunity) -> OpportunityMatch | None:
    """The match of ``employee`` and ``opportunity`` in the analysis the employee sees (None if none)."""
    run_id = EmployeeAnalysis.objects.filter(employee=employee).values_list("visible_run_id", flat=True).first()
    if run_id is None:
        return None
    return OpportunityMatch.objects.filter(employee=employee, opportunity=opportunity, run_id=run_id).first()


@transaction.atomic
def interest_express(*, employee: Employee, opportunity: Opportunity, tell_manager: bool = False) -> Candidacy:
    """``employee`` says they are interested in an opportunity they were matched to; their
    manager sees it only when ``tell_manager``. Saying it again after withdrawing reopens it."""
    _open(opportunity)
    match = current_match(employee=employee, opportunity=opportunity)
    if match is None:
        raise ValidationError(f"“{opportunity.title}” is not among the opportunities matched to you.")
    candidacy = Candidacy.objects.select_for_update().filter(employee=employee, opportunity=opportunity).first()
    if candidacy is not None and candidacy.status in (Status.DECLINED, Status.PLACED):
        raise ValidationError(f"“{opportunity.title}” was already decided: {candidacy.get_status_display().lower()}.")
    if candidacy is not None and candidacy.status in Candidacy.OPEN and candidacy.origin == Candidacy.Origin.INTEREST:
        raise ValidationError(f"You already said you are interested in “{opportunity.title}”.")
    candidacy = candidacy or Candidacy(employee=employee, opportunity=opportunity)
    candidacy.origin = Candidacy.Origin.INTEREST
    if candidacy.status == Status.WITHDRAWN or candidacy.pk is None:
        candidacy.status = Status.INTERESTED
    candidacy.tell_manager = bool(tell_manager)
    candidacy.readiness = match.fit
    candidacy.full_clean()
    candidacy.save()
    return candidacy


@transaction.atomic
def interest_withdraw(*, candidacy: Candidacy) -> Candidacy:
    candidacy = Candidacy.objects.select_for_update().get(pk=candidacy.pk)
    if candidacy.status not in Candidacy.OPEN:
        raise ValidationError(f"Nothing to withdraw: this is {candidacy.get_status_display().lower()}.")
    candidacy.status = Status.WITHDRAWN
    candidacy.save(update_fields=["status"])
    return candidacy


def _candidacy_for(*, opportunity: Opportunity, employee: Employee) -> Candidacy:
    """The person's candidacy, or a new one for a recommended candidate the owner picks."""
    candidacy = Candidacy.objects.select_for_update().filter(opportunity=opportunity, employee=employee).first()
    if candidacy is not None:
        return candidacy
    match = current_match(employee=employee, opportunity=opportunity)
    if match is None or match.rank_for_opportunity is None:
        raise ValidationError(
            f"{employee.full_name} is neither interested in nor recommended for “{opportunity.title}”."
        )
    return Candidacy(
        opportunity=opportunity,
        employee=employee,
        origin=Candidacy.Origin.RECOMMENDED,
        status=Status.INTERESTED,
        readiness=match.fit,
    )


def _decided(candidacy: Candidacy, *, status: str, by: User, reason: str = "") -> Candidacy:
    candidacy.status = status
    candidacy.decided_at = timezone.now()
    candidacy.decided_by = by
    candidacy.reason = reason
    candidacy.full_clean()
    candidacy.save()
    return candidacy


@transaction.atomic
def candidacy_shortlist(*, opportunity: Opportunity, employee: Employee, by: User) -> Candidacy:
    _open(opportunity)
    candidacy = _candidacy_for(opportunity=opportunity, employee=employee)
    if candidacy.status not in (Status.INTERESTED, Status.SHORTLISTED):
        raise ValidationError(f"{employee.full_name} is {candidacy.get_status_display().lower()}: not shortlisted.")
    return _decided(candidacy, status=Status.SHORTLISTED, by=by)


@transaction.atomic
def candidacy_decline(*, opportunity: Opportunity, employee: Employee, by: User, reason: str) -> Candidacy:
    """Decline with a reason the person reads on /me/."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Say why {employee.first_name} is declined: they will read it."})
    if len(reason) > REASON_LIMIT:
        raise ValidationError({"reason": f"Keep the reason under {REASON_LIMIT} characters."})
    candidacy = _candidacy_for(opportunity=opportunity, employee=employee)
    if candidacy.status not in Candidacy.OPEN:
        raise ValidationError(f"{employee.full_name} is {candidacy.get_status_display().lower()}: nothing to decline.")
    return _decided(candidacy, status=Status.DECLINED, by=by, reason=reason)


def development_path(*, employee: Employee, before: date):
    """The learning picks ``employee`` completed before the day ``before``."""
    until = timezone.make_aware(datetime.combine(before, time.min))
    return Recommendation.objects.filter(
        employee=employee, status=Recommendation.Status.COMPLETED, completed_at__lt=until
    ).order_by("completed_at")


@transaction.atomic
def placement_make(*, opportunity: Opportunity, employee: Employee, by: User, on: date | None = None) -> Placement:
    """Place ``employee`` in ``opportunity`` from the day ``on`` (today by default).

    1. The opportunity is filled by them; their candidacy is placed and every other open one
       declined with the reason "filled by another candidate".
    2. An open role: the role history gains an internal fill (the assignment they held ends the
       day before) and the person's role and business unit become the opportunity's.
    3. The placement keeps the development path: the picks they completed before the day.
    4. They are recomputed: their gaps are now against the new role.
    """
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    _open(opportunity)
    on = on or timezone.localdate()
    candidacy = _candidacy_for(opportunity=opportunity, employee=employee)
    if candidacy.status not in Candidacy.OPEN:
        raise ValidationError(f"{employee.full_name} is {candidacy.get_status_display().lower()}: not placed.")
    _decided(candidacy, status=Status.PLACED, by=by)
    others = Candidacy.objects.filter(opportunity=opportunity, status__in=Candidacy.OPEN).exclude(pk=candidacy.pk)
    for other in others.select_for_update():  # one opportunity's candidates: a short list, each audited
        _decided(other, status=Status.DECLINED, by=by, reason="The opportunity was filled by another candidate.")
    assignment = None
    if opportunity.kind == Opportunity.Kind.ROLE:
        if RoleAssignment.objects.filter(employee=employee, role=opportunity.role, start_date=on).exists():
            raise ValidationError(f"{employee.full_name} already starts as {opportunity.role} on {on:%d %b %Y}.")
        for held in RoleAssignment.objects.filter(employee=employee, end_date__isnull=True, start_date__lt=on):
            held.end_date = on - timedelta(days=1)
            held.save(update_fields=["end_date"])
        assignment = RoleAssignment.objects.create(
            employee=employee,
            role=opportunity.role,
            business_unit=opportunity.business_unit or employee.business_unit,
            kind=RoleAssignment.Kind.INTERNAL_FILL,
            start_date=on,
            source="placement",
        )
        employee.role = opportunity.role
        employee.business_unit = opportunity.business_unit or employee.business_unit
        employee.save(update_fields=["role", "business_unit", "updated_at"])
    placement = Placement.objects.create(
        opportunity=opportunity, employee=employee, assignment=assignment, placed_on=on, placed_by=by
    )
    placement.development_path.set(development_path(employee=employee, before=on))
    PlannedMove.objects.filter(employee=employee, opportunity=opportunity).delete()  # it happened
    opportunity.status = Opportunity.Status.FILLED
    opportunity.filled_by = employee
    opportunity.save(update_fields=["status", "filled_by"])
    queue_recompute([employee.pk], trigger="placed in an internal opportunity")
    return placement


@transaction.atomic
def move_plan(
    *, opportunity: Opportunity, employee: Employee, expected_on: date, likelihood: float, by: User
) -> PlannedMove:
    """The owner expects ``employee`` to move into ``opportunity`` (its role and unit) on
    ``expected_on``, with ``likelihood`` (0.05-1): the supply and demand projections count it.
    Planning the same person for the same opportunity again replaces the earlier plan."""
    if opportunity.kind != Opportunity.Kind.ROLE:
        raise ValidationError("Only an open role is a move; a project, gig or mentorship is planned by its owner.")
    if expected_on <= timezone.localdate():
        raise ValidationError({"expected_on": "A planned move is in the future: choose a date after today."})
    candidacy = _candidacy_for(opportunity=opportunity, employee=employee)
    if candidacy.status not in Candidacy.OPEN:
        raise ValidationError(f"{employee.full_name} is {candidacy.get_status_display().lower()}: no move to plan.")
    PlannedMove.objects.filter(employee=employee, opportunity=opportunity).delete()
    move = PlannedMove(
        employee=employee,
        role=opportunity.role,
        business_unit=opportunity.business_unit,
        expected_on=expected_on,
        likelihood=likelihood,
        opportunity=opportunity,
        recorded_by=by,
    )
    move.full_clean()
    move.save()
    return move
