"""Reads of the engine's results for pages: what a viewer may see of one employee's analysis."""

from datetime import timedelta

import pandas as pd
from django.db.models import Count, Q
from django.utils import timezone

from profiles.frames import skill_evidence
from profiles.models import EvidenceSource, LearningRecord
from taxonomy.models import RoleRequirement

from .catalogue_gaps import uncovered_gaps
from .engine.learning_path import learning_path
from .engine.proficiency import current_proficiency
from .engine.rationale import about_them, confidence_phrase, gap_rationale, shown_level
from .models import (
    CareerPath,
    EmployeeAnalysis,
    EngineSettings,
    Flag,
    LearningResource,
    Opportunity,
    OpportunityMatch,
    OpportunitySkill,
    Recommendation,
    ResourceSkill,
    ReviewItem,
    ReviewStatus,
    SkillGap,
)

SHOWN_GAPS = 8


def employee_levels(*, employee) -> dict[int, dict]:
    """The engine's current level and confidence per skill for one employee, from their evidence
    read as the recompute reads it (one query), so "My level" is the level the gaps start from.

    ``basis`` is the observation the level came from (``engine.proficiency``: the strongest
    newest rating, or a learning completion that raised it): its source, the level it recorded
    and when. Pages show it as "last assessed", so the level and its evidence always agree.
    """
    frame = skill_evidence(now=timezone.now(), employee_ids=[employee.pk], with_observed_at=True)
    if frame.empty:
        return {}
    weights = EngineSettings.load().as_weights()
    levels = current_proficiency(frame, weights)
    basis = frame.iloc[levels["basis_row"].to_numpy()]
    return {
        int(row.skill_id): {
            "level": float(row.level),
            "shown": shown_level(row.level),
            "confidence": float(row.confidence),
            "last_assessed": observed_at,
            "basis": {
                "source": str(source),
                "source_label": EvidenceSource(str(source)).label if source in EvidenceSource.values else str(source),
                "level": int(recorded),
                "observed_at": observed_at,
            },
            "sources": int(row.n_sources),
        }
        for row, source, recorded, observed_at in zip(
            levels.itertuples(), basis["source"], basis["level"], basis["observed_at"], strict=True
        )
    }


def analysis_context(*, employee, as_hr: bool, levels: dict | None = None) -> dict:
    """Ranked gaps with rationale and confidence, career paths and opportunity matches.

    Employees and managers see the newest analysis HR let through; HR sees the newest one.
    ``levels`` (``employee_levels``) saves reading them again when the caller has them.
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
    gaps = list(
        SkillGap.objects.filter(employee=employee, run_id=run_id).select_related("skill").order_by("rank")[:SHOWN_GAPS]
    )
    role = employee.role.title if employee.role_id else None
    aspired = pointer.aspired_role.title if pointer.aspired_role_id else None
    unit = employee.business_unit.name if employee.business_unit_id else None
    for gap in gaps:
        gap.rationale = gap.hr_rationale or gap_rationale(
            skill=gap.skill.name,
            current=gap.current,
            current_role=role,
            target_current=gap.target_current,
            importance_current=gap.importance_current,
            core=gap.core,
            aspired_role=aspired,
            target_aspired=gap.target_aspired,
            aspired_gaps_left=gap.aspired_gaps_left,
            demand_weight=gap.demand_weight,
            business_unit=unit,
        )
        gap.confidence_meaning = confidence_phrase(gap.confidence)
        gap.shown_current = shown_level(gap.current)
        gap.goal_level = max(gap.target_current or 0, gap.target_aspired or 0)
    paths = list(
        CareerPath.objects.filter(employee=employee, run_id=run_id)
        .select_related("role")
        .order_by("-is_aspiration", "-readiness")[:6]
    )
    matches = list(
        # an opportunity that closed since the analysis ran is no longer offered
        OpportunityMatch.objects.filter(
            employee=employee,
            run_id=run_id,
            rank_for_employee__isnull=False,
            opportunity__status=Opportunity.Status.OPEN,
        )
        .exclude(opportunity__closes_on__lt=timezone.localdate())
        .select_related("opportunity", "opportunity__role", "opportunity__posted_by")
        .order_by("rank_for_employee")[:5]
    )
    if levels is None and (paths or matches):
        levels = employee_levels(employee=employee)
    _attach_missing(paths=paths, matches=matches, levels=levels or {})
    context.update(gaps=gaps, paths=paths, matches=matches)
    return context


def _attach_missing(*, paths, matches, levels: dict):
    """Name what each career path and each matched opportunity still needs of the employee, from
    their current levels: the role's requirements (one query for paths and roles alike), or the
    skills a project or slot lists (one more) where the level is below the target."""
    role_ids = {path.role_id for path in paths} | {m.opportunity.role_id for m in matches if m.opportunity.role_id}
    if not role_ids and not matches:
        return
    wanted: dict[tuple, list] = {}
    for requirement in RoleRequirement.objects.filter(role_id__in=role_ids).select_related("skill"):
        wanted.setdefault(("role", requirement.role_id), []).append(requirement)
    listed = [match.opportunity_id for match in matches if not match.opportunity.role_id]
    if listed:
        for need in OpportunitySkill.objects.filter(opportunity_id__in=listed).select_related("skill"):
            wanted.setdefault(("opportunity", need.opportunity_id), []).append(need)

    def missing(key):
        rows = []
        for need in wanted.get(key, []):
            current = levels.get(need.skill_id, {}).get("level", 0.0)
            if current < need.target_level:
                rows.append(
                    {
                        "skill": need.skill.name,
                        "target": need.target_level,
                        "current": shown_level(current),
                        "core": getattr(need, "core", False),
                    }
                )
        return rows

    for path in paths:
        path.missing_skills = sorted(
            missing(("role", path.role_id)), key=lambda item: (not item["core"], item["skill"])
        )
    for match in matches:
        role_id = match.opportunity.role_id
        key = ("role", role_id) if role_id else ("opportunity", match.opportunity_id)
        match.missing_skills = sorted(missing(key), key=lambda item: (not item["core"], item["skill"]))


def analysis_changes(*, pending: list, released: list) -> list[dict]:
    """What a pending analysis changes against the released one, gap by gap: new, gone, moved,
    a level or target that differs (both lists of ``SkillGap`` as ``analysis_context`` gives them)."""
    before = {gap.skill_id: gap for gap in released}
    now = {gap.skill_id: gap for gap in pending}
    changes = []
    for gap in pending:
        old = before.get(gap.skill_id)
        if old is None:
            changes.append({"skill": gap.skill.name, "change": "new", "text": f"new at #{gap.rank}"})
            continue
        parts = []
        if old.rank != gap.rank:
            parts.append(f"{'up' if gap.rank < old.rank else 'down'} from #{old.rank} to #{gap.rank}")
        if old.shown_current != gap.shown_current:
            parts.append(f"level {old.shown_current} → {gap.shown_current}")
        if old.goal_level != gap.goal_level:
            parts.append(f"target {old.goal_level or 'none'} → {gap.goal_level or 'none'}")
        if parts:
            changes.append({"skill": gap.skill.name, "change": "moved", "text": ", ".join(parts)})
    for gap in released:
        if gap.skill_id not in now:
            changes.append({"skill": gap.skill.name, "change": "gone", "text": f"no longer a gap (was #{gap.rank})"})
    return changes


def review_queue(*, kind: str = "", owner_id: int | None = None, limit: int = 200):
    """Pending review items, lowest confidence first; ``kind`` (a ``ReviewItem.Kind``) narrows
    them; ``owner_id`` keeps only the succession proposals of the critical roles that person owns."""
    pending = ReviewItem.objects.filter(status=ReviewStatus.PENDING)
    if owner_id is not None:
        pending = pending.filter(kind=ReviewItem.Kind.SUCCESSION, succession__critical_role__owner_id=owner_id)
    return (
        (pending.filter(kind=kind) if kind else pending)
        .select_related("employee", "employee__role", "employee__manager", "succession__critical_role__role")
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


# --- learning recommendations and the learning path --------------------------------------------

SHOWN_PICKS = 3
PACE_WINDOW_DAYS = 182
DEFAULT_PACE_HOURS_PER_WEEK = 2.0
"""Assumed when the employee logged no learning time in the last six months."""
MIN_PACE_HOURS_PER_WEEK = 0.25


def learning_context(employee, as_hr: bool, for_manager: bool = False) -> dict:
    """The three picks shown, the rest on request, those accepted, and the learning path toward
    the aspired role, and (not for managers) the top gaps no item is left for.

    Employees and managers see delivered picks; HR also sees those waiting for review. The path
    is planned on every read from the current gaps, catalogue and history, so it re-plans
    itself whenever any of them changes. Six queries (five in a manager's briefing).
    """
    Status = Recommendation.Status
    visible = [Status.DELIVERED, Status.IN_REVIEW] if as_hr else [Status.DELIVERED]
    recommendations = list(
        Recommendation.objects.filter(
            employee=employee,
            status__in=[
                Status.DELIVERED,
                Status.IN_REVIEW,
                Status.ACCEPTED,
                Status.COMPLETED,
                Status.DISMISSED,
                Status.REJECTED,
            ],  # fmt: skip
        )
        .defer("features")  # the model's inputs: large, and no page shows them
        .select_related("resource", "resource__mentor", "skill")
        .order_by("rank", "pk")
    )
    picks = [rec for rec in recommendations if rec.status in visible]
    for rec in picks:
        rec.confidence_meaning = confidence_phrase(rec.confidence)
        if for_manager:  # the sentences are written to the employee
            rec.reason = about_them(rec.reason)
    shown = [rec for rec in picks if rec.shown][:SHOWN_PICKS]
    return {
        "picks": shown,
        "more_picks": [rec for rec in picks if rec not in shown],
        "accepted_picks": [rec for rec in recommendations if rec.status == Status.ACCEPTED],
        "picks_waiting": not as_hr and any(rec.status == Status.IN_REVIEW for rec in recommendations),
        # The person's own top gaps with nothing left to pick (one query; not in managers' briefings).
        "uncovered_gaps": [] if for_manager else uncovered_gaps(employee=employee, as_hr=as_hr),
        "learning_path": learning_path_for(employee=employee, as_hr=as_hr, recommendations=recommendations),
    }


def learning_path_for(*, employee, as_hr: bool, recommendations: list) -> dict | None:
    """Steps toward the aspired role with total hours and an estimated finish at the employee's pace."""
    pointer = EmployeeAnalysis.objects.filter(employee=employee).select_related("aspired_role").first()
    run_id = pointer and (pointer.run_id if as_hr else pointer.visible_run_id)
    if run_id is None or pointer.aspired_role_id is None:
        return None
    gaps = pd.DataFrame(
        SkillGap.objects.filter(employee=employee, run_id=run_id, target_aspired__isnull=False).values(
            "skill_id", "skill__name", "current", "target_current", "target_aspired", "rank"
        ),
        columns=["skill_id", "skill__name", "current", "target_current", "target_aspired", "rank"],
    )
    if gaps.empty:
        return {"role": pointer.aspired_role, "steps": [], "total_hours": 0.0, "finish": None, "pace": None}
    listed = pd.DataFrame(
        ResourceSkill.objects.filter(skill_id__in=gaps["skill_id"].tolist(), resource__active=True).values(
            "resource_id", "skill_id", "from_level", "to_level", "resource__title", "resource__kind", "resource__hours",
            "resource__mentor_id", "resource__activity_id",
        ),
        columns=["resource_id", "skill_id", "from_level", "to_level", "resource__title", "resource__kind",
                 "resource__hours", "resource__mentor_id", "resource__activity_id"],
    )  # fmt: skip
    since = timezone.now() - timedelta(days=PACE_WINDOW_DAYS)
    records = list(
        LearningRecord.objects.filter(employee=employee).values_list(
            "activity_id", "status", "minutes", "completed_at", "started_at", "received_at"
        )
    )
    activity_resource = {  # the activity id each item's learning records carry (LearningResource.record_key)
        activity or f"{LearningResource.RECORD_KEY_PREFIX}{resource_id}": resource_id
        for activity, resource_id in zip(listed["resource__activity_id"], listed["resource_id"], strict=True)
    }
    history = [(activity_resource[a], status) for a, status, *_ in records if a in activity_resource]
    live = Recommendation.LIVE
    history += [(rec.resource_id, rec.status) for rec in recommendations if rec.status not in live]
    resources = listed.drop_duplicates("resource_id").rename(
        columns={"resource__kind": "kind", "resource__hours": "hours", "resource__mentor_id": "mentor_id"}
    )
    steps = learning_path(
        gaps=gaps,
        resources=resources.assign(active=True),
        resource_skills=listed[["resource_id", "skill_id", "from_level", "to_level"]],
        history=pd.DataFrame(history, columns=["resource_id", "status"]),
        employee_id=employee.pk,
    )
    titles = dict(zip(resources["resource_id"], resources["resource__title"], strict=True))
    kinds = dict(zip(resources["resource_id"], resources["kind"], strict=True))
    names = dict(zip(gaps["skill_id"], gaps["skill__name"], strict=True))
    minutes = sum(m for _, _, m, completed, started, received in records if (completed or started or received) >= since)
    logged = minutes / 60 / (PACE_WINDOW_DAYS / 7)
    pace = logged if logged >= MIN_PACE_HOURS_PER_WEEK else DEFAULT_PACE_HOURS_PER_WEEK
    total = float(steps["hours"].sum()) if len(steps) else 0.0
    return {
        "role": pointer.aspired_role,
        "steps": [
            {
                "number": int(step.step),
                "skill": names.get(step.skill_id),
                "from_level": int(step.from_level),
                "to_level": int(step.to_level),
                "resource": titles.get(step.resource_id) if not pd.isna(step.resource_id) else None,
                "kind": kinds.get(step.resource_id),
                "hours": float(step.hours),
                "urgent": bool(step.urgent),
                "under_way": bool(step.under_way),
            }
            for step in steps.itertuples(index=False)
        ],
        "total_hours": total,
        "pace": pace,
        "pace_is_default": logged < MIN_PACE_HOURS_PER_WEEK,
        "logged_minutes_per_week": logged * 60,
        "finish": (timezone.localdate() + timedelta(weeks=total / pace)) if total else None,
        "uncovered": int(steps["resource_id"].isna().sum()) if len(steps) else 0,
    }


def recommendation_review(*, employee) -> dict:
    """What an HR reviewer of an employee's learning recommendations decides on: the picks
    waiting for review and the open flags on their recommendations (two queries)."""
    waiting = list(
        Recommendation.objects.filter(employee=employee, status=Recommendation.Status.IN_REVIEW)
        .select_related("resource", "skill")
        .order_by("rank", "pk")
    )
    for rec in waiting:
        rec.confidence_meaning = confidence_phrase(rec.confidence)
    flags = list(
        Flag.objects.filter(employee=employee, target=Flag.Target.RECOMMENDATION, resolved_at__isnull=True)
        .select_related("recommendation__resource", "recommendation__skill", "raised_by")
        .order_by("created_at")
    )
    return {"waiting_picks": waiting, "open_flags": flags}
