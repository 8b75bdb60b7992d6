"""Reads for the profile pages: a fixed number of queries whatever the team size."""

from django.db.models import Count, Prefetch

from taxonomy.models import BehaviouralAnchor, RoleRequirement

from .models import Employee


def role_requirements(*, role):
    """The role's requirements with each skill's anchors, in a fixed two queries."""
    if role is None:
        return []
    return list(
        RoleRequirement.objects.filter(role=role)
        .select_related("skill", "skill__category")
        .prefetch_related(Prefetch("skill__anchors", queryset=BehaviouralAnchor.objects.order_by("level")))
    )


def profile_context(*, employee):
    requirements = role_requirements(role=employee.role)
    rows = []
    for requirement in requirements:
        anchors = {anchor.level: anchor.description for anchor in requirement.skill.anchors.all()}
        rows.append({"requirement": requirement, "target_anchor": anchors.get(requirement.target_level, "")})
    next_roles = []
    if employee.role_id:
        next_roles = list(employee.role.paths_out.select_related("to_role").order_by("kind", "to_role__title"))
    return {"employee": employee, "requirement_rows": rows, "next_paths": next_roles}


def team_rows(*, manager, visible):
    """Everyone below ``manager`` with role and how many people report to them."""
    return (
        visible.filter(pk__in=Employee.objects.below(manager).values("pk"))
        .select_related("role", "manager", "business_unit")
        .annotate(report_count=Count("reports"))
        .order_by("org_path")
    )
