"""Reads of the engine's results for pages: what a viewer may see of one employee's analysis."""

import pandas as pd
from django.db.models import Count, Q
from django.utils import timezone

from profiles.models import SkillEvidence
from taxonomy.models import RoleRequirement

from .engine.proficiency import current_proficiency
from .engine.rationale import confidence_phrase, gap_rationale, shown_level
from .models import CareerPath, EmployeeAnalysis, EngineSettings, OpportunityMatch, ReviewItem, ReviewStatus, SkillGap

SHOWN_GAPS = 8


def employee_levels(*, employee) -> dict[int, dict]:
    """The engine's current level and confidence per skill for one employee, from their evidence."""
    now = timezone.now()
    rows = list(SkillEvidence.objects.filter(employee=employee).values_list("skill_id", "level", "source", "observed_at", "confidence"))
    if not rows:
        return {}
    frame = pd.DataFrame(rows, columns=["skill_id", "level", "source", "observed_at", "confidence"])
    frame["employee_id"] = employee.pk
    frame["age_days"] = [(now - observed).total_seconds() / 86400 for observed in frame["observed_at"]]
    weights = EngineSettings.load().as_weights()
    levels = current_proficiency(frame.drop(columns="observed_at"), weights)
    newest = frame.groupby("skill_id")["observed_at"].max()
    return {
        int(row.skill_id): {
            "level": float(row.level),
            "shown": shown_level(row.level),
            "confidence": float(row.confidence),
            "last_assessed": newest.get(row.skill_id),
            "sources": int(row.n_sources),
        }
        for row in levels.itertuples()
    }


def analysis_context(*, employee, as_hr: bool) -> dict:
    """Ranked gaps with rationale and confidence, career paths and opportunity matches.

    Employees and managers see the newest analysis HR let through; HR sees the newest one.
    """
    pointer = (
        EmployeeAnalysis.objects.filter(employee=employee)
        .select_related("aspired_role", "employee__role", "employee__business_unit")
        .first()
    )
    if pointer is None:
        return {"analysis": None}
    run_id = pointer.run_id if as_hr else pointer.visible_run_id
    context = {
        "analysis": pointer,
        "analysis_waiting": pointer.review_status == ReviewStatus.PENDING,
        "analysis_shown_run": run_id,
        "gaps": [],
        "paths": [],
        "matches": [],
    }
    if run_id is None:
        return context
    gaps = list(SkillGap.objects.filter(employee=employee, run_id=run_id).select_related("skill").order_by("rank")[:SHOWN_GAPS])
    role = employee.role.title if employee.role_id else None
    aspired = pointer.aspired_role.title if pointer.aspired_role_id else None
    unit = employee.business_unit.name if employee.business_unit_id else None
    for gap in gaps:
        gap.rationale = gap.hr_rationale or gap_rationale(
            skill=gap.skill.name, current=gap.current, current_role=role, target_current=gap.target_current,
            importance_current=gap.importance_current, core=gap.core, aspired_role=aspired,
            target_aspired=gap.target_aspired, aspired_gaps_left=gap.aspired_gaps_left,
            demand_weight=gap.demand_weight, business_unit=unit,
        )
        gap.confidence_meaning = confidence_phrase(gap.confidence)
        gap.shown_current = shown_level(gap.current)
        gap.goal_level = max(gap.target_current or 0, gap.target_aspired or 0)
    paths = list(CareerPath.objects.filter(employee=employee, run_id=run_id).select_related("role").order_by("-is_aspiration", "-readiness")[:6])
    _attach_missing_skills(employee=employee, paths=paths)
    context.update(
        gaps=gaps,
        paths=paths,
        matches=list(
            OpportunityMatch.objects.filter(employee=employee, run_id=run_id, rank_for_employee__isnull=False)
            .select_related("opportunity", "opportunity__role")
            .order_by("rank_for_employee")[:5]
        ),
    )
    return context


def _attach_missing_skills(*, employee, paths):
    """Name the skills each path still needs, from the employee's current levels (two queries)."""
    if not paths:
        return
    levels = employee_levels(employee=employee)
    requirements = RoleRequirement.objects.filter(role_id__in=[path.role_id for path in paths]).select_related("skill")
    by_role: dict[int, list] = {}
    for requirement in requirements:
        current = levels.get(requirement.skill_id, {}).get("level", 0.0)
        if current < requirement.target_level:
            by_role.setdefault(requirement.role_id, []).append(
                {"skill": requirement.skill.name, "target": requirement.target_level, "current": shown_level(current),
                 "core": requirement.core}
            )
    for path in paths:
        path.missing_skills = sorted(by_role.get(path.role_id, []), key=lambda item: (not item["core"], item["skill"]))


def review_queue(*, limit: int = 200):
    return (
        ReviewItem.objects.filter(status=ReviewStatus.PENDING)
        .select_related("employee", "employee__role", "employee__manager")
        .order_by("confidence", "created_at")[:limit]
    )


def review_accuracy(*, cycles: int = 6) -> list[dict]:
    """Per month of decisions: how many items HR decided and the share approved unchanged."""
    from django.db.models.functions import TruncMonth

    rows = (
        ReviewItem.objects.exclude(status=ReviewStatus.PENDING)
        .exclude(decided_at__isnull=True)
        .annotate(cycle=TruncMonth("decided_at"))
        .values("cycle")
        .annotate(
            decided=Count("pk"),
            approved=Count("pk", filter=Q(status=ReviewStatus.APPROVED)),
            edited=Count("pk", filter=Q(status=ReviewStatus.EDITED)),
            rejected=Count("pk", filter=Q(status=ReviewStatus.REJECTED)),
        )
        .order_by("-cycle")[:cycles]
    )
    return [{**row, "accuracy": row["approved"] / row["decided"] if row["decided"] else None} for row in rows]
