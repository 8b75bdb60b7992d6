"""Internal moves, leavers and succession in the demo pilot, so every outcome metric moves
between the baseline (90 days before ``BASE_DATE``) and today.

``moves_step`` runs just before the first gap analysis (``generator.STEPS``), which then sees
the moves:

1. **A placement traced to a development path**: the pilot person (no demo account, nobody's
   manager) with the most learning picks completed, with a promotion or lateral path out of
   their role, is placed 30 days before ``BASE_DATE`` in an opening for that role, through
   ``recommendations.moves.placement_make`` (role history, the development path, the
   opportunity filled).
2. **Leavers**: two other such pilot people left 40 days before ``BASE_DATE`` (one by choice),
   through the people importer, as an HR extract says it.
3. **Succession**: the role the most pilot people are closest to is marked critical, its bench
   proposed by ``recommendations.succession.succession_propose`` (as of ``BASE_DATE``), and the
   readiest proposal approved in the review queue by the demo HR user, dated a week earlier, as
   a talent review would have decided it; the other names wait for review.

Idempotent: a placed opportunity, leavers who already left and a critical role already marked
are left as they are.
"""

from datetime import datetime, time, timedelta

import pandas as pd
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from profiles.models import Employee
from recommendations import moves, services
from recommendations.models import (
    Candidacy,
    CriticalRole,
    Opportunity,
    Placement,
    ReviewItem,
    ReviewStatus,
    SuccessionCandidate,
)
from recommendations.succession import bench_read, succession_propose
from taxonomy.models import MobilityPath

from . import taxonomy_data as data
from .context import BASE_DATE, PILOT_COHORT, Context
from .imports import import_profile_file

PLACED_ON = BASE_DATE - timedelta(days=30)
LEFT_ON = BASE_DATE - timedelta(days=40)
DECIDED_ON = BASE_DATE - timedelta(days=7)
LEAVERS = 2


def _at(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def _bystanders(ctx: Context):
    """Pilot people the demo's accounts and pages do not rely on: no account, no reports, no
    opportunity posted, no mentorship in the catalogue, active."""
    posters = Opportunity.objects.exclude(posted_by=None).values("posted_by")
    return (
        Employee.objects.active()
        .filter(cohort=PILOT_COHORT, role__isnull=False)
        .exclude(external_id__in=ctx.demo_external_ids.values())
        .exclude(pk__in=Employee.objects.exclude(manager=None).values("manager"))
        .exclude(pk__in=posters)
        .exclude(mentoring__isnull=False)  # the catalogue pairs mentors; a rerun must find them still here
    )


def _hr_user(ctx: Context):
    return get_user_model().objects.get(username=data.DEMO_PEOPLE["hr"]["email"])


def _placement(ctx: Context, hr) -> Employee | None:
    counts = ctx.summary.table("placements")
    if Placement.objects.filter(opportunity__title__startswith="Internal move:").exists():
        counts.unchanged += 1
        return None
    until = _at(PLACED_ON)
    people = _bystanders(ctx).annotate(
        done=Count(
            "recommendations", filter=Q(recommendations__status="completed", recommendations__completed_at__lt=until)
        )
    )
    for person in people.filter(done__gt=0).order_by("-done", "pk"):
        path = MobilityPath.objects.filter(from_role=person.role_id).order_by("kind", "to_role__title").first()
        if path is None:
            continue
        opening = Opportunity.objects.create(
            title=f"Internal move: {path.to_role.title}",
            kind=Opportunity.Kind.ROLE,
            role=path.to_role,
            business_unit=person.business_unit,
            posted_by=person.manager,
            opens_on=PLACED_ON - timedelta(days=45),
            description="Filled internally after a development plan.",
        )
        Candidacy.objects.create(
            opportunity=opening,
            employee=person,
            origin=Candidacy.Origin.INTEREST,
            status=Candidacy.Status.SHORTLISTED,
        )
        moves.placement_make(opportunity=opening, employee=person, by=hr, on=PLACED_ON)
        counts.created += 1
        return person
    return None


def _leavers(ctx: Context, placed: Employee | None) -> None:
    counts = ctx.summary.table("leavers")
    if Employee.objects.filter(cohort=PILOT_COHORT, status=Employee.Status.LEFT).count() >= LEAVERS:
        counts.unchanged += LEAVERS
        return
    people = list(
        _bystanders(ctx)
        .exclude(pk=getattr(placed, "pk", None))
        .select_related("manager", "business_unit", "role")
        .order_by("-pk")[:LEAVERS]
    )
    frame = pd.DataFrame(
        {
            "external_id": [p.external_id for p in people],
            "first_name": [p.first_name for p in people],
            "last_name": [p.last_name for p in people],
            "email": [p.email for p in people],
            "manager_external_id": [p.manager.external_id if p.manager else "" for p in people],
            "business_unit": [p.business_unit.name if p.business_unit else "" for p in people],
            "role": [p.role.title for p in people],
            "hire_date": pd.to_datetime([p.hire_date for p in people]),
            "status": Employee.Status.LEFT,
            "termination_date": pd.to_datetime([LEFT_ON] * len(people)),
            "voluntary_exit": ["yes" if i == 0 else "no" for i in range(len(people))],
        }
    )
    import_profile_file(ctx, "people", frame, "leavers")


def _succession(ctx: Context, hr) -> None:
    counts = ctx.summary.table("critical roles")
    if CriticalRole.objects.exists():
        counts.unchanged += 1
        return
    held = Employee.objects.active().filter(cohort=PILOT_COHORT).exclude(role=None).values_list("role_id", flat=True)
    roles = sorted(set(held))
    candidates = pd.DataFrame({"critical_id": roles, "role_id": roles}, dtype="int64")
    bench = bench_read(now=_at(BASE_DATE), critical=candidates)
    soon = bench[bench["horizon"].isin(["now", "year"])]
    if soon.empty:
        return
    best = int(soon.groupby("role_id").size().sort_values(ascending=False, kind="stable").index[0])
    CriticalRole.objects.create(role_id=best, marked_by=hr)
    counts.created += 1
    succession_propose(now=_at(BASE_DATE))
    first = (
        SuccessionCandidate.objects.filter(horizon__in=["now", "year"], status=ReviewStatus.PENDING)
        .order_by("-readiness", "pk")
        .first()
    )
    item = ReviewItem.objects.get(succession=first, status=ReviewStatus.PENDING)
    services.review_decide(
        item=item, decision=ReviewStatus.APPROVED, user=hr, note="Agreed at the October talent review."
    )
    SuccessionCandidate.objects.filter(pk=first.pk).update(decided_at=_at(DECIDED_ON))
    ReviewItem.objects.filter(pk=item.pk).update(decided_at=_at(DECIDED_ON))


def hr_extract_overrides() -> dict[str, dict]:
    """What the HR extract says today of the people this step moved, for the people import
    (``generator._import_people``) to send again unchanged: the placed person's new role and
    unit, the leavers' leaving. Without it a second run would undo the moves."""
    rows: dict[str, dict] = {}
    for person in Employee.objects.filter(placements__isnull=False).select_related("role", "business_unit"):
        rows.setdefault(person.external_id, {}).update(
            role=person.role.title, business_unit=person.business_unit.name if person.business_unit else ""
        )
    for person in Employee.objects.filter(status=Employee.Status.LEFT):
        rows.setdefault(person.external_id, {}).update(
            status=Employee.Status.LEFT,
            termination_date=pd.Timestamp(person.termination_date),
            voluntary_exit="yes" if person.voluntary_exit else "no",
        )
    return rows


def moves_step(ctx: Context) -> None:
    hr = _hr_user(ctx)
    placed = _placement(ctx, hr)
    _leavers(ctx, placed)
    _succession(ctx, hr)
