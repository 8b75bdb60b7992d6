"""Writes of the human review layer."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import EmployeeAnalysis, Flag, Recommendation, ReviewItem, ReviewStatus, SkillGap, SuccessionCandidate
from .outcomes import recommendations_deliver
from .tasks import queue_recompute

DECISIONS = {ReviewStatus.APPROVED, ReviewStatus.EDITED, ReviewStatus.REJECTED}
Status = Recommendation.Status


@transaction.atomic
def review_decide(
    *,
    item: ReviewItem,
    decision: str,
    user: User,
    note: str = "",
    rationales: dict[int, str] | None = None,
    horizon: str = "",
) -> ReviewItem:
    """HR approves, edits (new wording for some gaps, with why) or rejects (with why) one item.

    A gap analysis: approving or editing releases it to the employee and their managers;
    rejecting keeps showing what they saw before. Learning recommendations
    (``_recommendations_decide``): approving delivers the picks waiting and keeps the flagged
    ones; rejecting takes both back. Every decision keeps who, when and why.
    """
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ReviewStatus.PENDING:
        raise ValidationError(f"This item was already decided ({item.get_status_display().lower()}).")
    if decision not in DECISIONS:
        raise ValidationError(f"Unknown decision {decision!r}: approve, edit or reject.")
    note = note.strip()
    if decision in {ReviewStatus.EDITED, ReviewStatus.REJECTED} and not note:
        raise ValidationError({"note": "Say why, so the next calibration and the employee's manager can follow it."})
    now = timezone.now()
    if item.kind == ReviewItem.Kind.RECOMMENDATION:
        _recommendations_decide(item=item, decision=decision, note=note, now=now)
    elif item.kind == ReviewItem.Kind.SUCCESSION:
        _succession_decide(item=item, decision=decision, horizon=horizon, now=now)
    else:
        _analysis_decide(item=item, decision=decision, rationales=rationales)
    item.status = decision
    item.decided_at = now
    item.decided_by = user
    item.note = note
    item.save(update_fields=["status", "decided_at", "decided_by", "note"])
    return item


def _analysis_decide(*, item: ReviewItem, decision: str, rationales: dict[int, str] | None) -> None:
    if decision == ReviewStatus.EDITED:
        changed = {int(pk): text.strip() for pk, text in (rationales or {}).items() if text and text.strip()}
        if not changed:
            raise ValidationError({"rationales": "An edit needs new wording for at least one gap."})
        gaps = SkillGap.objects.filter(pk__in=changed, run_id=item.run_id, employee_id=item.employee_id)
        if gaps.count() != len(changed):
            raise ValidationError({"rationales": "Some of the edited gaps are not part of this analysis."})
        for gap in gaps:
            gap.hr_rationale = changed[gap.pk]
        SkillGap.objects.bulk_update(gaps, ["hr_rationale"])
    pointer = (
        EmployeeAnalysis.objects.select_for_update().filter(employee_id=item.employee_id, run_id=item.run_id).first()
    )
    if pointer is not None:
        pointer.review_status = decision
        if decision != ReviewStatus.REJECTED:
            pointer.visible_run_id = item.run_id
        pointer.save(update_fields=["review_status", "visible_run"])


def _recommendations_decide(*, item: ReviewItem, decision: str, note: str, now) -> None:
    """The employee's picks waiting for review, and their open flags on live recommendations.

    Approve: the waiting picks are delivered (with the e-mail) and each flagged one stays, its
    flag resolved as kept. Reject: the waiting picks and the flagged live ones become
    ``rejected``, never recommended to this employee again, their flags resolved as upheld, and
    the employee is recomputed so other picks take their place. What the employee has already
    acted on is never changed.
    """
    if decision == ReviewStatus.EDITED:
        raise ValidationError(
            "Learning recommendations are approved or rejected; to change what is offered, reject with why "
            "(others are picked instead) or edit the catalogue item."
        )
    flags = Flag.objects.filter(
        employee_id=item.employee_id, target=Flag.Target.RECOMMENDATION, resolved_at__isnull=True
    )
    if decision == ReviewStatus.APPROVED:
        waiting = Recommendation.objects.filter(employee_id=item.employee_id, status=Status.IN_REVIEW)
        recommendations_deliver(recommendation_ids=waiting.values_list("pk", flat=True), now=now)
        flags.update(resolved_at=now, resolution=f"Kept in HR review{': ' + note if note else '.'}")
        return
    flagged = flags.values("recommendation_id")
    Recommendation.objects.filter(employee_id=item.employee_id).filter(
        Q(status=Status.IN_REVIEW) | Q(status=Status.DELIVERED, pk__in=flagged)
    ).update(status=Status.REJECTED)
    flags.update(resolved_at=now, resolution=f"Upheld in HR review: {note}")
    queue_recompute([item.employee_id], trigger="recommendations rejected in HR review")


def _succession_decide(*, item: ReviewItem, decision: str, horizon: str, now) -> None:
    """A proposed name for a critical role's bench: approve puts them in the pool as proposed,
    edit puts them in with another horizon (and why), reject keeps them out (and why) and the
    engine never proposes them for that role again. Saved row by row: the audit log keeps each."""
    candidate = SuccessionCandidate.objects.select_for_update().get(pk=item.succession_id)
    if decision == ReviewStatus.EDITED:
        if horizon not in SuccessionCandidate.Horizon.values:
            raise ValidationError({"horizon": "An edit sets the horizon: ready now, within a year, or later."})
        if horizon == candidate.horizon:
            raise ValidationError({"horizon": "That is the horizon proposed: approve it, or choose another."})
        candidate.horizon = horizon
    candidate.status = decision
    candidate.decided_at = now
    candidate.full_clean()
    candidate.save()
