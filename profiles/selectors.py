"""Reads for the profile pages: a fixed number of queries whatever the team or history size."""

from django.db.models import Count, Prefetch, QuerySet

from taxonomy.models import BehaviouralAnchor, Role, RoleRequirement

from .models import CareerAspiration, Employee, LearningRecord, PerformanceReview

RECENT_LEARNING = 15
RECENT_REVIEWS = 6


def role_requirements(*, role: Role | None) -> list[RoleRequirement]:
    """The role's requirements with each skill's anchors, in a fixed two queries."""
    if role is None:
        return []
    return list(
        RoleRequirement.objects.filter(role=role)
        .select_related("skill", "skill__category")
        .prefetch_related(Prefetch("skill__anchors", queryset=BehaviouralAnchor.objects.order_by("level")))
    )


def profile_context(*, employee: Employee, levels: dict[int, dict] | None = None) -> dict:
    """Everything the one-page profile shows: role competencies with levels, performance history,
    learning log and stated career goals (the guide's step-1 check), read in a fixed set of queries.

    ``levels`` are the engine's levels per skill id (``recommendations.selectors.employee_levels``,
    which this layer cannot call): each row shows that level and the observation it came from.
    """
    levels = levels or {}
    rows = []
    for requirement in role_requirements(role=employee.role):
        anchors = {anchor.level: anchor.description for anchor in requirement.skill.anchors.all()}
        level = levels.get(requirement.skill_id)
        rows.append(
            {
                "requirement": requirement,
                "target_anchor": anchors.get(requirement.target_level, ""),
                "level": level["shown"] if level else None,
                "basis": level["basis"] if level else None,
                "meets": level is not None and level["shown"] >= requirement.target_level,
            }
        )
    next_paths = []
    if employee.role_id:
        next_paths = list(employee.role.paths_out.select_related("to_role").order_by("kind", "to_role__title"))
    aspirations = list(
        CareerAspiration.objects.filter(employee=employee).select_related("target_role").order_by("-stated_at")[:5]
    )
    return {
        "employee": employee,
        "requirement_rows": rows,
        "next_paths": next_paths,
        "aspiration": aspirations[0] if aspirations else None,
        "earlier_aspirations": aspirations[1:],
        "reviews": list(
            PerformanceReview.objects.filter(employee=employee)
            .select_related("reviewer")
            .order_by("-submitted_at")[:RECENT_REVIEWS]
        ),
        "learning": list(
            LearningRecord.objects.filter(employee=employee).order_by("-completed_at", "-started_at")[:RECENT_LEARNING]
        ),
    }


def team_rows(*, manager: Employee, visible: QuerySet[Employee]) -> QuerySet[Employee]:
    """Everyone below ``manager`` with role and how many people report to them."""
    return (
        visible.filter(pk__in=Employee.objects.below(manager).values("pk"))
        .select_related("role", "manager", "business_unit")
        .annotate(report_count=Count("reports"))
        .order_by("org_path")
    )
