"""The plan part of a quarterly deep review: re-rate the top gaps, confirm the goal, sort the picks.

1. ``plan_items``: what each side is asked about: the person's top gaps (as they see them), the
   learning picks they have open, and their current goal.
2. ``plan_checked``: one side's answers, checked (the employee's with the self-assessment, the
   manager's when they complete the review); kept on the review as ``self_plan`` / ``manager_plan``.
3. ``plan_apply`` (when the manager completes the review), in the same transaction:
   a. the plan as it stands is kept (``plan_before``: ranked gaps, open picks, goal);
   b. each re-rated gap's weight (``recommendations.GapWeight``) is multiplied by the agreed
      factor: raise x2, keep x1, lower x0.5; when both sides rated a gap, the geometric mean of
      their two factors (raise and lower cancel out), within 0.25 to 4. The engine multiplies
      the gap's priority by it at every recompute from then on;
   c. the goal the manager confirmed becomes the person's aspiration when it differs;
   d. picks either side called not relevant are dismissed, with the review as the reason.
4. After commit, ``review_replan`` (a django-q2 task) recomputes the person (the one-employee
   recompute) and keeps the new plan (``plan_after``); ``plan_changes`` compares the two for
   the review page: gaps that moved, picks added and dismissed, the goal changed.
"""

from __future__ import annotations

import math

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from profiles.models import CareerAspiration, Employee
from profiles.recording import aspiration_record
from recommendations.models import (
    GAP_WEIGHT_MAX,
    GAP_WEIGHT_MIN,
    EmployeeAnalysis,
    GapWeight,
    Recommendation,
    ReviewStatus,
    SkillGap,
)
from recommendations.outcomes import recommendation_dismiss
from taxonomy.models import Role, Skill

from .models import DeepReview
from .tasks import queue_review_replan

TOP_GAPS = 5  # the gaps each side re-rates
SNAPSHOT_GAPS = 8  # the gaps a plan snapshot keeps (as many as /me/ shows)
CHOICES = {"raise": "Raise", "keep": "Keep", "lower": "Lower"}
FACTORS = {"raise": 2.0, "keep": 1.0, "lower": 0.5}


# --- 1. what is asked ---------------------------------------------------------------------------


def _pointer(employee: Employee) -> EmployeeAnalysis | None:
    return EmployeeAnalysis.objects.filter(employee=employee).first()


def _gaps(employee: Employee, run_id: int | None, limit: int) -> list[dict]:
    if run_id is None:
        return []
    rows = (
        SkillGap.objects.filter(employee=employee, run_id=run_id)
        .order_by("rank")
        .values_list("skill_id", "skill__name", "rank", "priority")[:limit]
    )
    return [{"skill_id": s, "skill": name, "rank": r, "priority": round(p, 4)} for s, name, r, p in rows]


def _picks(employee: Employee) -> list[dict]:
    rows = (
        Recommendation.objects.filter(employee=employee, status__in=Recommendation.OPEN)
        .order_by("rank", "pk")
        .values_list("pk", "resource__title", "skill__name", "status")
    )
    return [{"id": pk, "resource": title, "skill": skill, "status": status} for pk, title, skill, status in rows]


def _aspiration(employee: Employee) -> dict:
    goal = (
        CareerAspiration.objects.filter(employee=employee)
        .order_by("-stated_at")
        .values("target_role_id", "target_role__title", "interests")
        .first()
    )
    if goal is None:
        return {"role_id": None, "role": None, "interests": ""}
    return {"role_id": goal["target_role_id"], "role": goal["target_role__title"], "interests": goal["interests"]}


def plan_items(employee: Employee) -> dict:
    """The top gaps as the person and their manager see them (the analysis HR released), the open
    picks and the current goal."""
    pointer = _pointer(employee)
    return {
        "gaps": _gaps(employee, pointer.visible_run_id if pointer else None, TOP_GAPS),
        "picks": _picks(employee),
        "aspiration": _aspiration(employee),
    }


def plan_snapshot(employee: Employee) -> dict:
    """The plan as the engine last computed it: ranked gaps, open picks, goal, and the run."""
    pointer = _pointer(employee)
    run_id = pointer.run_id if pointer else None
    every_gap = [] if run_id is None else SkillGap.objects.filter(employee=employee, run_id=run_id)
    return {
        "run_id": run_id,
        "gaps": _gaps(employee, run_id, SNAPSHOT_GAPS),
        "gap_skill_ids": sorted(every_gap.values_list("skill_id", flat=True)) if run_id is not None else [],
        "picks": _picks(employee),
        "aspiration": _aspiration(employee),
        "at": timezone.now().isoformat(),
    }


# --- 2. one side's answers -------------------------------------------------------------------------

NO_CHANGE = object()


def plan_checked(*, review: DeepReview, gaps: dict, aspiration=NO_CHANGE, picks: dict) -> dict:
    """One side's say, checked against the person's plan: ``gaps`` {skill id: raise/keep/lower},
    ``aspiration`` a role id or None (no particular role; leave it out to keep the goal as it is),
    ``picks`` {recommendation id: relevant (bool)}. Returns it as stored (JSON keys are strings)."""
    employee_id = review.employee_id
    unknown = {c for c in gaps.values() if c not in FACTORS}
    if unknown:
        raise ValidationError({"gaps": f"Say raise, keep or lower for each gap (not {', '.join(sorted(unknown))})."})
    known_gaps = set(SkillGap.objects.filter(employee_id=employee_id).values_list("skill_id", flat=True).distinct())
    if set(map(int, gaps)) - known_gaps:
        raise ValidationError({"gaps": "Only the person's own gaps can be re-rated."})
    own_picks = set(Recommendation.objects.filter(employee_id=employee_id).values_list("pk", flat=True))
    if set(map(int, picks)) - own_picks:
        raise ValidationError({"picks": "Only the person's own learning picks can be marked."})
    checked = {
        "gaps": {str(int(k)): v for k, v in gaps.items()},
        "picks": {str(int(k)): bool(v) for k, v in picks.items()},
    }
    if aspiration is not NO_CHANGE:
        if aspiration is not None and not Role.objects.filter(pk=aspiration).exists():
            raise ValidationError({"aspiration": "Choose a role from the list."})
        checked["aspiration"] = None if aspiration is None else int(aspiration)
    return checked


# --- 3. closing ---------------------------------------------------------------------------------------


def agreed_factor(self_choice: str | None, manager_choice: str | None) -> float:
    """The factor a gap's weight is multiplied by: one side's, or the geometric mean of both."""
    given = [FACTORS[c] for c in (self_choice, manager_choice) if c]
    if not given:
        return 1.0
    return math.prod(given) ** (1 / len(given))


def _gap_weights_apply(*, review: DeepReview, now) -> list[dict]:
    own, theirs = review.self_plan.get("gaps", {}), review.manager_plan.get("gaps", {})
    skill_ids = sorted({int(k) for k in own} | {int(k) for k in theirs})
    current = dict(
        GapWeight.objects.filter(employee_id=review.employee_id, skill_id__in=skill_ids).values_list(
            "skill_id", "weight"
        )
    )
    names = dict(Skill.objects.filter(pk__in=skill_ids).values_list("pk", "name"))
    rows, applied = [], []
    for skill_id in skill_ids:
        self_choice, manager_choice = own.get(str(skill_id)), theirs.get(str(skill_id))
        factor = agreed_factor(self_choice, manager_choice)
        before = current.get(skill_id, 1.0)
        after = round(min(max(before * factor, GAP_WEIGHT_MIN), GAP_WEIGHT_MAX), 4)
        applied.append(
            {
                "skill_id": skill_id,
                "skill": names.get(skill_id, "?"),
                "self": self_choice,
                "manager": manager_choice,
                "weight": after,
            }
        )
        if after == before:
            continue
        word = "raised" if after > before else "lowered"
        reason = f"{word.capitalize()} in the {review.cycle.name} review (employee: {self_choice or '-'}, manager: {manager_choice or '-'})"
        rows.append(
            GapWeight(employee_id=review.employee_id, skill_id=skill_id, weight=after, reason=reason, updated_at=now)
        )
    GapWeight.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["employee", "skill"],
        update_fields=["weight", "reason", "updated_at"],
    )
    return applied


def _aspiration_apply(*, review: DeepReview, before: dict, now) -> bool:
    plan = review.manager_plan if "aspiration" in review.manager_plan else review.self_plan
    if "aspiration" not in plan or plan["aspiration"] == before["role_id"]:
        return False
    role = Role.objects.filter(pk=plan["aspiration"]).first() if plan["aspiration"] else None
    interests = before["interests"] or f"Agreed in the {review.cycle.name} review: no particular role for now."
    aspiration_record(employee=review.employee, stated_at=now, source="review", target_role=role, interests=interests)
    return True


def _picks_dismiss(*, review: DeepReview, by: User) -> list[int]:
    said = {}
    for side in (review.self_plan, review.manager_plan):
        for pk, relevant in side.get("picks", {}).items():
            said[int(pk)] = said.get(int(pk), True) and relevant
    irrelevant = [pk for pk, relevant in said.items() if not relevant]
    dismissed = []
    for pick in Recommendation.objects.filter(
        pk__in=irrelevant, employee_id=review.employee_id, status__in=Recommendation.OPEN
    ):
        recommendation_dismiss(
            recommendation=pick, by=by, reason=f"Not relevant, said in the {review.cycle.name} quarterly review."
        )
        dismissed.append(pick.pk)
    return sorted(dismissed)


def plan_apply(*, review: DeepReview, by: User) -> None:
    """Step 3: keep the plan as it stands, then recalibrate it. Called inside ``review_complete``'s
    transaction, before the review is saved; queues the recompute after commit."""
    now = timezone.now()
    before = plan_snapshot(review.employee)
    before["weights"] = _gap_weights_apply(review=review, now=now)
    before["aspiration_changed"] = _aspiration_apply(review=review, before=before["aspiration"], now=now)
    before["dismissed"] = _picks_dismiss(review=review, by=by)
    review.plan_before = before
    review.plan_after = {}
    queue_review_replan(review.pk)


# --- 4. after the recompute ----------------------------------------------------------------------------


@transaction.atomic
def plan_after_record(*, review: DeepReview) -> DeepReview:
    """Keep the recalculated plan on the review (run by ``feedback.tasks.review_replan``)."""
    review = DeepReview.objects.select_for_update().select_related("employee").get(pk=review.pk)
    review.plan_after = plan_snapshot(review.employee)
    review.save(update_fields=["plan_after"])
    return review


def plan_released(*, review: DeepReview, as_hr: bool) -> bool:
    """Whether the viewer may see the recalculated plan: HR always; the person and managers once
    HR released that analysis (pilot mode holds every new analysis for review)."""
    run_id = review.plan_after.get("run_id")
    if as_hr or run_id is None:
        return True
    pointer = EmployeeAnalysis.objects.filter(employee_id=review.employee_id).values("visible_run_id", "review_status")
    pointer = pointer.first()
    if pointer is None:
        return False
    visible = pointer["visible_run_id"]
    return visible is not None and visible >= run_id and pointer["review_status"] != ReviewStatus.PENDING


def plan_changes(before: dict, after: dict) -> dict:
    """What changed between two plans (pure): gaps that moved, entered or left the top, picks
    added and dismissed, and the goal."""
    rank_before = {g["skill_id"]: g for g in before.get("gaps", [])}
    rank_after = {g["skill_id"]: g for g in after.get("gaps", [])}
    moved = []
    for skill_id in sorted(set(rank_before) | set(rank_after), key=lambda s: rank_after.get(s, {}).get("rank", 99)):
        old, new = rank_before.get(skill_id), rank_after.get(skill_id)
        if old and new and old["rank"] != new["rank"]:
            kind = "up" if new["rank"] < old["rank"] else "down"
            moved.append({"skill": new["skill"], "kind": kind, "from": old["rank"], "to": new["rank"]})
        elif new and not old:
            moved.append({"skill": new["skill"], "kind": "new", "from": None, "to": new["rank"]})
        elif old and not new:
            closed = "gap_skill_ids" in after and skill_id not in after["gap_skill_ids"]
            moved.append(
                {"skill": old["skill"], "kind": "closed" if closed else "left", "from": old["rank"], "to": None}
            )
    picks_before = {p["id"]: p for p in before.get("picks", [])}
    picks_after = {p["id"]: p for p in after.get("picks", [])}
    dismissed = set(before.get("dismissed", []))
    goal_before, goal_after = before.get("aspiration", {}), after.get("aspiration", {})
    changes = {
        "gaps": moved,
        "picks_added": [p for pk, p in picks_after.items() if pk not in picks_before],
        "picks_removed": [
            p | {"dismissed": pk in dismissed} for pk, p in picks_before.items() if pk not in picks_after
        ],
        "aspiration": (goal_before.get("role"), goal_after.get("role"))
        if goal_before.get("role_id") != goal_after.get("role_id")
        else None,
    }
    changes["nothing"] = not any(changes.values())
    return changes
