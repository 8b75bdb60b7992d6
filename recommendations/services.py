"""Writes of the human review layer."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import EmployeeAnalysis, ReviewItem, ReviewStatus, SkillGap

DECISIONS = {ReviewStatus.APPROVED, ReviewStatus.EDITED, ReviewStatus.REJECTED}


@transaction.atomic
def review_decide(
    *, item: ReviewItem, decision: str, user, note: str = "", rationales: dict[int, str] | None = None
) -> ReviewItem:
    """HR approves, edits (new wording for some gaps, with why) or rejects (with why) one item.

    Approving or editing releases that analysis to the employee and their managers; rejecting
    keeps showing what they saw before. Every decision keeps who, when and why.
    """
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ReviewStatus.PENDING:
        raise ValidationError(f"This item was already decided ({item.get_status_display().lower()}).")
    if decision not in DECISIONS:
        raise ValidationError(f"Unknown decision {decision!r}: approve, edit or reject.")
    note = note.strip()
    if decision in {ReviewStatus.EDITED, ReviewStatus.REJECTED} and not note:
        raise ValidationError({"note": "Say why, so the next calibration and the employee's manager can follow it."})
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
    item.status = decision
    item.decided_at = timezone.now()
    item.decided_by = user
    item.note = note
    item.save(update_fields=["status", "decided_at", "decided_by", "note"])
    pointer = (
        EmployeeAnalysis.objects.select_for_update().filter(employee_id=item.employee_id, run_id=item.run_id).first()
    )
    if pointer is not None:
        pointer.review_status = decision
        if decision != ReviewStatus.REJECTED:
            pointer.visible_run_id = item.run_id
        pointer.save(update_fields=["review_status", "visible_run"])
    return item
