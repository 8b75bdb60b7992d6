"""What each portal page shows: /me/, the HR home, the team overview, contests and flags (the
check-in briefing is ``briefing``).

Every function reads in a fixed number of queries, whatever the size of the team or of the
employee's history: lists are bounded, counts are subqueries, and per-row work happens in Python
over rows already fetched.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Case, Count, F, FloatField, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from feedback.models import CheckIn, DeepReview, Signal, SkillContest, Theme
from feedback.reviews import open_review, review_overdue, reviews_overdue_count
from feedback.text.themes import TEAM_MIN_PEOPLE
from profiles.models import (
    BusinessUnit,
    CareerAspiration,
    DataQualityFlag,
    Employee,
    LearningRecord,
    SkillEvidence,
    SyncRun,
)
from profiles.quality import last_scan_at
from profiles.selectors import role_requirements
from recommendations.candidates import my_candidacies
from recommendations.models import CareerPath, EmployeeAnalysis, Recommendation, ReviewItem, ReviewStatus, SkillGap
from recommendations.selectors import SHOWN_GAPS, analysis_context, employee_levels
from recommendations.succession import bench_strength
from taxonomy.models import MobilityPath, Role, RoleRequirement, Skill

from .progress import progress_series

MAX_FLAGGABLE = 30  # the engine keeps eight live picks per person (picking.KEEP); accepted ones add a few
LOW_CONFIDENCE = 0.5
RECENT = 8


def confidence_band(confidence: float | None) -> str:
    if confidence is None or confidence <= 0:
        return "low"
    if confidence >= 0.75:
        return "high"
    return "medium" if confidence >= LOW_CONFIDENCE else "low"


# ---------------------------------------------------------------------------------------------
# HR's home

FAILED_SYNC_DAYS = 30


def hr_home_context(*, now=None) -> dict:
    """HR's work queues, each counted (review items by kind, contested levels, data-quality flags,
    failed deliveries), and the organisation and taxonomy everything is computed from.

    ``flags`` is None until the data-quality scan has run once: a figure never measured is not 0.
    """
    now = now or timezone.now()
    pending = ReviewItem.objects.filter(status=ReviewStatus.PENDING).order_by()
    review = dict(pending.values_list("kind").annotate(n=Count("pk")))
    flagged = pending.filter(reason=ReviewItem.Reason.FLAGGED).count()
    scanned = last_scan_at()
    return {
        "queues": {
            "gap_analyses": review.get(ReviewItem.Kind.GAP_ANALYSIS, 0),
            "learning_picks": review.get(ReviewItem.Kind.RECOMMENDATION, 0),
            "succession": review.get(ReviewItem.Kind.SUCCESSION, 0),
            "flagged": flagged,
            "contests": SkillContest.objects.filter(status=SkillContest.Status.OPEN).count(),
            "reviews_overdue": reviews_overdue_count(today=timezone.localdate(now)),
            "flags": DataQualityFlag.objects.filter(resolved_at__isnull=True).count() if scanned else None,
            "last_scan": scanned,
            "failed_syncs": SyncRun.objects.filter(
                status=SyncRun.Status.FAILED, started_at__gte=now - dt.timedelta(days=FAILED_SYNC_DAYS)
            ).count(),
            "failed_sync_days": FAILED_SYNC_DAYS,
        },
        "bench": bench_strength(),
        "counts": {
            "employees": Employee.objects.active().count(),
            "business_units": BusinessUnit.objects.count(),
            "roles": Role.objects.count(),
            "skills": Skill.objects.count(),
            "requirements": RoleRequirement.objects.count(),
            "mobility_paths": MobilityPath.objects.count(),
            "roles_without_requirements": Role.objects.filter(requirements__isnull=True).count(),
            "employees_without_role": Employee.objects.active().filter(role__isnull=True).count(),
        },
    }


# ---------------------------------------------------------------------------------------------
# The employee's own page


def standing_rows(*, employee, levels: dict, contests: list) -> list[dict]:
    """Where I stand: each competency of my role with my level, the target, what the next level
    looks like, the evidence the level came from ("last assessed") and any contest of it (two
    queries)."""
    requirements = role_requirements(role=employee.role)
    open_contests = {c.skill_id: c for c in contests if c.is_open}
    rows = []
    for requirement in requirements:
        anchors = {anchor.level: anchor.description for anchor in requirement.skill.anchors.all()}
        level = levels.get(requirement.skill_id)
        shown = level["shown"] if level else None
        next_level = (shown or 0) + 1 if (shown or 0) < 4 else None
        rows.append(
            {
                "requirement": requirement,
                "skill": requirement.skill,
                "level": shown,
                "confidence": level["confidence"] if level else None,
                "band": confidence_band(level["confidence"]) if level else "low",
                "meets": shown is not None and shown >= requirement.target_level,
                "next_level": next_level,
                "next_anchor": anchors.get(next_level, "") if next_level else "",
                # the destination too, when it is more than one step away
                "target_anchor": anchors.get(requirement.target_level, "")
                if next_level and next_level < requirement.target_level
                else "",
                "last_assessed": level["last_assessed"] if level else None,
                "basis": level["basis"] if level else None,
                "open_contest": open_contests.get(requirement.skill_id),
            }
        )
    return rows


def me_context(*, employee, as_hr: bool) -> dict:
    """Everything /me/ shows, in a fixed number of queries.

    The key ``learning`` is left free on purpose: it belongs to the learning-recommendation cards
    (``recommendations/_learning.html``); the learning log is ``learning_history`` here.
    """
    levels = employee_levels(employee=employee)
    analysis = analysis_context(employee=employee, as_hr=as_hr, levels=levels)
    contests = list(
        SkillContest.objects.filter(employee=employee).select_related("skill", "decided_by__employee")[:RECENT]
    )
    rows = standing_rows(employee=employee, levels=levels, contests=contests)
    aspirations = list(
        CareerAspiration.objects.filter(employee=employee)
        .select_related("target_role")
        .prefetch_related("not_wanted_roles")
        .order_by("-stated_at")[:4]
    )
    aspiration = aspirations[0] if aspirations else None
    gaps = analysis.get("gaps", [])
    mine = my_candidacies(employee=employee)
    for match in analysis.get("matches", []):
        match.candidacy = mine.get(match.opportunity_id)
    chart_skills = list(
        {**{g.skill_id: g.skill.name for g in gaps}, **{r["skill"].pk: r["skill"].name for r in rows}}.items()
    )
    return {
        **analysis,
        "employee": employee,
        "standing": rows,
        "contests": contests,
        "aspiration": aspiration,
        "earlier_aspirations": aspirations[1:],
        "aspired_path_missing": _aspired_path_missing(aspiration, analysis.get("paths", [])),
        "role_paths": []
        if analysis.get("paths") or not employee.role_id
        else list(employee.role.paths_out.select_related("to_role").order_by("kind", "to_role__title")),
        "reflections": list(
            Signal.objects.filter(employee=employee, kind=Signal.Kind.SELF_REFLECTION).order_by("-created_at")[:5]
        ),
        "checkin_to_answer": CheckIn.objects.filter(employee=employee, employee_relevance__isnull=True)
        .select_related("manager")
        .order_by("-held_on", "-created_at")
        .first(),
        "learning_history": list(
            LearningRecord.objects.filter(employee=employee).order_by(
                F("completed_at").desc(nulls_last=True), F("started_at").desc(nulls_last=True)
            )[:12]
        ),
        "progress": progress_series(employee=employee, skills=chart_skills),
        "deep_review": open_review(employee=employee),
        "themes": person_themes(employee=employee),
        "candidacies": sorted(mine.values(), key=lambda c: c.created_at, reverse=True),
    }


THEMES_SHOWN = 5
REVIEWS_SHOWN = 20


def succession_waiting(*, owner) -> int:
    """Succession proposals waiting for review for the critical roles ``owner`` owns."""
    return ReviewItem.objects.filter(
        kind=ReviewItem.Kind.SUCCESSION, status=ReviewStatus.PENDING, succession__critical_role__owner=owner
    ).count()


def reviews_waiting(*, manager) -> list:
    """Quarterly reviews a manager holds that are not completed yet, soonest due first."""
    today = timezone.localdate()
    waiting = list(
        DeepReview.objects.filter(manager=manager)
        .exclude(status=DeepReview.Status.COMPLETED)
        .select_related("cycle", "employee")
        .order_by("cycle__manager_due_on", "employee__last_name")[:REVIEWS_SHOWN]
    )
    for review in waiting:
        review.overdue = review_overdue(review, today)
    return waiting


def person_themes(*, employee) -> list:
    """The recurring themes of what people wrote about ``employee`` (not hidden by HR)."""
    return list(Theme.objects.filter(employee=employee, hidden=False).order_by("-texts", "label")[:THEMES_SHOWN])


def team_themes(*, manager) -> list:
    """Themes across a manager's team, only where enough people's texts carry them that no one
    can be singled out (``feedback.text.themes.TEAM_MIN_PEOPLE``, checked again here)."""
    return list(
        Theme.objects.filter(manager=manager, hidden=False, people__gte=TEAM_MIN_PEOPLE).order_by("-texts", "label")[
            :THEMES_SHOWN
        ]
    )


def _aspired_path_missing(aspiration, paths):
    """The aspired role when the analysis has no path for it yet (it is always shown)."""
    if aspiration is None or aspiration.target_role_id is None:
        return None
    if any(path.role_id == aspiration.target_role_id for path in paths):
        return None
    return aspiration.target_role


# ---------------------------------------------------------------------------------------------
# The manager's team overview

TEAM_SORTS = {
    "name": "Name",
    "readiness": "Readiness (lowest first)",
    "gap": "Top gap (A to Z)",
    "checkin": "Last check-in (oldest first)",
}


def _count(queryset, *, by: str = "employee_id"):
    counted = queryset.order_by().values(by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def team_overview(*, manager, visible, sort: str = "name") -> list:
    """Each direct and indirect report with readiness for their goal, top gap, open
    recommendations, last check-in and data-quality marks, in two queries.

    Only what HR released is shown: top gap and goal readiness come from the visible run.
    """
    visible_run = OuterRef("analysis__visible_run_id")
    line = visible.filter(pk__in=Employee.objects.below(manager).values("pk")).active()  # leavers are history, not team
    rows = line.select_related("role", "manager", "analysis").annotate(
        report_count=_count(Employee.objects.filter(manager_id=OuterRef("pk")), by="manager_id"),
        goal_role=Subquery(
            CareerAspiration.objects.filter(employee_id=OuterRef("pk"))
            .order_by("-stated_at")
            .values("target_role__title")[:1]
        ),
        goal_readiness=Subquery(
            CareerPath.objects.filter(employee_id=OuterRef("pk"), run_id=visible_run, is_aspiration=True).values(
                "readiness"
            )[:1]
        ),
        role_readiness=Case(
            When(analysis__run_id=F("analysis__visible_run_id"), then=F("analysis__readiness_current")),
            default=None,
            output_field=FloatField(),
        ),
        top_gap=Subquery(
            SkillGap.objects.filter(employee_id=OuterRef("pk"), run_id=visible_run)
            .order_by("rank")
            .values("skill__name")[:1]
        ),
        top_gap_confidence=Subquery(
            SkillGap.objects.filter(employee_id=OuterRef("pk"), run_id=visible_run)
            .order_by("rank")
            .values("confidence")[:1]
        ),
        open_recommendations=_count(
            Recommendation.objects.filter(employee_id=OuterRef("pk"), status__in=Recommendation.OPEN)
        ),
        last_checkin=Subquery(
            CheckIn.objects.filter(employee_id=OuterRef("pk")).order_by("-held_on").values("held_on")[:1]
        ),
        open_contests=_count(SkillContest.objects.filter(employee_id=OuterRef("pk"), status=SkillContest.Status.OPEN)),
    )
    rows = list(rows.annotate(readiness=Coalesce("goal_readiness", "role_readiness")).order_by(*_team_order(sort)))
    flags = defaultdict(list)
    labels = dict(DataQualityFlag.Kind.choices)
    for employee_id, kind in DataQualityFlag.objects.filter(
        employee_id__in=line.values("pk"), resolved_at__isnull=True
    ).values_list("employee_id", "kind"):
        flags[employee_id].append(labels.get(kind, kind))
    for row in rows:
        row.direct = row.manager_id == manager.pk
        row.quality_marks = _quality_marks(row, flags.get(row.pk, []))
        row.top_gap_band = confidence_band(row.top_gap_confidence) if row.top_gap else None
    return rows


def _team_order(sort):
    name = ["last_name", "first_name", "pk"]
    if sort == "readiness":
        return [F("readiness").asc(nulls_last=True), *name]
    if sort == "gap":
        return [F("top_gap").asc(nulls_last=True), *name]
    if sort == "checkin":
        return [F("last_checkin").asc(nulls_first=True), *name]
    return name


def _quality_marks(row, flag_labels):
    marks = list(flag_labels)
    try:
        analysis = row.analysis
    except Employee.analysis.RelatedObjectDoesNotExist:
        analysis = None
    row.analysis_waiting = analysis is not None and analysis.visible_run_id is None
    if analysis is None:
        marks.append("No gap analysis yet")
    elif analysis.visible_run_id is None:
        marks.append("Analysis waiting for HR review")
    elif row.top_gap and row.top_gap_confidence is not None and row.top_gap_confidence < LOW_CONFIDENCE:
        marks.append("Top gap has low confidence")
    return marks


# ---------------------------------------------------------------------------------------------
# Contests and flags


def contest_page_context(*, employee, skill) -> dict:
    """The contest form's page: my level on record and what each level looks like for the skill."""
    level = employee_levels(employee=employee).get(skill.pk)
    return {
        "employee": employee,
        "skill": skill,
        "level": level,
        "anchors": {anchor.level: anchor.description for anchor in skill.anchors.all()},
        "open_contest": SkillContest.objects.filter(
            employee=employee, skill=skill, status=SkillContest.Status.OPEN
        ).first(),
    }


def contest_decision_context(*, contest) -> dict:
    """What a decider needs: the claim, every piece of evidence on record for the skill, the anchors."""
    return {
        "contest": contest,
        "employee": contest.employee,
        "evidence": list(
            SkillEvidence.objects.filter(employee=contest.employee, skill=contest.skill)
            .select_related("recorded_by__employee")
            .order_by("-observed_at")[:20]
        ),
        "anchors": {anchor.level: anchor.description for anchor in contest.skill.anchors.all()},
    }


def flag_targets(*, employee, as_hr: bool) -> tuple[list, list]:
    """The gaps (of the analysis the viewer sees) and open recommendations a flag can name."""
    pointer = EmployeeAnalysis.objects.filter(employee=employee).first()
    run_id = (pointer.run_id if as_hr else pointer.visible_run_id) if pointer else None
    gaps = list(
        SkillGap.objects.filter(employee=employee, run_id=run_id).select_related("skill").order_by("rank")[:SHOWN_GAPS]
    )
    recommendations = list(
        Recommendation.objects.filter(employee=employee, status__in=Recommendation.OPEN).select_related(
            "resource", "skill"
        )
    )
    return gaps, recommendations
