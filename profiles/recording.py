"""Writes for what people learn, how they are reviewed, what they aim for and what they can do.

Every route in calls these: the xAPI endpoint, the REST API and the file importers. So a rule
(and its message) is enforced once, whichever way the data arrives.

* Each write is keyword-only, runs in one transaction and calls ``full_clean()`` before saving.
* Each returns the row and an ``Outcome`` (created / updated / unchanged), so a route can
  count what a delivery did (``SyncRun``) and answer 201 or 200. Sending the same thing twice
  changes nothing the second time.
* Nothing here checks *who* is asking: routes apply ``profiles.access`` first. Nothing here sends
  ``profile_changed`` either: a route sends it once per delivery, not once per row.

``sync_run_record`` writes the delivery's ``SyncRun`` from a ``Tally`` of outcomes, including
the step-3 SLA figure (delay from the event's own time to the moment it landed).
"""

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from taxonomy.models import Role, Skill

from .models import (
    CareerAspiration,
    Employee,
    LearningRecord,
    PerformanceReview,
    SkillEvidence,
    SyncRejection,
    SyncRun,
)


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def _changed_fields(instance: models.Model, values: dict) -> list[str]:
    """The names in ``values`` whose (normalised) value differs from what ``instance`` holds."""
    changed = []
    for name, value in values.items():
        model_field = instance._meta.get_field(name)
        if model_field.is_relation:
            current, new = getattr(instance, model_field.attname), (value.pk if value is not None else None)
        else:
            current, new = getattr(instance, name), model_field.to_python(value)
        if current != new:
            changed.append(name)
    return changed


def _upsert(model: type[models.Model], *, existing: models.Model | None, values: dict) -> tuple[models.Model, Outcome]:
    if existing is None:
        instance = model(**values)
        instance.full_clean()
        instance.save()
        return instance, Outcome.CREATED
    changed = _changed_fields(existing, values)
    if not changed:
        return existing, Outcome.UNCHANGED
    for name in changed:
        setattr(existing, name, values[name])
    existing.full_clean()
    existing.save()
    return existing, Outcome.UPDATED


@transaction.atomic
def learning_record_upsert(
    *,
    employee: Employee,
    activity_id: str,
    title: str,
    status: str,
    source: str,
    external_id: str | None = None,
    provider: str = "",
    started_at: datetime | None = None,
    completed_at: datetime | None = None,
    score: float | None = None,
    minutes: int = 0,
) -> tuple[LearningRecord, Outcome]:
    """Record one learning event.

    Keyed on ``external_id`` when given (the xAPI statement id, the LMS row id); otherwise on
    employee + activity + status + completion time, so re-importing the same file is a no-op.
    """
    values = {
        "employee": employee,
        "activity_id": activity_id,
        "title": title,
        "status": status,
        "source": source,
        "external_id": external_id,
        "provider": provider,
        "started_at": started_at,
        "completed_at": completed_at,
        "score": score,
        "minutes": minutes,
    }
    if external_id:
        existing = LearningRecord.objects.select_for_update().filter(external_id=external_id).first()
        if existing is not None and existing.employee_id != employee.pk:
            raise ValidationError(
                {"external_id": f"Learning record {external_id} already belongs to another employee."}
            )
    else:
        existing = (
            LearningRecord.objects.select_for_update()
            .filter(employee=employee, activity_id=activity_id, status=status, completed_at=completed_at)
            .first()
        )
    return _upsert(LearningRecord, existing=existing, values=values)


@transaction.atomic
def review_upsert(
    *,
    employee: Employee,
    period: str,
    score: int,
    submitted_at: datetime,
    source: str,
    reviewer: Employee | None = None,
    goal_attainment: float | None = None,
    commentary: str = "",
) -> tuple[PerformanceReview, Outcome]:
    """The employee's review for ``period``: one per period, a resend with changes replaces it."""
    values = {
        "employee": employee,
        "period": period,
        "score": score,
        "submitted_at": submitted_at,
        "source": source,
        "reviewer": reviewer,
        "goal_attainment": goal_attainment,
        "commentary": commentary,
    }
    existing = PerformanceReview.objects.select_for_update().filter(employee=employee, period=period).first()
    return _upsert(PerformanceReview, existing=existing, values=values)


def validate_aspiration_goal(*, target_role: Role | None, interests: str) -> None:
    if target_role is None and not (interests or "").strip():
        raise ValidationError({"interests": "An aspiration needs a target role, interests, or both."})


def validate_not_wanted(*, target_role_id: int | None, not_wanted_ids) -> None:
    """A person cannot aim for a role and say they do not want it."""
    if target_role_id is not None and target_role_id in set(not_wanted_ids):
        raise ValidationError(
            {"not_wanted_roles": "The role you aim for cannot also be a role you do not want; take it out of one list."}
        )


@transaction.atomic
def aspiration_record(
    *,
    employee: Employee,
    stated_at: datetime,
    source: str,
    target_role: Role | None = None,
    interests: str = "",
    not_wanted_roles: list[Role] | None = None,
) -> tuple[CareerAspiration, Outcome]:
    """A stated career goal. History is kept (the newest is current); one per employee and moment.
    ``not_wanted_roles`` (None: leave as recorded) are the roles the person said they do not want:
    never proposed for their succession bench."""
    validate_aspiration_goal(target_role=target_role, interests=interests)
    if not_wanted_roles is not None:
        validate_not_wanted(
            target_role_id=target_role.pk if target_role else None, not_wanted_ids=[r.pk for r in not_wanted_roles]
        )
    values = {
        "employee": employee,
        "stated_at": stated_at,
        "source": source,
        "target_role": target_role,
        "interests": interests,
    }
    existing = CareerAspiration.objects.select_for_update().filter(employee=employee, stated_at=stated_at).first()
    aspiration, outcome = _upsert(CareerAspiration, existing=existing, values=values)
    if not_wanted_roles is not None:
        before = set(aspiration.not_wanted_roles.values_list("pk", flat=True)) if existing else set()
        wanted_not = {role.pk for role in not_wanted_roles}
        if before != wanted_not:
            aspiration.not_wanted_roles.set(wanted_not)
            outcome = Outcome.UPDATED if outcome is Outcome.UNCHANGED else outcome
    return aspiration, outcome


@transaction.atomic
def evidence_record(
    *,
    employee: Employee,
    skill: Skill,
    level: int,
    source: str,
    observed_at: datetime,
    confidence: float = 1.0,
    note: str = "",
    evidence_url: str = "",
    recorded_by: User | None = None,
    external_id: str | None = None,
) -> tuple[SkillEvidence, Outcome]:
    """One observation of a skill level. Evidence is append-only (its history is skill velocity):

    an identical observation sent again is a no-op; the same ``external_id`` with different values
    is refused rather than rewriting history.
    """
    values = {
        "employee": employee,
        "skill": skill,
        "level": level,
        "source": source,
        "observed_at": observed_at,
        "confidence": confidence,
        "note": note,
        "evidence_url": evidence_url,
        "external_id": external_id or None,
    }
    if external_id:
        existing = SkillEvidence.objects.filter(external_id=external_id).first()
        if existing is not None and _changed_fields(existing, values):
            raise ValidationError(
                {
                    "external_id": f"Evidence {external_id} was already recorded with different values; evidence is "
                    "never rewritten, so send the new observation with a new external id."
                }
            )
    else:
        existing = SkillEvidence.objects.filter(
            employee=employee,
            skill=skill,
            source=source,
            observed_at=observed_at,
            level=level,
            confidence=confidence,
            note=note,
            evidence_url=evidence_url,
        ).first()
    if existing is not None:
        return existing, Outcome.UNCHANGED
    evidence = SkillEvidence(**values, recorded_by=recorded_by)
    evidence.full_clean()
    evidence.save()
    return evidence, Outcome.CREATED


@dataclass
class Tally:
    """What one delivery did, row by row, for its ``SyncRun``."""

    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[tuple[int | None, str, str]] = field(default_factory=list)  # (line, reason, raw)
    delays: list[float] = field(default_factory=list)

    def add(self, outcome: Outcome, *, event_at: datetime | None = None, now: datetime | None = None) -> None:
        """Count ``outcome``; a change also counts its delay from ``event_at`` (when it happened)."""
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)
        if outcome is not Outcome.UNCHANGED and event_at is not None:
            # A clock ahead of ours would make a negative delay; it landed as soon as it was sent.
            self.delays.append(max(0.0, ((now or timezone.now()) - event_at).total_seconds()))

    def reject(self, *, reason: str, line: int | None = None, raw: str = "") -> None:
        self.rejections.append((line, reason, raw))


@transaction.atomic
def sync_run_record(
    *, source: str, kind: str, tally: Tally, name: str = "", triggered_by: User | None = None, error: str = ""
) -> SyncRun:
    """Write the finished ``SyncRun`` (and its rejections) for one delivery."""
    if error:
        status = SyncRun.Status.FAILED
    elif tally.rejections:
        status = SyncRun.Status.PARTIAL
    else:
        status = SyncRun.Status.SUCCEEDED
    run = SyncRun(
        source=source,
        kind=kind,
        name=name[:300],
        status=status,
        finished_at=timezone.now(),
        received=tally.received,
        created=tally.created,
        updated=tally.updated,
        unchanged=tally.unchanged,
        rejected=len(tally.rejections),
        error=error,
        triggered_by=triggered_by,
        max_delay_seconds=max(tally.delays) if tally.delays else None,
        median_delay_seconds=statistics.median(tally.delays) if tally.delays else None,
    )
    run.full_clean()
    run.save()
    SyncRejection.objects.bulk_create(
        SyncRejection(run=run, line=line, reason=reason, raw=raw) for line, reason, raw in tally.rejections
    )
    return run
