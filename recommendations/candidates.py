"""Reads of internal moves for pages: an opportunity's candidates side by side, a person's own
candidacies, the opportunities a viewer owns. Bounded reads (one opportunity, one person)."""

from django.db.models import Count, OuterRef, Q
from django.utils import timezone

from profiles.frames import skill_evidence
from taxonomy.models import RoleRequirement

from .engine.proficiency import current_proficiency
from .engine.rationale import shown_level
from .models import (
    Candidacy,
    EmployeeAnalysis,
    EngineSettings,
    Opportunity,
    OpportunityMatch,
    OpportunitySkill,
    Placement,
    PlannedMove,
)

SHOWN_RECOMMENDED = 10


def owned_opportunities(*, owner_id: int | None, everyone: bool):
    """Open opportunities the viewer owns (HR: all), with how many candidates each has."""
    found = Opportunity.objects.filter(status=Opportunity.Status.OPEN)
    if not everyone:
        found = found.filter(posted_by_id=owner_id)
    return found.select_related("role", "posted_by", "business_unit").annotate(
        interested=Count("candidacies", filter=Q(candidacies__status=Candidacy.Status.INTERESTED)),
        shortlisted=Count("candidacies", filter=Q(candidacies__status=Candidacy.Status.SHORTLISTED)),
    )


def _needs(opportunity: Opportunity) -> list:
    if opportunity.role_id:
        return list(RoleRequirement.objects.filter(role_id=opportunity.role_id).select_related("skill"))
    return list(OpportunitySkill.objects.filter(opportunity=opportunity).select_related("skill"))


def _reasons(match: OpportunityMatch | None) -> list[str]:
    if match is None:
        return ["Not among the engine's matches in the analysis they see."]
    reasons = [f"{match.fit:.0%} of what it asks is met"]
    if match.aspiration >= 0.99:
        reasons.append("it is their stated goal")
    elif match.aspiration > 0.2:
        reasons.append("a step toward their stated goal")
    if match.growth > 0.2:
        reasons.append("it practises skills they are working on")
    if getattr(match, "position", None):
        reasons.append(f"#{match.position} of the engine's recommended candidates")
    return reasons


def candidates(*, opportunity: Opportunity) -> list[dict]:
    """Interested and recommended candidates side by side: for each, the candidacy (None for a
    recommended person nobody acted on yet), readiness, the reasons, and the evidence per skill
    the opportunity asks for (level, target, the latest source). Three queries and one evidence
    read for everyone shown."""
    candidacies = {
        c.employee_id: c
        for c in Candidacy.objects.filter(opportunity=opportunity)
        .exclude(status=Candidacy.Status.WITHDRAWN)
        .select_related("employee", "employee__role", "employee__manager")
    }
    visible = EmployeeAnalysis.objects.filter(employee_id__in=candidacies).values("visible_run_id")
    recommended = OpportunityMatch.objects.filter(
        opportunity=opportunity, rank_for_opportunity__isnull=False, employee__status="active"
    ).filter(run_id__in=EmployeeAnalysis.objects.filter(employee_id=OuterRef("employee_id")).values("visible_run_id"))
    # Ordered by score, not by the stored rank: a run of one person ranks them first for every
    # opportunity they match, so ranks from different runs do not compare; scores do.
    matches = {
        m.employee_id: m
        for m in recommended.select_related("employee", "employee__role", "employee__manager").order_by(
            "-score", "employee_id"
        )[:SHOWN_RECOMMENDED]
    }
    for position, match in enumerate(matches.values(), start=1):
        match.position = position
    for m in OpportunityMatch.objects.filter(opportunity=opportunity, employee_id__in=candidacies, run_id__in=visible):
        matches.setdefault(m.employee_id, m)
    people = list(candidacies) + [pk for pk in matches if pk not in candidacies]
    planned = {move.employee_id: move for move in PlannedMove.objects.filter(opportunity=opportunity)}
    needs = _needs(opportunity)
    levels = _levels(people, [need.skill_id for need in needs])
    rows = []
    for pk in people:
        candidacy, match = candidacies.get(pk), matches.get(pk)
        employee = candidacy.employee if candidacy else match.employee
        evidence = []
        for need in needs:
            have = levels.get((pk, need.skill_id))
            evidence.append(
                {
                    "skill": need.skill.name,
                    "target": need.target_level,
                    "level": shown_level(have["level"]) if have else 0,
                    "meets": bool(have) and have["level"] >= need.target_level - 0.25,
                    "confidence": have["confidence"] if have else None,
                }
            )
        rows.append(
            {
                "employee": employee,
                "candidacy": candidacy,
                "interested": candidacy is not None and candidacy.origin == Candidacy.Origin.INTEREST,
                "recommended": match is not None and match.rank_for_opportunity is not None,
                "readiness": match.fit if match else (candidacy.readiness if candidacy else None),
                "reasons": _reasons(match),
                "evidence": evidence,
                "open": candidacy is None or candidacy.status in Candidacy.OPEN,
                "planned": planned.get(pk),
            }
        )
    rows.sort(key=lambda row: (not row["open"], not row["interested"], -(row["readiness"] or 0)))
    return rows


def _levels(employee_ids: list[int], skill_ids: list[int]) -> dict:
    if not employee_ids or not skill_ids:
        return {}
    frame = skill_evidence(now=timezone.now(), employee_ids=employee_ids, skill_ids=skill_ids)
    if frame.empty:
        return {}
    levels = current_proficiency(frame, EngineSettings.load().as_weights())
    return {
        (int(row.employee_id), int(row.skill_id)): {"level": float(row.level), "confidence": float(row.confidence)}
        for row in levels.itertuples()
    }


def my_candidacies(*, employee) -> dict[int, Candidacy]:
    """The person's own candidacies by opportunity id (withdrawn ones too: they can say it again)."""
    return {c.opportunity_id: c for c in Candidacy.objects.filter(employee=employee).select_related("opportunity")}


def interest_told(*, employee) -> list[Candidacy]:
    """What a report chose to tell their managers: their open interest in opportunities."""
    return list(
        Candidacy.objects.filter(
            employee=employee, tell_manager=True, origin=Candidacy.Origin.INTEREST, status__in=Candidacy.OPEN
        ).select_related("opportunity")
    )


def placements_traced() -> dict:
    """How many placements there are and how many a development path led to."""
    return Placement.objects.aggregate(
        placed=Count("pk", distinct=True),
        traced=Count("pk", filter=Q(development_path__isnull=False), distinct=True),
    )
