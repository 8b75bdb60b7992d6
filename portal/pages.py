"""What each portal page shows: /me/, the team overview, the check-in briefing, contests and flags.

Every function reads in a fixed number of queries, whatever the size of the team or of the
employee's history: lists are bounded, counts are subqueries, and per-row work happens in Python
over rows already fetched. The agenda and the "what changed" comparison are pure functions
(``agenda_build``, ``gap_changes``) over those rows, so they are tested without a database.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Case, Count, F, FloatField, IntegerField, OuterRef, Q, Subquery, Value, When
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
    PerformanceReview,
    SkillEvidence,
    SyncRun,
)
from profiles.quality import last_scan_at
from profiles.selectors import role_requirements
from recommendations.candidates import interest_told, my_candidacies
from recommendations.engine.rationale import about_them
from recommendations.models import CareerPath, EmployeeAnalysis, Recommendation, ReviewItem, ReviewStatus, SkillGap
from recommendations.selectors import SHOWN_GAPS, analysis_context, employee_levels
from recommendations.succession import bench_strength
from taxonomy.models import MobilityPath, Role, RoleRequirement, Skill

from .progress import progress_series

MAX_FLAGGABLE = 30  # the engine keeps eight live picks per person (picking.KEEP); accepted ones add a few
LOW_CONFIDENCE = 0.5
NO_CHECKIN_LOOKBACK_DAYS = 30
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
# The check-in briefing


def gaps_snapshot(gaps) -> list[dict]:
    """What a check-in remembers of the ranked gaps, to compare against next month."""
    return [
        {
            "skill_id": gap.skill_id,
            "skill": gap.skill.name,
            "rank": gap.rank,
            "level": gap.shown_current,
            "goal": gap.goal_level,
            "confidence": round(gap.confidence, 3),
        }
        for gap in gaps
    ]


def gap_changes(*, snapshot: list[dict], gaps: list[dict]) -> list[dict]:
    """Rank and level changes between a check-in's snapshot and today's gaps (both as snapshots)."""
    before = {item["skill_id"]: item for item in snapshot}
    now = {item["skill_id"]: item for item in gaps}
    changes = []
    for item in gaps:
        old = before.get(item["skill_id"])
        if old is None:
            changes.append({**item, "change": "new", "text": f"new in the ranked gaps at #{item['rank']}"})
            continue
        parts = []
        if old["rank"] != item["rank"]:
            direction = "up" if item["rank"] < old["rank"] else "down"
            parts.append(f"moved {direction} from #{old['rank']} to #{item['rank']}")
        if old["level"] != item["level"]:
            parts.append(f"level {old['level']} → {item['level']}")
        if parts:
            changes.append({**item, "change": "moved", "text": ", ".join(parts)})
    for item in snapshot:
        if item["skill_id"] not in now:
            changes.append({**item, "change": "gone", "text": f"no longer among the ranked gaps (was #{item['rank']})"})
    return changes


def agenda_build(
    *,
    gaps: list,
    evidence_on_top_gap: int,
    recommendations: dict,
    aspiration,
    goal_path,
    last_checkin,
    open_contests: list,
    since_label: str,
) -> list[dict]:
    """A 15-20 minute agenda from the profile: progress on the top gap, recommendation
    engagement, goals, follow-up of agreed actions, then anything to check in the evidence."""
    agenda = []
    if gaps:
        top = gaps[0]
        # A skill only in demand in the business unit has no level to reach (as in the gap list).
        target = f"of {top.goal_level}" if top.goal_level else "(in demand in the business unit; no level required)"
        progress = (
            f"{evidence_on_top_gap} new piece{'s' if evidence_on_top_gap != 1 else ''} of evidence {since_label}."
            if evidence_on_top_gap
            else f"No new evidence {since_label}: ask for a recent example."
        )
        agenda.append(
            {
                "title": f"Progress on the top gap: {top.skill.name}",
                "detail": f"Level {top.shown_current} {target}, confidence {round(top.confidence * 100)}%. {progress}",
                "minutes": 5,
            }
        )
    else:
        agenda.append(
            {
                "title": "Progress: no open gaps",
                "detail": "Every requirement is met. Talk about stretching toward a next role or a mentoring role.",
                "minutes": 4,
            }
        )
    open_count = sum(recommendations.get(status, 0) for status in Recommendation.OPEN)
    if recommendations:
        agenda.append(
            {
                "title": "Recommendation engagement",
                "detail": f"{open_count} open ({recommendations.get(Recommendation.Status.ACCEPTED, 0)} accepted), "
                f"{recommendations.get(Recommendation.Status.COMPLETED, 0)} completed and "
                f"{recommendations.get(Recommendation.Status.DISMISSED, 0)} dismissed in all. "
                "Is the learning getting done, and does it fit?",
                "minutes": 4,
            }
        )
    else:
        agenda.append(
            {
                "title": "Recommendation engagement",
                "detail": "No learning recommendations yet. Ask which kinds of learning work for them.",
                "minutes": 3,
            }
        )
    if aspiration is None:
        agenda.append(
            {
                "title": "Goals check",
                "detail": "No career goal stated. Ask what they want to grow toward; they can add it under “Tell us” on their page.",
                "minutes": 4,
            }
        )
    else:
        goal = aspiration.target_role.title if aspiration.target_role_id else aspiration.interests[:80]
        readiness = f", {round(goal_path.readiness * 100)}% ready" if goal_path is not None else ""
        missing = ""
        if goal_path is not None and getattr(goal_path, "missing_skills", None):
            missing = " Still needed: " + ", ".join(m["skill"] for m in goal_path.missing_skills[:3]) + "."
        agenda.append(
            {
                "title": "Goals check",
                "detail": f"Stated goal: {goal}{readiness} (stated {aspiration.stated_at:%b %Y}).{missing} Is it still right?",
                "minutes": 4,
            }
        )
    if last_checkin is not None and last_checkin.actions:
        agenda.append(
            {
                "title": "Follow up the agreed actions",
                "detail": f"From {_day(last_checkin.held_on)}: " + "; ".join(last_checkin.actions[:4]) + ".",
                "minutes": 3,
            }
        )
    else:
        agenda.append(
            {
                "title": "Agree actions",
                "detail": "No actions were agreed last time. Agree one or two to follow up next month.",
                "minutes": 3,
            }
        )
    checks = [
        f"they contest {c.skill.name} (claim {c.claimed_level}, on record {_level(c.level_on_record)})"
        for c in open_contests
    ]
    checks += [
        f"{g.skill.name} has low confidence ({round(g.confidence * 100)}%)"
        for g in gaps[:3]
        if g.confidence < LOW_CONFIDENCE
    ]
    if checks:
        detail = "; ".join(checks)
        agenda.append({"title": "Check the evidence", "detail": detail[:1].upper() + detail[1:] + ".", "minutes": 2})
    return agenda


def _level(level):
    return "none" if level is None else level


def briefing_context(*, employee, as_hr: bool, now=None) -> dict:
    """The briefing for one report's monthly check-in, in a fixed number of queries.

    1. The released analysis: ranked gaps with rationale and confidence, paths.
    2. The last check-in; "since" is its date (or the last 30 days when there is none).
    3. What changed since: evidence, learning, reviews, signals, contests, gap rank changes.
    4. The agenda built from all of it, with the report's goals and recent signals.
    """
    now = now or timezone.now()
    analysis = analysis_context(employee=employee, as_hr=as_hr)
    gaps = analysis.get("gaps", [])
    for gap in gaps:  # the rationale is worded for the employee; the briefing is read by their manager
        gap.rationale = about_them(gap.rationale)
    checkins = list(
        CheckIn.objects.filter(employee=employee).select_related("manager").order_by("-held_on", "-created_at")[:4]
    )
    last = checkins[0] if checkins else None
    since_date = last.held_on if last else (now - dt.timedelta(days=NO_CHECKIN_LOOKBACK_DAYS)).date()
    since = timezone.make_aware(dt.datetime.combine(since_date, dt.time.min))
    since_label = f"since {_day(since_date)}"
    contests = list(
        SkillContest.objects.filter(employee=employee).select_related("skill", "decided_by__employee")[:RECENT]
    )
    changed = {
        "evidence": list(
            SkillEvidence.objects.filter(employee=employee, observed_at__gte=since)
            .select_related("skill", "recorded_by__employee")
            .order_by("-observed_at")[:RECENT]
        ),
        "learning": list(
            LearningRecord.objects.filter(employee=employee)
            .filter(Q(completed_at__gte=since) | Q(started_at__gte=since))
            .order_by(F("completed_at").desc(nulls_last=True))[:RECENT]
        ),
        "reviews": list(
            PerformanceReview.objects.filter(employee=employee, submitted_at__gte=since).order_by("-submitted_at")[:3]
        ),
        "contests": [c for c in contests if c.created_at >= since or (c.decided_at and c.decided_at >= since)],
        "gaps": gap_changes(snapshot=last.gaps_snapshot, gaps=gaps_snapshot(gaps)) if last else None,
    }
    signals = list(
        Signal.objects.filter(employee=employee).select_related("author__employee").order_by("-created_at")[:RECENT]
    )
    changed["signals"] = [s for s in signals if s.created_at >= since]
    changed["any"] = any(changed[key] for key in ("evidence", "learning", "reviews", "contests", "gaps", "signals"))
    open_contests = [c for c in contests if c.is_open]
    aspirations = list(
        CareerAspiration.objects.filter(employee=employee).select_related("target_role").order_by("-stated_at")[:3]
    )
    aspiration = aspirations[0] if aspirations else None
    goal_path = next((path for path in analysis.get("paths", []) if path.is_aspiration), None)
    recommendations = dict(
        Recommendation.objects.filter(employee=employee).values_list("status").annotate(n=Count("pk")).order_by()
    )
    top_skill = gaps[0].skill_id if gaps else None
    return {
        **analysis,
        "employee": employee,
        "checkins": checkins,
        "last_checkin": last,
        "since": since_date,
        "since_checkin": last is not None,
        "changed": changed,
        "agenda": agenda_build(
            gaps=gaps,
            evidence_on_top_gap=sum(1 for e in changed["evidence"] if e.skill_id == top_skill),
            recommendations=recommendations,
            aspiration=aspiration,
            goal_path=goal_path,
            last_checkin=last,
            open_contests=open_contests,
            since_label=since_label,
        ),
        "aspiration": aspiration,
        "earlier_aspirations": aspirations[1:],
        "goal_path": goal_path,
        "interest_told": interest_told(employee=employee),
        "signals": signals,
        "reflections": [s for s in signals if s.kind == Signal.Kind.SELF_REFLECTION],
        "open_contests": open_contests,
        "deep_review": open_review(employee=employee),
        "themes": person_themes(employee=employee),
        "open_recommendations": list(
            # every pick the learning card offers to flag (a few shown, the rest on request, those accepted)
            Recommendation.objects.filter(employee=employee, status__in=Recommendation.OPEN)
            .select_related("resource", "skill")
            .order_by("-shown", "rank")[:MAX_FLAGGABLE]
        ),
    }


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def checkin_inputs(*, employee) -> tuple[list[dict], list[dict]]:
    """The agenda and the gaps snapshot a check-in keeps: what the manager's briefing showed."""
    briefing = briefing_context(employee=employee, as_hr=False)
    return briefing["agenda"], gaps_snapshot(briefing.get("gaps", []))


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
