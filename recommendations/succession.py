"""Succession: the engine proposes a bench for each critical role; humans decide who is in.

``succession_propose()`` (the django-q2 task ``recommendations.tasks.succession_propose``, run
after each nightly recompute and from the HR succession page) reads the organisation set-based,
runs ``engine.succession.bench`` and writes in bulk:

* a new proposal becomes a ``SuccessionCandidate`` waiting for review and one ``ReviewItem``
  in HR's queue (kind "succession"): nobody enters a pool without a human decision;
* a proposal still waiting gets today's figures; one the engine no longer proposes is withdrawn
  (its row and review item deleted), since no human decided it yet;
* a decided one (approved, edited or rejected) is never touched again: a rejected person is not
  proposed again for that role, an approved one stays until HR changes it.

``bench_strength()`` counts, per critical role, the approved people ready now and soon.
"""

from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
from auditlog.models import LogEntry
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from profiles import frames as profile_frames
from profiles.audit import audit_bulk
from taxonomy import frames as taxonomy_frames

from .engine import succession as engine
from .engine.proficiency import current_proficiency
from .models import CriticalRole, EngineSettings, ReviewItem, ReviewStatus, SuccessionCandidate

TRAJECTORY = timedelta(days=round(engine.TRAJECTORY_MONTHS * 30.44))
FIGURES = ["horizon", "readiness", "readiness_then", "months_to_ready", "confidence", "reasons"]


@dataclass
class Proposed:
    created: int
    updated: int
    withdrawn: int


def _levels(evidence: pd.DataFrame, at, weights) -> pd.DataFrame:
    seen = evidence[evidence["observed_at"] <= at]
    seen = seen.assign(age_days=((at - seen["observed_at"]).dt.total_seconds() / 86_400).clip(lower=0))
    return current_proficiency(seen, weights)[["employee_id", "skill_id", "level", "confidence"]]


def bench_read(*, now, critical: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read what the bench needs (set-based) and return ``engine.succession.bench``'s proposals
    for the critical roles (or for ``critical``: critical_id, role_id, e.g. roles HR considers)."""
    if critical is None:
        critical = pd.DataFrame(
            list(CriticalRole.objects.values_list("pk", "role_id")), columns=["critical_id", "role_id"]
        ).astype("int64")
    if critical.empty:
        return pd.DataFrame(columns=engine.COLUMNS)
    requirements = taxonomy_frames.role_requirements()
    skill_ids = requirements.loc[requirements["role_id"].isin(critical["role_id"]), "skill_id"].unique().tolist()
    evidence = profile_frames.skill_evidence(now=now, skill_ids=skill_ids, with_observed_at=True)
    weights = EngineSettings.load().as_weights()
    at = pd.Timestamp(now)
    return engine.bench(
        people=profile_frames.employees(active_only=True)[["employee_id", "role_id"]],
        critical=critical,
        requirements=requirements,
        levels_now=_levels(evidence, at, weights),
        levels_then=_levels(evidence, at - TRAJECTORY, weights),
        not_wanted=profile_frames.roles_not_wanted(),
    )


def succession_propose(*, now=None) -> Proposed:
    """Propose every critical role's bench and queue each new name for review (steps above)."""
    now = now or timezone.now()
    proposals = bench_read(now=now)
    proposals = proposals.assign(reasons=[engine.reasons(row) for row in proposals.itertuples()])
    wanted = {(int(r.critical_id), int(r.employee_id)): r for r in proposals.itertuples()}
    with transaction.atomic():
        existing = {
            (c.critical_role_id, c.employee_id): c
            for c in SuccessionCandidate.objects.select_for_update().filter(critical_role__isnull=False)
        }
        created, updated = [], []
        for key, row in wanted.items():
            figures = {
                "horizon": row.horizon,
                "readiness": float(row.readiness),
                "readiness_then": float(row.readiness_then),
                "months_to_ready": None if pd.isna(row.months_to_ready) else float(row.months_to_ready),
                "confidence": float(row.confidence),
                "reasons": row.reasons,
            }
            known = existing.get(key)
            if known is None:
                created.append(
                    SuccessionCandidate(critical_role_id=key[0], employee_id=key[1], proposed_at=now, **figures)
                )
            elif known.status == ReviewStatus.PENDING:
                for name, value in figures.items():
                    setattr(known, name, value)
                updated.append(known)
        gone = [c.pk for key, c in existing.items() if key not in wanted and c.status == ReviewStatus.PENDING]
        SuccessionCandidate.objects.filter(pk__in=gone).delete()
        SuccessionCandidate.objects.bulk_create(created)
        SuccessionCandidate.objects.bulk_update(updated, FIGURES)
        ReviewItem.objects.bulk_create(
            [
                ReviewItem(
                    kind=ReviewItem.Kind.SUCCESSION,
                    employee_id=candidate.employee_id,
                    succession=candidate,
                    reason=ReviewItem.Reason.SUCCESSION,
                    confidence=candidate.confidence,
                )
                for candidate in created
            ]
        )
        for candidate in updated:  # the queue sorts by confidence: keep it current
            candidate.review_items.filter(status=ReviewStatus.PENDING).update(confidence=candidate.confidence)
        if created or gone:
            audit_bulk(
                model=SuccessionCandidate,
                action=LogEntry.Action.CREATE,
                count=len(created),
                detail={"withdrawn": len(gone), "updated": len(updated)},
                summary="succession proposals",
            )
    return Proposed(created=len(created), updated=len(updated), withdrawn=len(gone))


def bench_strength() -> list[dict]:
    """Per critical role: people approved into its pool ready now, ready in about a year, later,
    and proposals still waiting for review."""
    in_pool = Q(bench__status__in=SuccessionCandidate.IN_POOL)
    rows = CriticalRole.objects.select_related("role", "owner").annotate(
        ready_now=Count("bench", filter=in_pool & Q(bench__horizon="now")),
        ready_soon=Count("bench", filter=in_pool & Q(bench__horizon="year")),
        ready_later=Count("bench", filter=in_pool & Q(bench__horizon="later")),
        waiting=Count("bench", filter=Q(bench__status=ReviewStatus.PENDING)),
    )
    return list(rows)
