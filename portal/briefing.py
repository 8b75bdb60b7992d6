"""The manager's check-in briefing: what changed since the last check-in, the agenda, and what a
check-in keeps of it for next month.

Reads in a fixed number of queries like every portal page (``pages``); the agenda and the "what
changed" comparison are pure functions (``agenda_build``, ``gap_changes``) over rows already
fetched, so they are tested without a database.
"""

import datetime as dt

from django.db.models import Count, F, Q
from django.utils import timezone

from feedback.models import CheckIn, Signal, SkillContest
from feedback.reviews import open_review
from profiles.models import (
    CareerAspiration,
    LearningRecord,
    PerformanceReview,
    SkillEvidence,
)
from recommendations.candidates import interest_told
from recommendations.engine.rationale import about_them
from recommendations.models import Recommendation
from recommendations.selectors import analysis_context

from .pages import LOW_CONFIDENCE, MAX_FLAGGABLE, RECENT, person_themes

NO_CHECKIN_LOOKBACK_DAYS = 30


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
