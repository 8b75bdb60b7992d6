"""The outcomes loop: what became of each recommendation, and the flags that say one is wrong.

Writes only; who may call them is the views' business (``profiles.access``). Each service locks
the recommendation, refuses a transition that cannot happen with a ``ValidationError`` that
says why, and returns what it changed.

A recommendation moves

    proposed / in review --deliver--> delivered --accept--> accepted --complete--> completed
                                          |                     |
                                          +------dismiss--------+--> dismissed

and may be completed or dismissed without being accepted first; a recompute may withdraw a
delivered one it no longer picks (``recommendations.learning``), but never one acted on.
``acted_at`` is the first accept, dismiss or completion: the engagement rate is the share acted
on within 30 days of ``delivered_at``. Completing adds a learning record (unless the LMS sent one) and learning
evidence one level up at most, then asks for a recompute of the employee's gaps; the outcome
and the flags are the labels the ranking model learns from.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import URLValidator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from profiles.models import Employee, EvidenceSource, LearningRecord, SkillEvidence
from profiles.recording import evidence_record, learning_record_upsert
from profiles.signals import profile_changed_on_commit
from taxonomy.models import Skill

from . import frames
from .models import EmployeeAnalysis, Flag, Recommendation, ResourceSkill, ReviewItem, ReviewStatus

Status = Recommendation.Status
LEARNING_CONFIDENCE = 0.6
COMPLETED_LEARNING = (LearningRecord.Status.COMPLETED, LearningRecord.Status.PASSED)

# Why an action is refused, by the recommendation's status.
REFUSALS = {
    Status.PROPOSED: "it has not been delivered yet",
    Status.IN_REVIEW: "it is still waiting for HR review",
    Status.COMPLETED: "it is already completed",
    Status.DISMISSED: "it was dismissed",
    Status.WITHDRAWN: "it was replaced by newer recommendations",
    Status.ACCEPTED: "it is already accepted",
    Status.REJECTED: "HR took it back in review",
}


def _locked(recommendation: Recommendation) -> Recommendation:
    return (
        Recommendation.objects.select_for_update()
        .select_related("employee", "resource", "skill")
        .get(pk=recommendation.pk)
    )


def _refuse_unless(recommendation: Recommendation, allowed, action: str) -> None:
    if recommendation.status not in allowed:
        why = REFUSALS.get(recommendation.status, f"it is {recommendation.get_status_display().lower()}")
        raise ValidationError(f"“{recommendation.resource}” cannot be {action}: {why}.", code="impossible_transition")


def _reason_required(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Say why {what}, so HR and the next model training can learn from it."})
    return reason


def _save(recommendation: Recommendation, fields: list[str]) -> None:
    # Only the fields this action changed are checked: the rest is the engine's, as it wrote it.
    others = [f.name for f in Recommendation._meta.fields if f.name not in fields]
    recommendation.full_clean(exclude=others, validate_unique=False)
    recommendation.save(update_fields=fields)


def _acted(recommendation: Recommendation, now: datetime) -> None:
    if recommendation.acted_at is None:
        recommendation.acted_at = now


@transaction.atomic
def recommendation_accept(*, recommendation: Recommendation, by: User) -> Recommendation:
    """The employee takes the recommendation up."""
    recommendation = _locked(recommendation)
    _refuse_unless(recommendation, (Status.DELIVERED,), "accepted")
    recommendation.status = Status.ACCEPTED
    _acted(recommendation, timezone.now())
    _save(recommendation, ["status", "acted_at"])
    return recommendation


@transaction.atomic
def recommendation_dismiss(*, recommendation: Recommendation, by: User, reason: str) -> Recommendation:
    """The employee (or their manager) turns it down, saying why."""
    reason = _reason_required(reason, "it is dismissed")
    recommendation = _locked(recommendation)
    _refuse_unless(recommendation, Recommendation.OPEN, "dismissed")
    recommendation.status = Status.DISMISSED
    recommendation.dismissed_reason = reason
    _acted(recommendation, timezone.now())
    _save(recommendation, ["status", "dismissed_reason", "acted_at"])
    return recommendation


@transaction.atomic
def recommendation_complete(
    *,
    recommendation: Recommendation,
    by: User | None,
    completed_at: datetime | None = None,
    learning_record: LearningRecord | None = None,
    source: str = "portal",
) -> Recommendation:
    """The employee finished it.

    1. The recommendation becomes completed (``completed_at``, and ``acted_at`` if first).
    2. Without an LMS record of it (``learning_record``, or a completed record of the item's
       activity id), a learning record is added, keyed ``recommendation:<id>``.
    3. Learning evidence in the recommended skill: the item's ``to_level`` for that skill, but
       at most one level above where the employee stood (``current_level``), confidence 0.6.
    4. ``profile_changed`` after commit, so the employee's gaps are recomputed.
    """
    recommendation = _locked(recommendation)
    _refuse_unless(recommendation, Recommendation.OPEN, "completed")
    now = timezone.now()
    completed_at = completed_at or now
    recommendation.status = Status.COMPLETED
    recommendation.completed_at = completed_at
    _acted(recommendation, now)
    _save(recommendation, ["status", "completed_at", "acted_at"])

    resource, employee = recommendation.resource, recommendation.employee
    activity_id = resource.record_key
    if learning_record is None:
        learning_record = (
            LearningRecord.objects.filter(employee=employee, activity_id=activity_id, status__in=COMPLETED_LEARNING)
            .order_by("-completed_at")
            .first()
        )
    if learning_record is None:
        learning_record, _ = learning_record_upsert(
            employee=employee,
            activity_id=activity_id,
            title=resource.title[:300],
            status=LearningRecord.Status.COMPLETED,
            source=source,
            external_id=f"recommendation:{recommendation.pk}",
            provider=resource.provider,
            completed_at=completed_at,
            minutes=round(resource.hours * 60),
        )
    evidence_record(
        employee=employee,
        skill=recommendation.skill,
        level=completion_level(recommendation),
        source=EvidenceSource.LEARNING,
        observed_at=completed_at,
        confidence=LEARNING_CONFIDENCE,
        note=f"Completed “{resource.title}” (recommended for {recommendation.skill}).",
        evidence_url=_url_or_blank(resource.url or activity_id),
        recorded_by=by,
        external_id=f"recommendation:{recommendation.pk}",
    )
    profile_changed_on_commit(employee_ids=[employee.pk], what="evidence", source=source)
    return recommendation


def completion_level(recommendation: Recommendation) -> int:
    """The level a completion is evidence of: the item's ``to_level`` in the skill, capped at one
    level above the employee's level when it was recommended."""
    to_level = (
        ResourceSkill.objects.filter(resource_id=recommendation.resource_id, skill_id=recommendation.skill_id)
        .values_list("to_level", flat=True)
        .first()
    )
    return int(
        completion_levels(
            pd.Series([to_level], dtype="float64"),
            reaches=pd.Series([recommendation.reaches_level]),
            current=pd.Series([recommendation.current_level]),
        ).iloc[0]
    )


def completion_levels(to_level: pd.Series, *, reaches: pd.Series, current: pd.Series) -> pd.Series:
    """``completion_level`` for many: ``to_level`` (or ``reaches`` where the item does not teach
    the skill, or its ``to_level`` is 0) capped at one level above ``floor(current)``, never below 0."""
    wanted = to_level.where(to_level.notna() & (to_level != 0), reaches).astype("int64")
    cap = np.floor(current.astype("float64").clip(lower=0.0)).astype("int64") + 1
    return np.minimum(wanted, cap).clip(lower=0)


def _url_or_blank(value: str) -> str:
    try:
        URLValidator()(value)
    except ValidationError:
        return ""
    return value if len(value) <= 500 else ""


# --- Flags ------------------------------------------------------------------------------------


@transaction.atomic
def recommendation_flag(*, recommendation: Recommendation, by: User, reason: str) -> Flag:
    """A manager or HR says this recommendation is wrong; it goes to HR's review queue."""
    reason = _reason_required(reason, "the recommendation is wrong")
    recommendation = Recommendation.objects.select_related("employee").get(pk=recommendation.pk)
    flag = Flag(
        target=Flag.Target.RECOMMENDATION,
        employee=recommendation.employee,
        skill_id=recommendation.skill_id,
        recommendation=recommendation,
        reason=reason,
        raised_by=by,
    )
    flag.full_clean()
    flag.save()
    _review_item_flagged(
        kind=ReviewItem.Kind.RECOMMENDATION, employee=recommendation.employee, confidence=recommendation.confidence
    )
    return flag


@transaction.atomic
def gap_flag(*, employee: Employee, skill: Skill, by: User, reason: str) -> Flag:
    """A manager or HR says this skill gap is wrong; the analysis goes back to HR's review queue."""
    reason = _reason_required(reason, "the gap is wrong")
    flag = Flag(target=Flag.Target.GAP, employee=employee, skill=skill, reason=reason, raised_by=by)
    flag.full_clean()
    flag.save()
    analysis = EmployeeAnalysis.objects.filter(employee=employee).first()
    _review_item_flagged(
        kind=ReviewItem.Kind.GAP_ANALYSIS,
        employee=employee,
        confidence=analysis.confidence if analysis else 0.0,
        run_id=analysis.run_id if analysis else None,
    )
    return flag


def _review_item_flagged(*, kind: str, employee: Employee, confidence: float, run_id: int | None = None) -> ReviewItem:
    """The employee's pending review item of this kind, now marked flagged (there is at most one)."""
    item = (
        ReviewItem.objects.select_for_update().filter(kind=kind, employee=employee, status=ReviewStatus.PENDING).first()
    )
    if item is None:
        item = ReviewItem(kind=kind, employee=employee, status=ReviewStatus.PENDING)
    item.reason = ReviewItem.Reason.FLAGGED
    item.confidence = confidence
    if run_id is not None:
        item.run_id = run_id
    item.full_clean()
    item.save()
    return item


# --- Delivery ---------------------------------------------------------------------------------


@transaction.atomic
def recommendations_deliver(*, recommendation_ids: Iterable[int], now: datetime) -> list[Recommendation]:
    """Deliver these recommendations: status delivered, and one e-mail per employee listing the
    picks shown first.

    The caller decides what may go out (proposed picks that need no review, or picks HR has
    just released from review). Ids already delivered, acted on or withdrawn, and people who
    have left, are skipped, so running it twice sends nothing twice. The e-mails go out after the
    rows are written and before the commit: a mail server that refuses them rolls the delivery
    back, to be tried again.
    """
    ids = sorted({int(pk) for pk in recommendation_ids})
    picks = list(
        Recommendation.objects.select_for_update()
        .filter(pk__in=ids, status__in=Recommendation.UNSEEN, employee__status=Employee.Status.ACTIVE)
        .select_related("employee", "resource", "skill")
        .order_by("employee_id", "rank", "pk")
    )
    if not picks:
        return []
    Recommendation.objects.filter(pk__in=[pick.pk for pick in picks], status__in=Recommendation.UNSEEN).update(
        status=Status.DELIVERED, delivered_at=now
    )
    for pick in picks:
        pick.status, pick.delivered_at = Status.DELIVERED, now
    _delivery_emails_send(picks, now=now)
    return picks


DIGEST_LOOKBACK_DAYS = 7
"""The daily e-mail covers picks delivered this recently and not yet e-mailed (older ones are stale news)."""
DIGEST_BATCH = 500


def delivery_digest(*, now: datetime, progress: Callable[[int], None] | None = None) -> int:
    """E-mail each employee the picks the recomputes delivered since their last e-mail.

    The recompute delivers set-based and sends nothing (``recommendations.learning``); this
    daily task (``tasks.delivery_digest_task``) sends one e-mail per employee listing their new
    picks shown first, in batches of ``DIGEST_BATCH`` employees, each batch in its own
    transaction: a mail server that refuses a batch leaves it to the next run. Returns the
    e-mails sent; ``progress(done, total)`` is called after each batch.
    """
    waiting = Recommendation.objects.filter(
        status=Status.DELIVERED, emailed_at__isnull=True, delivered_at__gte=now - timedelta(days=DIGEST_LOOKBACK_DAYS)
    )
    employee_ids = sorted(set(waiting.values_list("employee_id", flat=True)))
    sent = 0
    for start in range(0, len(employee_ids), DIGEST_BATCH):
        with transaction.atomic():
            picks = list(
                waiting.select_for_update(of=("self",))
                .filter(employee_id__in=employee_ids[start : start + DIGEST_BATCH])
                .select_related("employee", "resource", "skill")
                .order_by("employee_id", "rank", "pk")
            )
            sent += _delivery_emails_send(picks, now=now)
        if progress:
            progress(min(start + DIGEST_BATCH, len(employee_ids)), len(employee_ids))
    return sent


def _delivery_emails_send(picks: list[Recommendation], *, now: datetime) -> int:
    """One e-mail per active employee with an address, listing their picks shown first; marks
    every pick of those employees e-mailed. Returns the e-mails sent."""
    by_employee: dict[int, list[Recommendation]] = defaultdict(list)
    for pick in picks:
        by_employee[pick.employee_id].append(pick)
    messages, emailed = [], []
    for recommendations in by_employee.values():
        employee = recommendations[0].employee
        shown = [pick for pick in recommendations if pick.shown]
        if employee.email and shown and employee.status == Employee.Status.ACTIVE:
            messages.append(_delivery_email(employee=employee, recommendations=shown))
            emailed += [pick.pk for pick in recommendations]
    if messages:
        get_connection(fail_silently=False).send_messages(messages)
        Recommendation.objects.filter(pk__in=emailed).update(emailed_at=now)
    return len(messages)


def _delivery_email(*, employee: Employee, recommendations: list[Recommendation]) -> EmailMultiAlternatives:
    context = {
        "employee": employee,
        "recommendations": recommendations,
        "portal_url": getattr(settings, "SITE_URL", "").rstrip("/") + reverse("portal:me"),
    }
    subject = " ".join(render_to_string("recommendations/email/delivered_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("recommendations/email/delivered.txt", context),
        to=[employee.email],
    )
    message.attach_alternative(render_to_string("recommendations/email/delivered.html", context), "text/html")
    return message


# --- Completions from the LMS -------------------------------------------------------------------


def learning_completed_from_lms(*, learning_record: LearningRecord) -> list[Recommendation]:
    """An LMS completion (xAPI, a file) of a catalogue item completes the employee's open
    recommendations of that item (one per skill it was recommended for), with learning evidence.

    Returns the recommendations it completed; a record that is not a completion, or matches no
    open recommendation, changes nothing. (``lms_completions_apply`` for one record.)
    """
    ids = lms_completions_apply(employee_ids=[learning_record.employee_id], record_id=learning_record.pk)
    return list(Recommendation.objects.filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def lms_completions_apply(
    *, employee_ids: Iterable[int], received_since: datetime | None = None, record_id: int | None = None
) -> list[int]:
    """Set-based ``recommendation_complete`` for what an LMS delivery (a file of a million rows, an
    xAPI batch) completed: every open recommendation of ``employee_ids`` whose employee has a
    completed record of its item (received since ``received_since``, or the record ``record_id``)
    becomes completed at that record's ``completed_at`` (the earliest received record when there
    are several), with learning evidence one level up at most, and one ``profile_changed`` for all
    their employees. The LMS's record is the learning record: none is added. Returns the ids of
    the recommendations completed.

    The recommendations and their records are matched in the database, driven by the records
    (``frames.lms_completions``), and the matches still open are locked (``select_for_update``),
    so one acted on meanwhile (dismissed a moment ago) is left alone, as
    ``recommendation_complete`` refuses it.
    """
    done = frames.lms_completions(
        employee_ids=list(employee_ids),
        statuses=COMPLETED_LEARNING,
        open_statuses=Recommendation.OPEN,
        received_since=received_since,
        record_id=record_id,
    )
    if not done.empty:  # lock what is still open: one acted on meanwhile is left alone
        still_open = Recommendation.objects.select_for_update().filter(
            pk__in=done["pk"].tolist(), status__in=Recommendation.OPEN
        )
        done = done[done["pk"].isin(list(still_open.values_list("pk", flat=True)))]
    if done.empty:
        return []
    to_levels = pd.DataFrame.from_records(
        ResourceSkill.objects.filter(resource_id__in=done["resource_id"].unique().tolist()).values(
            "resource_id", "skill_id", "to_level"
        ),
        columns=["resource_id", "skill_id", "to_level"],
    )
    done = done.merge(to_levels, on=["resource_id", "skill_id"], how="left")
    done["level"] = completion_levels(done["to_level"], reaches=done["reaches_level"], current=done["current_level"])
    now = timezone.now()
    done["completed_at"] = done["completed_at"].astype(object).where(done["completed_at"].notna(), now)
    done["link"] = done["url"].where(done["url"] != "", done["activity_id"])
    urls = {link: _url_or_blank(link) for link in done["link"].unique()}
    Recommendation.objects.bulk_update(
        [
            Recommendation(
                pk=row.pk, status=Status.COMPLETED, completed_at=row.completed_at, acted_at=row.acted_at or now
            )
            for row in done.astype(object).where(done.notna(), None).itertuples()
        ],
        ["status", "completed_at", "acted_at"],
        batch_size=1_000,
    )
    SkillEvidence.objects.bulk_create(
        [
            SkillEvidence(
                employee_id=row.employee_id,
                skill_id=row.skill_id,
                level=row.level,
                source=EvidenceSource.LEARNING,
                observed_at=row.completed_at,
                confidence=LEARNING_CONFIDENCE,
                note=f"Completed “{row.title}” (recommended for {row.skill_name}).",
                evidence_url=urls[row.link],
                external_id=f"recommendation:{row.pk}",
            )
            for row in done.itertuples()
        ],
        batch_size=5_000,
    )
    sources = sorted(set(done["source"].replace("", "lms")))
    profile_changed_on_commit(
        employee_ids=done["employee_id"].unique().tolist(), what="evidence", source=", ".join(sources)
    )
    return done["pk"].tolist()
